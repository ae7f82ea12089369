from django.apps import AppConfig


class TeachingConfig(AppConfig):
    name = "zhengai.teaching"
    label = "teaching"
    verbose_name = "课程教学"
