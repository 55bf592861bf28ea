from django.urls import path

from kinsight.web.family import views

app_name = "family"
urlpatterns = [
    path("", views.home, name="home"),
    path("challenge/", views.raise_challenge, name="challenge"),
]
