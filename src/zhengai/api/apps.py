from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "zhengai.api"
    label = "api"
    verbose_name = "数据接口"
