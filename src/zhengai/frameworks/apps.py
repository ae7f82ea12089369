from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "zhengai.frameworks"
    label = "frameworks"
    verbose_name = "诊断项目表"
