from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "zhengai.goals"
    label = "goals"
    verbose_name = "目标链"
