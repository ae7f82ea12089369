from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhengai.core"
    label = "core"
    verbose_name = "基础"
