from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "zhengai.evaluation"
    label = "evaluation"
    verbose_name = "评教评学"
