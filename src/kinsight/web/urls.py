"""URL routes: each Django app adds its own under its section's prefix."""

from django.urls import include, path

urlpatterns = [
    path("", include("kinsight.web.pages.urls")),
    path("", include("kinsight.web.accounts.urls")),
    path("children/", include("kinsight.web.children.urls")),
    path("linkage/", include("kinsight.web.linkage.urls")),
    path("catalogue/", include("kinsight.web.catalogue.urls")),
    path("insight/", include("kinsight.web.insight.urls")),
    path("your-records/", include("kinsight.web.family.urls")),
    path("quality/", include("kinsight.web.quality.urls")),
    path("governance/", include("kinsight.web.dpo.urls")),
    path("api/", include("kinsight.web.api.urls")),
]

handler400 = "kinsight.web.pages.views.bad_request"
handler403 = "kinsight.web.pages.views.forbidden"
handler404 = "kinsight.web.pages.views.not_found"
handler500 = "kinsight.web.pages.views.server_error"
