from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "kinsight.web.catalogue"
    label = "catalogue"
    verbose_name = "Data catalogue"
