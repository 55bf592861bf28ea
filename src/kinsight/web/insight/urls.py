from django.urls import path

from kinsight.web.insight import views

app_name = "insight"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("journeys/", views.care_journeys, name="journeys"),
    path("indicators/<slug:indicator_id>/", views.indicator, name="indicator"),
    path("indicators/<slug:indicator_id>/data.<str:kind>", views.download, name="download"),
]
