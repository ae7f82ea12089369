from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "zhengai.monitoring"
    label = "monitoring"
    verbose_name = "监测与预警"

    def ready(self) -> None:
        from django.core.exceptions import ValidationError

        from zhengai.core import jobs
        from zhengai.standards import formula_check
        from zhengai.statedata.signals import import_committed

        from . import formula, services

        jobs.register(services.JOB_KIND)(services.run_recompute_job)
        import_committed.connect(services.on_import_committed, dispatch_uid="monitoring_recompute_on_import")

        def check(text: str, level: str) -> None:
            try:
                formula.check(text, level)
            except formula.FormulaError as exc:
                raise ValidationError(exc.text) from exc

        formula_check.register(check)
