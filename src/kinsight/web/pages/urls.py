from django.urls import path

from kinsight.web.pages import views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
