from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhengai.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from . import importing, jobs

        jobs.register("import")(importing.run_import_job)
