"""Qualitative QC points: the named owner judges each cycle 达标 / 未达标 with a note and evidence; the judgment
is a measurement like any other, so 未达标 raises a warning to the owner and a later 达标 resolves it."""

from __future__ import annotations

from django.urls import reverse

from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring.choices import Status, WarningState
from zhengai.monitoring.models import Notification, Warning
from zhengai.monitoring.selectors import that_count
from zhengai.monitoring.services import recompute
from zhengai.standards.models import QCPoint


def _point(college, owner) -> QCPoint:
    return QCPoint.objects.create(institution=college.institution, code="QL1", name="课程思政落实情况",
                                  level="school", qualitative=True, owner=owner)


def test_not_met_warns_the_owner_and_met_resolves_it(college, login):
    owner = college.users["head"]
    point = _point(college, owner)
    year = ensure_academic_year(2025)
    url = reverse("monitoring:qualitative_judge", args=[point.pk])
    client = login(owner)
    assert client.get(url).status_code == 200
    response = client.post(url, {"period": year.pk, "result": "0", "note": "两门课未落实", "evidence": "督导记录12号"})
    assert response.status_code == 302, response.content.decode()
    counted = that_count().get(qc_point=point, period=year)
    assert counted.status == Status.FAIL and counted.inputs["证据"] == "督导记录12号"
    warning = Warning.objects.get(qc_point=point, state=WarningState.OPEN)
    assert list(warning.owners.all()) == [owner]
    assert Notification.objects.filter(user=owner, text__contains="课程思政落实情况").exists()
    assert client.post(url, {"period": year.pk, "result": "1", "note": "已整改"}).status_code == 302
    warning.refresh_from_db()
    assert warning.state == WarningState.RESOLVED
    assert that_count().get(qc_point=point, period=year).status == Status.PASS


def test_recompute_leaves_a_qualitative_point_alone(college):
    point = _point(college, college.users["quality"])
    result = recompute(institution=college.institution, period=ensure_academic_year(2025), qc_points=[point])
    assert result["points"] == 0 and not result["errors"]


def test_only_the_owner_or_quality_office_judges_and_another_college_gets_404(college, other, login):
    point = _point(college, college.users["quality"])
    year = ensure_academic_year(2025)
    url = reverse("monitoring:qualitative_judge", args=[point.pk])
    data = {"period": year.pk, "result": "0", "note": "x"}
    assert login(college.users["student"]).post(url, data).status_code == 403
    assert login(other.users["quality"]).get(url).status_code == 404
    assert not Warning.objects.filter(qc_point=point).exists()


# ---- evidence files with a judgment ------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_a_judgment_keeps_an_evidence_file_served_only_as_a_download(college, other, login, settings, tmp_path):
    from zhengai.monitoring.models import JudgmentFile

    settings.MEDIA_ROOT = tmp_path
    owner = college.users["head"]
    point = _point(college, owner)
    year = ensure_academic_year(2025)
    client = login(owner)
    response = client.post(reverse("monitoring:qualitative_judge", args=[point.pk]), {
        "period": year.pk, "result": "0", "note": "两门课未落实", "evidence_file": _upload("督导记录.pdf", PDF)})
    assert response.status_code == 302, response.content.decode()
    kept = JudgmentFile.objects.get()
    assert kept.name == "督导记录.pdf" and kept.size == len(PDF) and kept.measurement.qc_point == point
    assert not kept.file.name.endswith("督导记录.pdf")  # stored under a generated name
    assert that_count().get(qc_point=point, period=year).inputs["证据文件"] == "督导记录.pdf"
    page = client.get(response["Location"]).content.decode()
    url = reverse("monitoring:judgment_file", args=[kept.pk])
    assert url in page
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    # Another college never reaches it.
    assert login(other.users["quality"]).get(url).status_code == 404


def test_a_hostile_file_is_refused_and_nothing_is_judged(college, login, settings, tmp_path):
    from zhengai.monitoring.models import JudgmentFile, Measurement

    settings.MEDIA_ROOT = tmp_path
    owner = college.users["head"]
    point = _point(college, owner)
    year = ensure_academic_year(2025)
    client = login(owner)
    url = reverse("monitoring:qualitative_judge", args=[point.pk])
    page = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
    response = client.post(url, {"period": year.pk, "result": "0", "note": "x",
                                 "evidence_file": _upload("督导记录.pdf", page)})
    assert response.status_code == 400
    assert "文件内容像网页或脚本" in response.content.decode()
    wrong_type = client.post(url, {"period": year.pk, "result": "0", "note": "x",
                                   "evidence_file": _upload("记录.html", b"hello")})
    assert wrong_type.status_code == 400 and "不接受“.html”类型的文件" in wrong_type.content.decode()
    assert not JudgmentFile.objects.exists() and not Measurement.objects.filter(qc_point=point).exists()
    assert not Warning.objects.filter(qc_point=point).exists()
    assert not list(tmp_path.rglob("*.*"))
