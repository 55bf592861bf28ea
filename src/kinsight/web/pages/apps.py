from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "kinsight.web.pages"
    label = "pages"
    verbose_name = "Pages"
