from django.apps import AppConfig


class DiagnosisConfig(AppConfig):
    name = "zhengai.diagnosis"
    label = "diagnosis"
    verbose_name = "诊改螺旋"

    def ready(self) -> None:
        from zhengai.monitoring.signals import measurements_recorded

        from . import improvements

        # New measurements verify (or refute) the improvements in progress: the spiral's small loop.
        measurements_recorded.connect(improvements.on_measurements_recorded,
                                      dispatch_uid="diagnosis_improvements_on_measurements")
