from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "zhengai.org"
    label = "org"
    verbose_name = "组织与人员"
