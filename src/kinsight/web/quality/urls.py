from django.urls import path

from kinsight.web.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.index, name="index"),
    path("runs/<slug:token>/", views.run, name="run"),
    path("runs/<slug:token>/rules/<slug:code>/", views.rule, name="rule"),
    path("runs/<slug:token>/children/<int:position>/", views.child, name="child"),
    path("runs/<slug:token>/download/<str:name>", views.download, name="download"),
]
