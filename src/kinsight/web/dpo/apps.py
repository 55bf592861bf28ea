from django.apps import AppConfig


class DpoConfig(AppConfig):
    name = "kinsight.web.dpo"
    label = "dpo"
    verbose_name = "Governance (data protection officer)"
