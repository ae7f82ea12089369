"""Long work as background jobs (DESIGN.md convention 6).

`job_start` records a Job row and, once the transaction commits, enqueues the task that runs it. The task
looks up the job's handler by kind (apps register theirs with `register`), which does the work through the
app's services and reports progress; the job's page shows it. Tests run tasks immediately.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from .choices import JobStatus
from .models import Job

log = logging.getLogger(__name__)

Handler = Callable[[Job, "Progress"], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def register(kind: str) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return decorator


class Progress:
    """Writes progress to the job row, at most every `step` items, so reporting costs little; remembers the
    last numbers it was given, so that the end of the job can show the real total."""

    def __init__(self, job: Job, step: int = 200):
        self.job = job
        self.step = step
        self.done = 0
        self.total = 0

    def __call__(self, done: int, total: int, message: str = "") -> None:
        self.done, self.total = done, total
        if done and done < total and done % self.step:
            return
        Job.objects.filter(pk=self.job.pk).update(done=done, total=total, message=message[:200])

    def final(self, result: dict[str, Any]) -> tuple[int, int]:
        """(done, total) of a finished job: an import's real number of data rows (its result's `total`, the
        rows read, whether written or refused), else the last total reported — all of it done."""
        total = result.get("total") if isinstance(result, dict) else None
        if isinstance(total, int) and not isinstance(total, bool):
            return total, total
        return self.total, self.total


def job_start(*, actor: Any, institution: Any, kind: str, label: str, params: dict[str, Any]) -> Job:
    if kind not in _HANDLERS:
        raise ValueError(f"unknown job kind {kind}")
    job = Job.objects.create(institution=institution, created_by=actor if getattr(actor, "pk", None) else None,
                             kind=kind, label=label[:200], params=params)
    from .tasks import run_job

    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


def job_run(job_id: int) -> None:
    """Run one job to its end; a failure is recorded on the job, never lost in a log."""
    job = Job.objects.get(pk=job_id)
    if job.finished:
        return
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    progress = Progress(job)
    try:
        result = _HANDLERS[job.kind](job, progress)
    except Exception as exc:  # the job page must say what happened, whatever it was
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now(),
                                             message=f"出错：{exc}"[:200])
        return
    # The last progress call may have been a step's start ("写入数据" at 0) or a throttled one: the finished
    # job states the real numbers, never "已完成 · 0 / 8100".
    done, total = progress.final(result)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=timezone.now(), result=result,
                                         message="完成", done=done, total=total)
