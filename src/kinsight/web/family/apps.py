from django.apps import AppConfig


class FamilyConfig(AppConfig):
    name = "kinsight.web.family"
    label = "family"
    verbose_name = "Family portal"
