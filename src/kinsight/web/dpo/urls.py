from django.urls import path

from kinsight.web.dpo import views

app_name = "dpo"
urlpatterns = [
    path("", views.index, name="index"),
    path("agreements/new/", views.create_from_template, name="create"),
    path("agreements/<slug:agreement_id>/", views.agreement, name="agreement"),
    path("agreements/<slug:agreement_id>/status/", views.transition, name="transition"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/verify/", views.verify_chain, name="verify"),
    path("rights/", views.cases, name="cases"),
    path("rights/new/", views.open_case, name="open-case"),
    path("rights/<slug:reference>/", views.case_action, name="case-action"),
    path("rights/<slug:reference>/pack/", views.case_pack, name="case-pack"),
    path("challenges/<slug:reference>/", views.resolve_challenge, name="resolve-challenge"),
    path("break-glass/<int:use_id>/review/", views.review_break_glass, name="review-break-glass"),
]
