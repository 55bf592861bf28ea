from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kinsight.web.api"
    label = "api"
    verbose_name = "JSON API"
