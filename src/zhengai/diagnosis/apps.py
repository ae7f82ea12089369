from django.apps import AppConfig


class DiagnosisConfig(AppConfig):
    name = "zhengai.diagnosis"
    label = "diagnosis"
    verbose_name = "诊改螺旋"
