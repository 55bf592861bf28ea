from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "kinsight.web.insight"
    label = "insight"
    verbose_name = "Insight"
