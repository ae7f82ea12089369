"""The chain above the QC points authored in the browser and by Excel in the seeds' layout (seed 001 表6–9,
seed 002 表8: 类型 · 主要标准要素): the quality office creates, edits and retires standard sets, dimensions and
standards, audited; everyone else reads; another college gets 404; an export imports back unchanged."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from zhengai.core.models import AuditEntry
from zhengai.core.spreadsheets import read_rows, workbook_bytes, write_sheet
from zhengai.standards.importers import ChainImporter, split_elements
from zhengai.standards.models import Dimension, QCPoint, Standard, StandardSet

# Seed 001 表6 and 表9, seed 002 表8 (two rows each), as the seeds print them.
SEED_ROWS = [
    ["专业", "专业开发标准", "专业建设调研、人才培养方案制定、培养模式改革专业建设、校企合作专业建设、课程标准制定、"
                          "数字化教学资源建设"],
    ["专业", "专业条件标准", "师资配备要求、专业带头人和骨干教师选拔与管理、专业建设经费管理、实训条件配备要求、"
                          "实训基地建设要求、多媒体教室建设与管理"],
    ["课程", "课程开发标准", "课程体系建设、课程建设调研、课程标准制定（课程目标、课程内容、教学组织、课程考核等）、"
                          "教材开发与建设"],
    ["学生", "思想政治素质标准", "政治表现、思想水平、道德品质、法纪观念、集体观念、劳动观念、生活态度、"
                              "日常品行、审美情趣"],
    ["学生", "身心健康素质标准", "身体素质、运动能力、健康情趣、自我评价、人际关系、社会适应、心理综合测评"],
]


def _sheet(rows: list[list[object]], headers: list[str] | None = None) -> bytes:
    workbook = Workbook()
    write_sheet(workbook, "标准要素", headers or ["层面", "类型", "主要标准要素"], rows, first=True)
    return workbook_bytes(workbook)


def _upload(client, data: bytes):
    return client.post(reverse("standards:dimension_import"), {"file": SimpleUploadedFile("chain.xlsx", data)})


def _audit(obj) -> list[str]:
    return list(AuditEntry.objects.filter(object_type=ContentType.objects.get_for_model(obj),
                                          object_id=str(obj.pk)).values_list("action", flat=True))


def test_elements_split_on_the_seeds_separator_but_not_inside_brackets():
    assert split_elements("课程体系建设、课程标准制定（课程目标、课程内容等）、教材开发与建设") == [
        "课程体系建设", "课程标准制定（课程目标、课程内容等）", "教材开发与建设"]
    assert split_elements("自主学习能力和职业规划能力；语言表达能力,\n决策执行能力") == [
        "自主学习能力和职业规划能力", "语言表达能力", "决策执行能力"]


def test_quality_office_creates_edits_and_retires_the_chain_in_the_browser(college, login):
    quality = login(college.users["quality"])
    assert quality.get(reverse("standards:standardset_add")).status_code == 200
    assert quality.post(reverse("standards:standardset_add"),
                        {"level": "major", "name": "专业建设标准体系"}).status_code == 302
    standard_set = StandardSet.objects.get(institution=college.institution, level="major")
    response = quality.post(reverse("standards:dimension_add"),
                            {"standard_set": standard_set.pk, "name": "专业开发标准", "order": 1})
    assert response.status_code == 302, response.content.decode()
    dimension = Dimension.objects.get(standard_set=standard_set)
    assert quality.post(reverse("standards:standard_add"), {"dimension": dimension.pk, "name": "专业建设调研",
                                                            "content": "", "order": 1}).status_code == 302
    standard = Standard.objects.get(dimension=dimension)
    edit = {"dimension": dimension.pk, "name": "专业建设调研", "content": "每年一次行业调研", "order": 1}
    assert quality.post(reverse("standards:standard_edit", args=[standard.pk]), edit).status_code == 302
    standard.refresh_from_db()
    assert standard.content == "每年一次行业调研"
    # A QC point refers to the standard: it is retired, never deleted, and leaves the chain page.
    QCPoint.objects.create(institution=college.institution, code="M1", name="调研报告", level="major",
                           formula="专任教师数", standard_item=standard)
    detail = quality.get(reverse("standards:standard_detail", args=[standard.pk])).content.decode()
    assert "调研报告" in detail
    assert "<li>专业建设调研" in quality.get(reverse("standards:chain") + "?level=major").content.decode()
    assert quality.post(reverse("standards:standard_retire", args=[standard.pk]), {"active": "0"}).status_code == 302
    standard.refresh_from_db()
    assert not standard.active and QCPoint.objects.get(code="M1").standard_item == standard
    assert "<li>专业建设调研" not in quality.get(reverse("standards:chain") + "?level=major").content.decode()
    assert sorted(_audit(standard)) == ["create", "retire", "update"]
    # A duplicate name is refused in Chinese.
    again = quality.post(reverse("standards:dimension_add"), {"standard_set": standard_set.pk,
                                                              "name": "专业开发标准", "order": 2})
    assert "该标准体系已有同名维度" in again.content.decode()


def test_the_lists_search_page_and_hide_retired_rows(college, login):
    standard_set = StandardSet.objects.create(institution=college.institution, level="student", name="学生标准")
    dimension = Dimension.objects.create(institution=college.institution, standard_set=standard_set, name="身心健康")
    Standard.objects.bulk_create([Standard(institution=college.institution, dimension=dimension, name=f"要素{i:02}",
                                           order=i) for i in range(30)])
    Standard.objects.filter(name="要素00").update(active=False)
    client = login(college.users["teacher"])
    url = reverse("standards:standard_list")
    first = client.get(url).content.decode()
    assert "要素01" in first and "要素29" not in first and "要素00" not in first  # 25 a page, retired hidden
    assert "要素29" in client.get(url + "?page=2").content.decode()
    found = client.get(url + "?q=要素17").content.decode()
    assert "要素17" in found and "要素18" not in found
    assert "要素00" in client.get(url + "?inactive=on&q=要素00").content.decode()


def test_only_the_quality_office_changes_the_chain_and_another_college_gets_404(college, other, login):
    standard_set = StandardSet.objects.create(institution=college.institution, level="course", name="课程标准")
    teacher = login(college.users["teacher"])
    assert teacher.get(reverse("standards:standardset_detail", args=[standard_set.pk])).status_code == 200
    assert teacher.get(reverse("standards:standardset_add")).status_code == 403
    assert teacher.post(reverse("standards:standardset_edit", args=[standard_set.pk]),
                        {"level": "course", "name": "改"}).status_code == 403
    assert teacher.post(reverse("standards:standardset_retire", args=[standard_set.pk]),
                        {"active": "0"}).status_code == 403
    assert _upload(teacher, _sheet(SEED_ROWS)).status_code == 403
    outsider = login(other.users["quality"])
    assert outsider.get(reverse("standards:standardset_detail", args=[standard_set.pk])).status_code == 404
    assert outsider.post(reverse("standards:standardset_retire", args=[standard_set.pk]),
                         {"active": "0"}).status_code == 404
    standard_set.refresh_from_db()
    assert standard_set.active and standard_set.name == "课程标准"
    assert not Dimension.objects.exists()


def test_the_seed_tables_import_and_export_then_import_changes_nothing(college, login):
    quality = login(college.users["quality"])
    template = quality.get(reverse("standards:dimension_template"))
    assert read_rows(template.content, "t.xlsx")[0][:3] == ["层面", "类型", "主要标准要素"]
    response = _upload(quality, _sheet(SEED_ROWS))
    assert response.status_code == 200, response.content.decode()
    assert response.context["result"].created == 5
    course = Dimension.objects.get(institution=college.institution, name="课程开发标准")
    assert course.standard_set.level == "course"
    assert [s.name for s in course.standards.order_by("order")] == [
        "课程体系建设", "课程建设调研", "课程标准制定（课程目标、课程内容、教学组织、课程考核等）", "教材开发与建设"]
    assert Standard.objects.filter(institution=college.institution).count() == 6 + 6 + 4 + 9 + 7
    before = list(Standard.objects.order_by("pk").values()), list(Dimension.objects.order_by("pk").values())
    audit_count = AuditEntry.objects.count()
    exported = quality.get(reverse("standards:dimension_export"))
    assert exported.status_code == 200
    again = _upload(quality, exported.content)
    assert again.status_code == 200
    assert again.context["result"].unchanged == 5 and again.context["result"].updated == 0
    assert (list(Standard.objects.order_by("pk").values()), list(Dimension.objects.order_by("pk").values())) == before
    assert AuditEntry.objects.count() == audit_count + 1  # the export's own entry


def test_an_element_left_out_is_retired_and_listed_again_is_restored(college, login):
    quality = login(college.users["quality"])
    _upload(quality, _sheet(SEED_ROWS[3:4]))
    shorter = [["学生", "思想政治素质标准", "政治表现、思想水平"]]
    assert _upload(quality, _sheet(shorter)).context["result"].updated == 1
    names = dict(Standard.objects.filter(dimension__name="思想政治素质标准").values_list("name", "active"))
    assert names["政治表现"] and not names["审美情趣"] and len(names) == 9
    _upload(quality, _sheet(SEED_ROWS[3:4]))
    assert Standard.objects.filter(dimension__name="思想政治素质标准", active=True).count() == 9


def test_a_bad_file_lists_every_bad_row_in_chinese_and_imports_nothing(college, login):
    quality = login(college.users["quality"])
    rows = [SEED_ROWS[0], ["宇宙", "专业开发标准", "调研"], ["专业", "", "调研"],
            ["专业", "专业规格标准", "调研、调研"], ["专业", "专业开发标准", "重复的类型"]]
    response = _upload(quality, _sheet(rows))
    assert response.status_code == 400
    errors = {e.row: "；".join(e.messages) for e in response.context["result"].errors}
    assert sorted(errors) == [3, 4, 5, 6]
    assert "不是有效选项" in errors[3] and "“类型”不能为空" in errors[4]
    assert "标准要素重复：调研" in errors[5] and "与第2行重复" in errors[6]
    assert not Dimension.objects.exists() and not Standard.objects.exists()


@pytest.mark.parametrize("missing", ["层面", "类型"])
def test_a_file_without_a_required_column_is_refused(college, login, missing):
    headers = [h for h in ["层面", "类型", "主要标准要素"] if h != missing]
    response = _upload(login(college.users["quality"]), _sheet([["专业", "调研"]], headers))
    assert response.status_code == 400 and "缺少必填列" in response.content.decode()


def test_the_importer_names_its_columns_in_chinese():
    assert [c.header for c in ChainImporter.columns] == ["层面", "类型", "主要标准要素", "有效"]
