from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "zhengai.standards"
    label = "standards"
    verbose_name = "标准与质控点"
