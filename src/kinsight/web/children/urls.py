from django.urls import path

from kinsight.web.children import views

app_name = "children"
urlpatterns = [
    path("", views.find, name="find"),
    path("search/", views.search, name="search"),
    path("open/", views.open_child, name="open"),
    path("view/<str:token>/", views.view, name="view"),
    path("view/<str:token>/break-glass/", views.break_glass, name="break-glass"),
]
