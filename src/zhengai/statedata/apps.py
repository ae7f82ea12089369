from django.apps import AppConfig


class StatedataConfig(AppConfig):
    name = "zhengai.statedata"
    label = "statedata"
    verbose_name = "状态数据"

    def ready(self) -> None:
        from zhengai.core import jobs

        from . import importers, process, workbook  # noqa: F401  (process registers the teaching-process importers)

        # Large state-data files run as jobs of their own kind, so the job keeps the file name and checksum
        # for the import history (core's "import" kind passes neither to the importer).
        jobs.register(importers.JOB_KIND)(importers.run_statedata_job)
        jobs.register(workbook.JOB_KIND)(workbook.run_workbook_job)
