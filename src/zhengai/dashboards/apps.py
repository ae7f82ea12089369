from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "zhengai.dashboards"
    label = "dashboards"
    verbose_name = "驾驶舱"
