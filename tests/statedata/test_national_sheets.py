"""The national workbook's remaining sheets (A2, A3's stacked blocks, A4-1/A4-2, A8-8, A10-1, A11-2/A11-3), the
logic checks L4, L5, L15 and 就业数 > 毕业生数 on the import's result page, a bad cell refusing the whole workbook,
the workbook import as a background job with one grouping record, and job progress that ends at the real rows."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tests.statedata.conftest import Y, sheet, upload, xlsx
from tests.statedata.test_workbook import national
from zhengai.core.choices import JobStatus
from zhengai.core.models import Job
from zhengai.statedata import importers
from zhengai.statedata import models as sd
from zhengai.statedata.choices import BaseKind, ImportStatus
from zhengai.statedata.workbook import data_rows, import_workbook

pytestmark = pytest.mark.django_db


def stacked(name: str, blocks: list[tuple[str, list, list, list, list[list]]]) -> list[list]:
    """A sheet of stacked sub-tables as A3 is laid out: the sheet's title, then per block its title line, two
    header rows, the field-code row and its data."""
    rows: list[list] = [[name]]
    for title, upper, lower, codes, data in blocks:
        if len(rows) > 1:
            rows.append([title])
        rows += [upper, lower, codes, *data]
    return rows


def a3(building="1000", owned="800", non_owned="200", classroom="300", teaching="900", computers=100,
       teaching_computers=80, digital="500", ebooks="200", books="30") -> list[list]:
    return stacked("A3 基本办学条件表", [
        ("（一）校舍", ["占地面积", "总建筑面积", "学校产权校舍建筑面积", "", "非学校产权校舍建筑面积",
                      "教学科研及辅助用房", "", "生活用房", ""],
         ["", "", "合计", "当年新增", "", "合计", "教室", "合计", "学生食堂"],
         ["LAND_AREA", "BUILDING_AREA", "OWNED_AREA", "OWNED_AREA_NEW", "NON_OWNED_AREA", "TEACHING_AREA",
          "CLASSROOM_AREA", "LIVING_AREA", "CANTEEN_AREA"],
         [["5000", building, owned, "50", non_owned, teaching, classroom, "300", "100"]]),
        ("（二）图书", ["纸质图书总册数", "本学年新增纸质图书"], ["", ""], ["BOOKS", "BOOKS_NEW"], [[books, "2"]]),
        ("（三）计算机、教室", ["计算机", "", "教室", ""], ["合计", "教学用", "合计", "网络多媒体"],
         ["COMPUTERS", "TEACHING_COMPUTERS", "CLASSROOMS", "MULTIMEDIA_CLASSROOMS"],
         [[computers, teaching_computers, 60, 50]]),
        # Codes the platform does not know: the columns are found by their headings.
        ("（四）信息化", ["数字资源量合计", "其中：电子图书", "出口总带宽"], ["", "", ""],
         ["SZZYL_HJ", "DZTS", "CKZDK"], [[digital, ebooks, 1000]]),
        ("（五）管理信息系统", ["类型", "系统名称", "来源", "开发单位"], ["", "", "", ""],
         ["XTLX", "XTMC", "LY", "KFDW"],
         [["教务", "教务管理系统", "购买", "某公司"], ["学工", "学工系统", "自建", ""]]),
    ])


SHEETS = {
    "A2 院校领导表": (["工号", "姓名", "职务", "听课", "走访学生寝室", "走访校外实习点", "参与学生社团文体活动",
                  "兼课量"], [""] * 8, ["TEACHER", "TEACHER__NAME", "POST", "LESSONS_OBSERVED", "DORM_VISITS",
                            "PLACEMENT_VISITS", "STUDENT_ACTIVITIES", "TEACHING_HOURS"],
                 [["T001", "张老师", "副校长", 12, 4, 3, 5, 32]]),
    "A4-1 校内实践基地表": (["基地名称", "专业代码", "是否校企共建", "建筑面积", "工位数", "使用频率", ""],
                      ["", "", "", "", "", "校内", "社会"], [],
                      [["电子实训中心", "510201", "是", 1200, 80, 5000, 300],
                       ["电子实训中心", "460104", "否", 1200, 40, "", ""]]),
    "A4-2 校外实习实训基地表": (["基地名称", "专业代码", "依托单位", "接受半年顶岗实习学生数", "接收应届毕业生就业数"],
                         [""] * 5, ["NAME", "MAJOR", "PARTNER", "HALF_YEAR_INTERNS", "HIRED"],
                         [["华为实习基地", "510201", "华为技术有限公司", 20, 8]]),
    "A8-8 奖助学情况表": (["项目名称", "种类", "奖助范围", "人数", "金额"], [""] * 5, [],
                    [["国家奖学金", "奖学金", "全校", 5, "4.00"], ["国家助学金", "助学金", "全校", 300, "99.00"]]),
    "A10-1 在校生信息表": (["学号", "姓名", "生源类型", "招生方式", "常住户口在农村", "是否毕业", "入学年月"], [""] * 7,
                      ["STUDENT", "STUDENT__NAME", "ORIGIN_TYPE", "ADMISSION_MODE", "RURAL", "GRADUATED",
                       "ENTRY_MONTH"],
                      [["S001", "王同学", "普通高中起点", "对口招生", "是", "否", "202309"],
                       ["S002", "赵同学", "中职起点", "", "否", "否", "202309"]]),
    "A11-2 在校学生的地区、户籍及民族等情况": (["在校生总数", "外省", "少数民族"], ["", "", ""], [], [[200, 30, 12]]),
    "A11-3 复转军人及退役士兵情况": (["招生数", "", "", "在校生数", "", ""],
                           ["合计", "复转军人", "退役士兵", "合计", "复转军人", "退役士兵"], [],
                           [[10, 4, 6, 25, 10, 15]]),
}


def book(extra: dict | None = None, a3_rows: list[list] | None = None, year: str = "2024-2025",
         sheets: dict | None = None) -> bytes:
    """The national workbook with the new sheets, A3 stacked in its blocks (added as a raw sheet)."""
    data = national({**(SHEETS if sheets is None else sheets), **(extra or {})}, year)
    if a3_rows is None:
        return data
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    ws = workbook.create_sheet("A3 基本办学条件表", 1)
    for row in a3_rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(college, data: bytes, **kwargs):
    return import_workbook(data=data, filename="10001_2016_V2.16.xlsx", institution=college.institution,
                           actor=college.users["steward"], **kwargs)


def test_new_sheets_rows_per_table(college):
    result = run(college, book(a3_rows=a3()))
    assert result.ok, [str(e) for e in result.errors]
    inst = college.institution
    counts = {m: m.objects.filter(institution=inst).count()
              for m in (sd.SchoolLeader, sd.PracticeBase, sd.StudentAid, sd.StudentYear, sd.StudentProfile,
                        sd.InstitutionYear)}
    assert counts == {sd.SchoolLeader: 1, sd.PracticeBase: 3, sd.StudentAid: 2, sd.StudentYear: 2,
                      sd.StudentProfile: 1, sd.InstitutionYear: 1}
    leader = sd.SchoolLeader.objects.get(institution=inst)
    assert (leader.teacher.code, leader.post, leader.lessons_observed, leader.teaching_hours) == (
        "T001", "副校长", 12, 32)
    internal = sd.PracticeBase.objects.get(institution=inst, kind=BaseKind.INTERNAL, major__code="510201")
    assert (internal.name, internal.co_built, internal.stations, internal.usage_social) == (
        "电子实训中心", True, 80, 300)
    external = sd.PracticeBase.objects.get(institution=inst, kind=BaseKind.EXTERNAL)
    assert (external.partner, external.half_year_interns, external.hired) == ("华为技术有限公司", 20, 8)
    assert sorted(sd.StudentAid.objects.filter(institution=inst).values_list("name", "recipients")) == [
        ("国家助学金", 300), ("国家奖学金", 5)]
    student = sd.StudentYear.objects.get(institution=inst, student__code="S001")
    assert (student.origin_type, student.admission_mode, student.rural, student.graduated) == (
        "high_school", "counterpart", True, False)
    profile = sd.StudentProfile.objects.get(institution=inst)
    assert (profile.students, profile.minority, profile.veterans_admitted_retired, profile.veterans_students) == (
        200, 12, 6, 25)
    # A3's stacked blocks merged into the institution's one row; block 4 by heading, block 5 named, not read.
    basics = sd.InstitutionYear.objects.get(institution=inst)
    assert (basics.land_area, basics.owned_area, basics.books, basics.teaching_computers, basics.ebooks) == (
        5000, 800, 30, 80, 200)
    [a3_sheet] = [s for s in result.sheets if s.code == "A3"]
    assert a3_sheet.line.startswith("A3 基本办学条件表 → 院校基本情况：共1行，新增1行")
    assert any("第5块" in n and "系统名称" in n for n in a3_sheet.notices)
    # One grouping record: its sheets' import records and totals.
    record = result.record
    assert record.status == ImportStatus.OK and record.period == "2024-2025"
    assert record.records.count() == 8      # A2, A3, A4-1, A4-2, A8-8, A10-1, A11-2, A11-3
    assert record.rows == 1 + 1 + 2 + 1 + 2 + 2 + 1 + 1 and record.created == 10 and record.updated == 1


def test_the_new_tables_have_list_template_and_export_pages(college, login):
    run(college, book(a3_rows=a3()))
    client = login(college.users["steward"])
    for model in (sd.SchoolLeader, sd.PracticeBase, sd.StudentAid, sd.StudentYear, sd.StudentProfile):
        name = model._meta.model_name
        for page in ("list", "import", "template", "export"):
            assert client.get(reverse(f"statedata:{name}_{page}")).status_code == 200, (name, page)
    assert "电子实训中心" in client.get(reverse("statedata:practicebase_list")).content.decode()
    # A student's row is personal: the student sees their own (S001), not a classmate's (S002); the authority's
    # expert sees none.
    own = login(college.users["student"]).get(reverse("statedata:studentyear_list")).content.decode()
    assert "S001" in own and "S002" not in own
    expert = login(college.users["expert"]).get(reverse("statedata:studentyear_list"))
    assert expert.status_code in (403, 404) or "S001" not in expert.content.decode()


def test_an_exported_table_imports_back_unchanged(college):
    run(college, book(a3_rows=a3()))
    importer = importers.importer_for(sd.PracticeBase)(college.institution, college.users["steward"])
    rows = [[c.header for c in importer.columns],
            *importer.export_rows(sd.PracticeBase.objects.filter(institution=college.institution))]
    result = importer.run_rows([[str(v) for v in r] for r in rows])
    assert result.ok and result.total == 3 and result.unchanged == 3, (result.errors, result.file_error)


def test_logic_checks_fire_on_a_crafted_workbook_and_show_on_the_result_page(college, login):
    client = login(college.users["steward"])
    url = reverse("statedata:workbook_import")
    # The year before: more books, and S002 left school.
    before = book(sheets={"A10-2-1 辍学学生明细表": (["学号", "辍学原因", "辍学年月"], ["", "", ""],
                                               ["STUDENT", "REASON", "MONTH"], [["S002", "转学", "202403"]])},
                  a3_rows=a3(books="30"), year="2023-2024")
    assert client.post(url, {"file": SimpleUploadedFile("w.xlsx", before)}).status_code == 200
    employment = {"A7-6-2 应届毕业生就业情况表": (["专业代码", "毕业生数", "就业数"], ["", "", ""],
                                          ["MAJOR", "GRADUATES", "EMPLOYED"], [["510201", 78, 98]])}
    data = book(employment, a3_rows=a3(building="1000", owned="800", non_owned="100", classroom="950",
                                        teaching="900", computers=100, teaching_computers=120, digital="100",
                                        ebooks="200", books="25"))
    response = client.post(url, {"file": SimpleUploadedFile("w.xlsx", data)})
    assert response.status_code == 200
    page = response.content.decode()
    for phrase in ("就业数98大于毕业生数78",                                     # A7-6-2
                   "总建筑面积1000.00平方米不等于学校产权与非学校产权校舍之和900.00平方米",  # L4
                   "教室、图书馆等其中各项之和950.00平方米大于教学科研及辅助用房900.00平方米",
                   "教学用计算机120台大于计算机合计100台", "电子图书200.00GB大于数字资源量合计100.00GB",  # L5
                   "纸质图书总册数25.00万册比上一学年（30.00万册）减少",                     # L15
                   "该生在上一学年的辍学学生明细表中，本学年仍登记为在校生"):
        assert phrase in page, phrase
    record = sd.WorkbookImport.objects.filter(institution=college.institution).first()
    assert any("就业数98大于毕业生数78" in item for f in record.findings for item in f["items"])
    # The same findings on the grouping record's own page, later.
    later = client.get(reverse("statedata:workbook_detail", args=[record.pk])).content.decode()
    assert "就业数98大于毕业生数78" in later


def test_one_bad_cell_refuses_the_whole_workbook_with_sheet_row_and_column(college, login):
    bad = dict(SHEETS)
    bad["A8-8 奖助学情况表"] = (["项目名称", "种类", "奖助范围", "人数", "金额"], [""] * 5, [],
                          [["国家奖学金", "奖学金", "全校", 5, "四万元"]])
    client = login(college.users["steward"])
    response = client.post(reverse("statedata:workbook_import"),
                           {"file": SimpleUploadedFile("w.xlsx", book(sheets=bad, a3_rows=a3()))})
    assert response.status_code == 400
    page = response.content.decode()
    assert "整个工作簿未导入" in page
    assert "<td>A8-8 奖助学情况表</td><td>第5行</td><td>E列</td><td>“金额”“四万元”不是数字</td>" in page
    for model in (sd.SchoolLeader, sd.PracticeBase, sd.StudentAid, sd.StudentYear, sd.InstitutionYear):
        assert not model.objects.filter(institution=college.institution).exists(), model
    record = sd.WorkbookImport.objects.get(institution=college.institution)
    assert record.status == ImportStatus.REFUSED and record.records.count() == 0
    assert ["A8-8 奖助学情况表", 5, "E", "“金额”“四万元”不是数字"] in record.errors


def test_a_bad_cell_in_a_stacked_block_is_placed_on_its_own_row(college):
    result = run(college, book(sheets={}, a3_rows=a3(computers="一百")))
    assert not result.ok
    # Title row 1; block 1: headers 2–3, codes 4, data 5; title 6, block 2: 7–9, data 10; title 11, block 3
    # headers 12–13, codes 14, data 15.
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("A3 基本办学条件表", 15, "A")]


def test_a_large_workbook_imports_as_a_job_with_progress_and_a_result_page(college, login, settings,
                                                                          django_capture_on_commit_callbacks):
    settings.ZHENGAI_IMPORT_INLINE_ROWS = 0
    client = login(college.users["steward"])
    data = book(a3_rows=a3())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("statedata:workbook_import"), {"file": SimpleUploadedFile("w.xlsx", data)})
    job = Job.objects.get(kind="statedata_workbook")
    assert response.status_code == 302 and response["Location"] == reverse("core:job_detail", args=[job.pk])
    record = sd.WorkbookImport.objects.get(institution=college.institution)
    assert job.status == JobStatus.DONE and job.result["workbook"] == record.pk
    assert job.done == job.total == record.rows == 11
    page = client.get(response["Location"]).content.decode()
    assert "已完成" in page and "11 / 11" in page and record.summary in page
    detail = reverse("statedata:workbook_detail", args=[record.pk])
    assert detail in page
    assert detail in client.get(reverse("statedata:history")).content.decode()   # listed in the history
    result_page = client.get(detail).content.decode()
    assert "A8-8 奖助学情况表 → 奖助学：共2行，新增2行" in result_page
    sheet_record = record.records.get(table="studentaid")
    assert detail in client.get(reverse("statedata:history_detail", args=[sheet_record.pk])).content.decode()
    for who in ("teacher", "head", "student"):
        assert login(college.users[who]).get(detail).status_code in (403, 404), who


def test_workbook_progress_counts_rows_while_it_runs_and_ends_at_the_total(college):
    calls: list[tuple[int, int, str]] = []
    data = book(a3_rows=a3())
    result = run(college, data, progress=lambda done, total, message="": calls.append((done, total, message)))
    assert result.ok
    from zhengai.core.spreadsheets import read_workbook

    total = data_rows(read_workbook(data, "w.xlsx")[0])
    assert calls and all(t == total and 0 <= d <= t for d, t, _ in calls)
    assert any(0 < d < total for d, _, _ in calls)                 # rows done while it runs
    for step in ("检查数据", "写入数据"):                            # each step counts up through the rows
        done = [d for d, _, m in calls if step in m]
        assert done and done == sorted(done), step
    checked = [d for d, _, m in calls if "检查数据" in m]
    assert checked[-1] == total
    assert calls[-1][:2] == (total, total)


def test_table_import_progress_ends_at_the_rows_written(college):
    calls: list[tuple[int, int]] = []
    rows = sheet(sd.Employment, [{"学年": Y, "专业代码": code, "毕业生数": 40, "就业数": 30}
                                 for code in ("510201", "460104")])
    importer = importers.importer_for(sd.Employment)(college.institution, college.users["steward"])
    result = importer.run_rows([[str(v) for v in r] for r in rows], lambda d, t, m="": calls.append((d, t)))
    assert result.ok and calls[-1] == (2, 2)      # not (0, 2): "写入数据" started and then said nothing


def test_a_background_table_import_ends_at_its_real_rows_and_shows_findings(college, login, settings,
                                                                           django_capture_on_commit_callbacks):
    settings.ZHENGAI_IMPORT_INLINE_ROWS = 1
    client = login(college.users["steward"])
    rows = [{"学年": Y, "专业代码": "510201", "毕业生数": 78, "就业数": 98},
            {"学年": Y, "专业代码": "460104", "毕业生数": 40, "就业数": 30}]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, sd.Employment, rows)
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == JobStatus.DONE
    assert (job.done, job.total) == (2, 2)
    page = client.get(response["Location"]).content.decode()
    assert "2 / 2" in page and "就业数98大于毕业生数78" in page


def test_a_single_table_import_shows_its_logic_findings(college, login):
    client = login(college.users["steward"])
    response = upload(client, sd.Employment, [{"学年": Y, "专业代码": "510201", "毕业生数": 78, "就业数": 98}])
    assert response.status_code == 200
    page = response.content.decode()
    assert "逻辑校验" in page and "就业数98大于毕业生数78" in page
    good = upload(client, sd.Employment, [{"学年": Y, "专业代码": "510201", "毕业生数": 98, "就业数": 98}])
    assert "相关逻辑校验全部通过" in good.content.decode()


def test_command_prints_each_new_sheet(college, tmp_path, capsys):
    path = tmp_path / "w.xlsx"
    path.write_bytes(book(a3_rows=a3()))
    call_command("statedata", "import", str(path), "--institution", college.institution.code)
    out = capsys.readouterr().out
    for line in ("A2 院校领导表 → 院校领导：共1行，新增1行", "A3 基本办学条件表 → 院校基本情况：共1行，新增1行",
                 "A4-1 校内实践基地表 → 实践基地：共2行，新增2行", "A8-8 奖助学情况表 → 奖助学：共2行，新增2行",
                 "A10-1 在校生信息表 → 在校生：共2行，新增2行",
                 "A11-3 复转军人及退役士兵情况 → 在校生构成：共1行，新增0行，更新1行"):
        assert line in out, line
    employment = {"A7-6-2 应届毕业生就业情况表": (["专业代码", "毕业生数", "就业数"], ["", "", ""],
                                          ["MAJOR", "GRADUATES", "EMPLOYED"], [["510201", 78, 98]])}
    path.write_bytes(book(employment, sheets={}))
    call_command("statedata", "import", str(path), "--institution", college.institution.code)
    out = capsys.readouterr().out
    assert "逻辑校验未通过：对口就业数 ≤ 就业数 ≤ 毕业生数（A7-6-2）" in out and "就业数98大于毕业生数78" in out


def test_plain_table_file_of_a_new_table(college, login):
    data = xlsx([["学年", "项目名称", "人数", "金额"], [Y, "国家奖学金", 5, "4"], [Y, "", 1, "1"]])
    response = upload(login(college.users["steward"]), sd.StudentAid, data=data)
    assert response.status_code == 400 and "“项目名称”不能为空" in response.content.decode()


def test_a_frozen_version_keys_rows_by_name_where_the_table_has_no_entity(college):
    from zhengai.core.models import Period
    from zhengai.statedata import versions

    assert run(college, book(a3_rows=a3())).ok
    period = Period.objects.get(code=Y)
    version = versions.period_freeze(actor=college.users["steward"], institution=college.institution, period=period)
    aid = xlsx(sheet(sd.StudentAid, [{"学年": Y, "项目名称": "国家奖学金", "人数": 6, "金额": "4.80"}], full=False))
    importer = importers.importer_for(sd.StudentAid)(college.institution, college.users["steward"])
    assert importer.run_file(aid, "奖助学.xlsx").ok
    [table] = [t for t in versions.diff(version) if t["table"] == "studentaid"]
    [changed] = table["changed"]
    assert changed["key"] == "国家奖学金" and not table["added"] and not table["removed"]
    bases = versions.current_data(college.institution, period)["practicebase"]
    assert set(bases) == {"510201|internal|电子实训中心", "460104|internal|电子实训中心",
                          "510201|external|华为实习基地"}


def test_a_refused_workbook_job_links_to_its_bad_cells(college, login, settings, django_capture_on_commit_callbacks):
    settings.ZHENGAI_IMPORT_INLINE_ROWS = 0
    client = login(college.users["steward"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("statedata:workbook_import"),
                               {"file": SimpleUploadedFile("w.xlsx", book(sheets={}, a3_rows=a3(computers="一百")))})
    job = Job.objects.get(kind="statedata_workbook")
    record = sd.WorkbookImport.objects.get(institution=college.institution)
    assert job.status == JobStatus.DONE and job.result["ok"] is False and record.status == ImportStatus.REFUSED
    page = client.get(response["Location"]).content.decode()
    assert "整个工作簿未导入" in page and reverse("statedata:workbook_detail", args=[record.pk]) in page
    detail = client.get(reverse("statedata:workbook_detail", args=[record.pk])).content.decode()
    assert "<td>A3 基本办学条件表</td><td>第15行</td><td>A列</td>" in detail
    assert not sd.InstitutionYear.objects.filter(institution=college.institution).exists()
