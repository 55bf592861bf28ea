from django.urls import path

from kinsight.web.api import views

app_name = "api"
urlpatterns = [
    path("openapi.json", views.openapi, name="openapi"),
    path("me", views.me, name="me"),
    path("indicators", views.indicators, name="indicators"),
    path("indicators/<slug:indicator_id>", views.indicator, name="indicator"),
    path("children/records", views.child_records, name="child-records"),
    path("linkage/review-queue", views.review_queue, name="review-queue"),
    path("linkage/decisions", views.review_decision, name="review-decision"),
    path("quality/validations", views.validations, name="validations"),
    path("quality/validations/<slug:token>", views.validation, name="validation"),
    path("quality/validations/<slug:token>/findings", views.validation_findings, name="validation-findings"),
    path("catalogue", views.data_catalogue, name="catalogue"),
    path("agreements", views.agreement_register, name="agreements"),
    path("agreements/<slug:agreement_id>/status", views.agreement_status, name="agreement-status"),
    path("audit/search", views.audit_search, name="audit-search"),
    path("audit/verify", views.audit_verify, name="audit-verify"),
    path("subject-access/cases", views.subject_access_cases, name="subject-access-cases"),
    path("subject-access/cases/<slug:reference>/actions", views.subject_access_action, name="subject-access-action"),
    path("subject-access/cases/<slug:reference>/pack", views.subject_access_pack, name="subject-access-pack"),
    path("challenges", views.open_challenges, name="challenges"),
    path("challenges/<slug:reference>/decision", views.challenge_decision, name="challenge-decision"),
    path("break-glass", views.break_glass_queue, name="break-glass"),
    path("break-glass/<int:use_id>/review", views.break_glass_review, name="break-glass-review"),
    path("your-records", views.own_records, name="own-records"),
    path("your-records/challenges", views.own_challenge, name="own-challenge"),
]
