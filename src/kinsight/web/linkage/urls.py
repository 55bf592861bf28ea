from django.urls import path

from kinsight.web.linkage import views

app_name = "linkage"
urlpatterns = [
    path("", views.report, name="report"),
    path("report.<str:kind>", views.report_download, name="report-download"),
    path("review/", views.review, name="review"),
    path("review/decide/", views.decide, name="decide"),
]
