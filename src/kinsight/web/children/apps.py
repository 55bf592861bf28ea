from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "kinsight.web.children"
    label = "children"
    verbose_name = "Child view"
