from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "kinsight.web.quality"
    label = "web_quality"
    verbose_name = "Data quality"
