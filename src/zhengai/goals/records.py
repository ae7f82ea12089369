"""Task records (任务自主诊改记录, seed 000 表3–4, seed 003 表5–6): each one-page plan task's PDCA record —
plan (工作目标, 工作标准), work items with the school's verification opinion, the self-diagnosis opinion,
improvement measures and their effects — and the evidence files kept with it.

Evidence is handled as untrusted, by core.uploads: the type is decided from the extension on a short list,
files whose first bytes look like a web page or a script are refused whatever their name, the file is stored
under a generated name, and it is only ever served as a download.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from zhengai.core import audit
from zhengai.core.choices import AuditAction, Role
from zhengai.core.permissions import CHANGE, VIEW, access_for
from zhengai.core.services import save_object

# The checks of every uploaded evidence file live in core.uploads (monitoring's qualitative judgments use them
# too); the names stay importable from here for this app's views and tests.
from zhengai.core.uploads import (  # noqa: F401
    ALLOWED_EXTENSIONS,
    SNIFF_BYTES,
    check_evidence,
    check_upload,
    content_type_for,
    evidence_max_bytes,
    extension_of,
    looks_active,
)

from .models import Evidence, OnePagePlan, PlanTask, RecordItem, TaskRecord

RECORD_FIELDS = ("goal_text", "standard_text", "opinion", "measures", "effects")
ITEM_FIELDS = ("number", "content", "executor", "record_name", "result", "result_state", "deadline")
# The quality office and supervisors verify the work (学校核查意见).
REVIEWERS = {Role.QUALITY_OFFICE, Role.SUPERVISOR}

# ---- who may do what -----------------------------------------------------------------------------

def tasks_visible(user: Any):
    """Tasks the user may read: the gate's view, which includes the tasks a person owns."""
    return PlanTask.objects.restrict(user, VIEW)


def may_see(user: Any, task: PlanTask) -> bool:
    return tasks_visible(user).filter(pk=task.pk).exists()


def may_edit(user: Any, task: PlanTask) -> bool:
    """The task's plan editors and its owner (the gate's change on PlanTask)."""
    return PlanTask.objects.restrict(user, CHANGE).filter(pk=task.pk).exists()


def may_review(user: Any, task: PlanTask) -> bool:
    """The quality office and supervisors of the task's institution, who see the task."""
    access = access_for(user)
    if access.is_superuser:
        return True
    return access.has_role(REVIEWERS, task.institution_id) and may_see(user, task)


def may_delete_evidence(user: Any, evidence: Evidence) -> bool:
    """The uploader (while they still see the record) or the editors of the task's plan."""
    task = evidence.record.task
    if evidence.uploaded_by_id == user.pk and may_see(user, task):
        return True
    return OnePagePlan.objects.restrict(user, CHANGE).filter(pk=task.plan_id).exists()


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# ---- services --------------------------------------------------------------------------------------

def record_of(task: PlanTask) -> TaskRecord | None:
    return TaskRecord.objects.filter(task=task).first()


@transaction.atomic
def record_ensure(*, actor: Any, task: PlanTask) -> TaskRecord:
    """The task's record, created empty on first use (adding an item or a file before writing the text)."""
    record = record_of(task)
    if record is None:
        _require(may_edit(actor, task), "您不能填写该任务的诊改记录")
        record, _ = save_object(actor=actor, obj=TaskRecord(institution=task.institution, task=task),
                                data={"updated_by": actor})
    return record


@transaction.atomic
def record_save(*, actor: Any, task: PlanTask, data: dict[str, Any]) -> tuple[TaskRecord, str]:
    """Write the plan and check/act parts of the task's record (created on first save)."""
    _require(may_edit(actor, task), "您不能填写该任务的诊改记录")
    record = record_of(task) or TaskRecord(institution=task.institution, task=task)
    clean = {k: v for k, v in data.items() if k in RECORD_FIELDS}
    before = {k: getattr(record, k) for k in clean}
    if record.pk is None or before != clean:
        clean["updated_by"] = actor
    return save_object(actor=actor, obj=record, data=clean)


@transaction.atomic
def record_item_save(*, actor: Any, record: TaskRecord, data: dict[str, Any],
                     item: RecordItem | None = None) -> tuple[RecordItem, str]:
    """Add or change a work item (工作内容); the number defaults to the next free one."""
    _require(may_edit(actor, record.task), "您不能修改该任务的工作内容")
    obj = item if item is not None else RecordItem(institution=record.institution, record=record)
    clean = {k: v for k, v in data.items() if k in ITEM_FIELDS}
    if not clean.get("number"):
        clean["number"] = obj.number or (record.items.aggregate(m=Max("number"))["m"] or 0) + 1
    if RecordItem.objects.filter(record=record, number=clean["number"]).exclude(pk=obj.pk).exists():
        raise ValidationError({"number": f"序号{clean['number']}已被使用"})
    return save_object(actor=actor, obj=obj, data=clean)


@transaction.atomic
def record_item_delete(*, actor: Any, item: RecordItem) -> None:
    _require(may_edit(actor, item.record.task), "您不能删除该任务的工作内容")
    audit.record(actor=actor, obj=item, action=AuditAction.DELETE, before=audit.snapshot(item), after={})
    item.delete()


@transaction.atomic
def record_item_review(*, actor: Any, item: RecordItem, opinion: str) -> tuple[RecordItem, str]:
    """The school's verification opinion (学校核查意见) on a work item, by the quality office or a supervisor."""
    _require(may_review(actor, item.record.task), "只有质管办和督导可以填写学校核查意见")
    opinion = (opinion or "").strip()
    return save_object(actor=actor, obj=item, data={"review_opinion": opinion,
                                                   "reviewed_by": actor if opinion else None})


@transaction.atomic
def evidence_upload(*, actor: Any, task: PlanTask, upload: Any, item: RecordItem | None = None) -> Evidence:
    """Keep an uploaded file with the task's record (optionally with one of its work items).

    `upload` is a Django UploadedFile. Its name is only kept for display; the stored name is generated by
    the model's `upload_to` from a random stem and the checked extension."""
    _require(may_edit(actor, task), "您不能为该任务上传支撑材料")
    checked = check_upload(upload)
    record = record_ensure(actor=actor, task=task)
    if item is not None and item.record_id != record.pk:
        raise ValidationError("所选工作内容不属于该任务的记录")
    evidence = Evidence(institution=task.institution, record=record, item=item, file=checked.file,
                        name=checked.name, size=checked.size, content_type=checked.content_type,
                        sha256=checked.sha256, uploaded_by=actor)
    evidence.full_clean()
    evidence.save()
    audit.record(actor=actor, obj=evidence, action=AuditAction.CREATE, after=_evidence_snapshot(evidence))
    return evidence


def _evidence_snapshot(evidence: Evidence) -> dict[str, Any]:
    """The audit trail's view of a file: its stored path as text (a file object is not JSON)."""
    data = audit.snapshot(evidence)
    data["file"] = evidence.file.name
    return data


@transaction.atomic
def evidence_delete(*, actor: Any, evidence: Evidence) -> None:
    """Remove a file: by its uploader or the editors of the task's plan. The stored file goes after commit."""
    _require(may_delete_evidence(actor, evidence), "只有上传人或计划的编制人可以删除该文件")
    audit.record(actor=actor, obj=evidence, action=AuditAction.DELETE, before=_evidence_snapshot(evidence),
                 after={})
    storage, path = evidence.file.storage, evidence.file.name
    evidence.delete()
    if path:
        transaction.on_commit(lambda: storage.delete(path))
