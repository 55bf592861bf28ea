from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "kinsight.web.linkage"
    label = "web_linkage"
    verbose_name = "Linkage"
