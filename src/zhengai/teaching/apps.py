from django.apps import AppConfig


class TeachingConfig(AppConfig):
    name = "zhengai.teaching"
    label = "teaching"
    verbose_name = "课程教学"

    def ready(self) -> None:
        from zhengai.statedata.signals import import_committed

        from . import warnings

        # An attendance file or API push moves students across the absence line as a roll call does.
        import_committed.connect(warnings.on_import_committed, dispatch_uid="teaching_absence_on_import")
