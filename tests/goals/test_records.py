"""Task records (PDCA) and their evidence: who may write, who may verify, the upload limits, and downloads
that are always attachments and never leave the gate."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhengai.core.models import AuditEntry
from zhengai.goals import records
from zhengai.goals.models import Evidence, OnePagePlan, PlanTask, RecordItem, TaskRecord

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def task(college):
    """A task in the 信息工程学院 one-page plan (edited by its head), owned by the teacher."""
    unit = college.units["it"]
    plan = OnePagePlan.objects.create(institution=college.institution, year=2025, level="unit",
                                      entity_key=f"unit:{unit.pk}", unit=unit,
                                      name="信息工程学院2025年度一页纸工作计划")
    return PlanTask.objects.create(institution=college.institution, plan=plan, number=1, title="修订人才培养方案",
                                   unit=unit, owner=college.users["teacher"])


@pytest.fixture
def mech_teacher(college):
    """A teacher of the other secondary college: cannot see the 信息工程学院 plan."""
    from zhengai.core.choices import Role
    from zhengai.core.services import membership_grant, user_create

    user = user_create(username="t2", name="李老师", password="x-pass-123456")
    membership_grant(user=user, institution=college.institution, role=Role.TEACHER, scope=college.teachers["t2"])
    college.teachers["t2"].user = user
    college.teachers["t2"].save()
    return user


def url(name: str, *args) -> str:
    return reverse(f"goals:{name}", args=args)


RECORD = {"goal_text": "完成方案修订", "standard_text": "通过专家论证", "opinion": "", "measures": "", "effects": ""}


# ---- the record -----------------------------------------------------------------------------------

def test_owner_writes_the_record_created_on_first_save(college, task, login):
    client = login(college.users["teacher"])
    page = client.get(url("record_detail", task.pk))
    assert page.status_code == 200 and "还没有诊改记录" in page.content.decode()
    assert not TaskRecord.objects.exists()
    assert client.post(url("record_detail", task.pk), RECORD).status_code == 302
    record = TaskRecord.objects.get(task=task)
    assert record.goal_text == "完成方案修订" and record.updated_by == college.users["teacher"]
    response = client.post(url("record_item_add", task.pk), {"content": "召开研讨会", "executor": "张老师",
                                                              "result_state": "met"})
    assert response.status_code == 302
    item = RecordItem.objects.get(record=record)
    assert item.number == 1 and item.result_state == "met"
    assert client.post(url("record_item_edit", item.pk), {"number": 1, "content": "召开两次研讨会",
                                                           "result_state": "partly"}).status_code == 302
    item.refresh_from_db()
    assert item.content == "召开两次研讨会"
    # The owner may not write the school's verification opinion.
    assert client.post(url("record_item_review", item.pk), {"review_opinion": "自己核查"}).status_code == 403
    item.refresh_from_db()
    assert item.review_opinion == ""


def test_plan_editor_writes_others_read_or_get_404(college, other, task, mech_teacher, login):
    # The unit head edits the plan, so the record too.
    assert login(college.users["head"]).post(url("record_detail", task.pk), RECORD).status_code == 302
    # The quality office sees the task; being a planner it may also write.
    page = login(college.users["quality"]).get(url("record_detail", task.pk))
    assert page.status_code == 200 and "完成方案修订" in page.content.decode()
    # A teacher of another college (secondary college) does not see the plan: 404 to read and to write.
    client = login(mech_teacher)
    assert client.get(url("record_detail", task.pk)).status_code == 404
    assert client.post(url("record_detail", task.pk), {**RECORD, "goal_text": "篡改"}).status_code == 404
    # A supervisor sees it but may not change it: 403.
    supervisor = login(college.users["supervisor"])
    assert supervisor.get(url("record_detail", task.pk)).status_code == 200
    assert supervisor.post(url("record_detail", task.pk), {**RECORD, "goal_text": "篡改"}).status_code == 403
    # The outsider: 404.
    assert login(other.users["quality"]).get(url("record_detail", task.pk)).status_code == 404
    assert login(other.users["quality"]).get(url("record_print", task.pk)).status_code == 404
    assert TaskRecord.objects.get(task=task).goal_text == "完成方案修订"


def test_a_teacher_who_is_not_the_owner_cannot_write(college, task, login):
    task.owner = None
    task.save()
    client = login(college.users["teacher"])
    # The teacher of the unit may see the unit's plan (404 would also be right); never write it.
    status = client.get(url("record_detail", task.pk)).status_code
    assert status in (200, 404)
    assert client.post(url("record_detail", task.pk), RECORD).status_code in (403, 404)
    assert not TaskRecord.objects.exists()
    with pytest.raises(PermissionDenied):
        records.record_save(actor=college.users["teacher"], task=task, data=RECORD)


def test_quality_office_and_supervisor_verify_items(college, task, login):
    record = records.record_ensure(actor=college.users["teacher"], task=task)
    item, _ = records.record_item_save(actor=college.users["teacher"], record=record, data={"content": "研讨"})
    assert login(college.users["supervisor"]).post(url("record_item_review", item.pk),
                                                   {"review_opinion": "已核查，材料齐全"}).status_code == 302
    item.refresh_from_db()
    assert item.review_opinion == "已核查，材料齐全" and item.reviewed_by == college.users["supervisor"]
    page = login(college.users["supervisor"]).get(url("record_detail", task.pk)).content.decode()
    assert "保存核查意见" in page and "已核查，材料齐全" in page
    assert "保存核查意见" not in login(college.users["teacher"]).get(url("record_detail", task.pk)).content.decode()
    # A unit head edits the plan but does not verify for the school.
    assert login(college.users["head"]).post(url("record_item_review", item.pk),
                                             {"review_opinion": "x"}).status_code == 403
    printed = login(college.users["quality"]).get(url("record_print", task.pk)).content.decode()
    assert "任务自主诊改表" in printed and "已核查，材料齐全" in printed and "研讨" in printed


# ---- evidence ------------------------------------------------------------------------------------------

def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_upload_keeps_the_original_name_and_stores_under_a_generated_one(college, task, login):
    client = login(college.users["teacher"])
    response = client.post(url("evidence_upload", task.pk), {"file": upload("会议纪要.pdf", PDF)})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.name == "会议纪要.pdf" and evidence.size == len(PDF) and len(evidence.sha256) == 64
    assert evidence.file.name.startswith("evidence/") and "会议纪要" not in evidence.file.name
    assert evidence.file.name.endswith(".pdf") and evidence.uploaded_by == college.users["teacher"]
    assert TaskRecord.objects.filter(task=task).exists()


@pytest.mark.parametrize("name,data,message", [
    ("page.html", b"<p>hi</p>", "不接受"),
    ("run.exe", b"MZ\x90\x00", "不接受"),
    ("noext", b"abc", "不接受"),
    ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "像网页或脚本"),
    ("image.png", b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", "像网页或脚本"),
    ("notes.txt", b"hello <script>alert(1)</script>", "像网页或脚本"),
])
def test_bad_files_are_refused_with_a_chinese_message(college, task, login, name, data, message):
    response = login(college.users["teacher"]).post(url("evidence_upload", task.pk),
                                                    {"file": upload(name, data, "application/pdf")})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Evidence.objects.exists()


def test_too_big_is_refused(college, task, login, settings):
    settings.ZHENGAI_EVIDENCE_MAX_MB = 1
    big = PDF + b"0" * (1024 * 1024)
    response = login(college.users["teacher"]).post(url("evidence_upload", task.pk), {"file": upload("a.pdf", big)})
    assert response.status_code == 400 and "文件太大" in response.content.decode()
    assert not Evidence.objects.exists()
    small = records.check_evidence("a.pdf", 1024 * 1024, PDF)
    assert small == "pdf"


def test_download_is_an_attachment_with_nosniff_and_a_safe_type(college, task, login):
    teacher = college.users["teacher"]
    pdf = records.evidence_upload(actor=teacher, task=task, upload=upload("方案.pdf", PDF))
    doc = records.evidence_upload(actor=teacher, task=task, upload=upload("数据.csv", b"a,b\n1,2\n", "text/html"))
    client = login(college.users["quality"])
    response = client.get(url("evidence_download", pdf.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    response = client.get(url("evidence_download", doc.pk))
    # The browser said text/html; the platform never repeats that.
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_download_scope_and_delete(college, other, task, mech_teacher, login):
    evidence = records.evidence_upload(actor=college.users["teacher"], task=task, upload=upload("方案.pdf", PDF))
    page = login(college.users["teacher"]).get(url("record_detail", task.pk)).content.decode()
    assert "方案.pdf" in page and url("evidence_download", evidence.pk) in page
    assert login(other.users["quality"]).get(url("evidence_download", evidence.pk)).status_code == 404
    assert login(mech_teacher).get(url("evidence_download", evidence.pk)).status_code == 404
    assert login(mech_teacher).post(url("evidence_delete", evidence.pk)).status_code == 404
    # The supervisor sees it but neither uploaded it nor edits the plan.
    assert login(college.users["supervisor"]).post(url("evidence_delete", evidence.pk)).status_code == 403
    stored = evidence.file.name
    storage = evidence.file.storage
    with pytest.raises(ValidationError):
        records.check_evidence("x.pdf", 10, b"<html>")
    # The plan's editor (the unit head) may delete it; the stored file goes with it.
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert login(college.users["head"]).post(url("evidence_delete", evidence.pk)).status_code == 302
    assert not Evidence.objects.exists() and not storage.exists(stored)


def test_item_edit_page_keeps_what_was_typed(college, task, login):
    record = records.record_ensure(actor=college.users["teacher"], task=task)
    records.record_item_save(actor=college.users["teacher"], record=record, data={"content": "一"})
    second, _ = records.record_item_save(actor=college.users["teacher"], record=record, data={"content": "二"})
    assert second.number == 2
    client = login(college.users["teacher"])
    assert client.get(url("record_item_edit", second.pk)).status_code == 200
    response = client.post(url("record_item_edit", second.pk), {"number": 1, "content": "改写的内容",
                                                                "result_state": "met"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "序号1已被使用" in page and "改写的内容" in page


def test_an_evidence_download_is_logged(college, task, login):
    pdf = records.evidence_upload(actor=college.users["teacher"], task=task, upload=upload("方案.pdf", PDF))
    assert login(college.users["quality"]).get(url("evidence_download", pdf.pk)).status_code == 200
    entry = AuditEntry.objects.get(action="download")
    assert (entry.actor, entry.institution, entry.object_id, entry.object_repr) == (
        college.users["quality"], college.institution, str(pdf.pk), str(pdf))
    assert entry.changes == {"内容": "方案.pdf"}
