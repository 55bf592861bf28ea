"""URL routes; each Django app adds its own."""

urlpatterns: list = []
