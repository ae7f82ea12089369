from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from zhengai.core import jobs
from zhengai.core.choices import JobStatus
from zhengai.core.models import Job
from zhengai.org.models import Major

HEADER = "专业代码,专业名称,所属院系代码\n"


def _upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("专业.csv", text.encode("utf-8"), content_type="text/csv")


def test_large_file_imports_in_the_background_with_a_progress_page(college, login, settings,
                                                                  django_capture_on_commit_callbacks):
    settings.ZHENGAI_IMPORT_INLINE_ROWS = 2
    client = login(college.users["steward"])
    rows = "".join(f"5901{i:02d},专业{i},U01\n" for i in range(5))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/org/majors/import/", {"file": _upload(HEADER + rows)})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/core/jobs/{job.pk}/"
    assert job.status == JobStatus.DONE and job.result["created"] == 5
    assert Major.objects.filter(code__startswith="5901").count() == 5
    page = client.get(response["Location"]).content.decode()
    assert "新增5行" in page and "已完成" in page


def test_background_import_with_a_bad_row_writes_nothing_and_lists_it(college, login, settings,
                                                                     django_capture_on_commit_callbacks):
    settings.ZHENGAI_IMPORT_INLINE_ROWS = 2
    client = login(college.users["steward"])
    rows = "590101,甲,U01\n590102,乙,U77\n590103,丙,U01\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/org/majors/import/", {"file": _upload(HEADER + rows)})
    page = client.get(response["Location"]).content.decode()
    assert "第3行" in page and "U77" in page
    assert not Major.objects.filter(code__startswith="5901").exists()


def test_a_job_is_seen_by_its_starter_and_the_quality_office_only(college, other, login, settings):
    settings.ZHENGAI_IMPORT_INLINE_ROWS = 0
    login(college.users["steward"]).post("/org/majors/import/", {"file": _upload(HEADER + "590101,甲,U01\n")})
    job = Job.objects.get()
    for who, status in (("steward", 200), ("quality", 200), ("head", 404), ("teacher", 404)):
        assert login(college.users[who]).get(f"/core/jobs/{job.pk}/").status_code == status, who
    assert login(other.users["quality"]).get(f"/core/jobs/{job.pk}/").status_code == 404


def test_a_failing_job_records_its_failure(college):
    @jobs.register("explode")
    def explode(job, progress):
        raise RuntimeError("磁盘已满")

    job = jobs.job_start(actor=college.users["quality"], institution=college.institution, kind="explode",
                         label="测试", params={})
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "磁盘已满" in job.message and job.finished_at
