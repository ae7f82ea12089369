from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "zhengai.reports"
    label = "reports"
    verbose_name = "自我诊改报告"
