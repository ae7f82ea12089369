"""The pages: what each person sees, the empty states, import and export over the web."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from zhengai.frameworks.importers import FrameworkImporter
from zhengai.frameworks.models import Framework, Point
from zhengai.frameworks.services import framework_adopt, framework_load

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(data: bytes, name: str = "table.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=XLSX)


def test_pages_need_a_login(mini, client):
    for url in ("/frameworks/", f"/frameworks/{mini.pk}/", "/frameworks/import/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_list_tells_a_teacher_whom_to_ask(mini, college, login):
    page = login(college.users["teacher"]).get("/frameworks/").content.decode()
    assert "本校还没有采用诊断项目表：请质管办从下方内置表中选择并采用" in page
    assert mini.name in page and "采用</button>" not in page and "Excel导入" not in page


def test_list_offers_the_quality_office_to_adopt_and_import(mini, college, login):
    page = login(college.users["quality"]).get("/frameworks/").content.decode()
    assert f'action="/frameworks/{mini.pk}/adopt/"' in page and "/frameworks/import/" in page


def test_list_without_builtin_tables_says_how_to_load_them(college, login):
    page = login(college.users["quality"]).get("/frameworks/").content.decode()
    assert "zhengai frameworks load-builtin" in page


def test_list_shows_the_adopted_table(mini, college, login):
    copy = framework_adopt(actor=None, institution=college.institution, framework=mini)
    page = login(college.users["teacher"]).get("/frameworks/").content.decode()
    assert f'href="/frameworks/{copy.pk}/">{copy}</a>' in page and "本校采用中" in page


def test_detail_shows_the_tree_counts_and_the_declared_difference(mini, college, login):
    page = login(college.users["teacher"]).get(f"/frameworks/{mini.pk}/?scope=all").content.decode()
    assert "表中声明 5 个" in page
    assert "注意：表中声明5个诊断点，实际有6个" in page
    assert "1 体系总体构架" in page and "1.1 质量保证理念" in page
    assert "目标一致性、达成度高。" in page and "1.3/7" in page and "(1) 培训人次" in page
    assert "修订发展规划" in page and "科技处（牵头）、各二级学院" in page
    assert "<details" in page
    assert "编辑 / 增加本校诊断点" not in page


def test_point_detail_shows_the_point(mini, college, login):
    point = Point.objects.get(number="1.1.2")
    page = login(college.users["student"]).get(f"/frameworks/points/{point.pk}/").content.decode()
    assert "1.1.2 社会服务" in page and "服务能力强。" in page and "开展社会培训" in page
    assert "新建院校不适用" in page


def test_detail_page_query_count_does_not_grow_with_the_table(mini, mini_data, college, login,
                                                              django_assert_num_queries,
                                                              django_assert_max_num_queries):
    client = login(college.users["teacher"])
    client.get(f"/frameworks/{mini.pk}/")
    with django_assert_max_num_queries(100) as small:
        client.get(f"/frameworks/{mini.pk}/")
    queries = len(small)  # read now: the next request clears the connection's query log
    # The same table with ten times the points and tasks.
    element = mini_data["projects"][1]["elements"][0]
    element["points"] += [{"number": f"2.1.{n}", "name": f"点{n}", "applicability": "",
                           "tasks": [{"content": f"任务{n}-{k}"} for k in range(3)]} for n in range(4, 64)]
    mini_data["code"] = "big"
    big = framework_load(data=mini_data)
    client.get(f"/frameworks/{big.pk}/")
    with django_assert_num_queries(queries):
        assert client.get(f"/frameworks/{big.pk}/").status_code == 200


def test_export_downloads_the_table(mini, college, login):
    response = login(college.users["teacher"]).get(f"/frameworks/{mini.pk}/export/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:2] == ["诊断项目表", "表头信息"]


def test_import_template_is_an_empty_layout(college, login):
    response = login(college.users["quality"]).get("/frameworks/import/template/")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook["诊断项目表"].max_row == 1


def test_quality_office_imports_and_sees_found_and_declared(mini, college, login):
    data = FrameworkImporter(None, None).template(mini)
    response = login(college.users["quality"]).post("/frameworks/import/", {"file": upload(data)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "表中声明5个诊断点，实际导入6个" in page
    assert "<th>诊断点</th><td>6</td><td>5</td>" in page
    assert Framework.objects.filter(institution=college.institution, code="mini").exists()


def test_import_of_a_bad_file_lists_the_rows_and_imports_nothing(mini, college, login):
    workbook = load_workbook(io.BytesIO(FrameworkImporter(None, None).template(mini)))
    workbook["诊断项目表"]["J4"] = "三星"
    out = io.BytesIO()
    workbook.save(out)
    response = login(college.users["quality"]).post("/frameworks/import/", {"file": upload(out.getvalue())})
    assert response.status_code == 400
    page = response.content.decode()
    assert "第4行" in page and "“三星”无效" in page and "未导入" in page
    assert not Framework.objects.filter(institution=college.institution).exists()


@pytest.mark.parametrize("who", ["teacher", "leader", "head", "student"])
def test_only_the_quality_office_may_import(mini, college, login, who):
    client = login(college.users[who])
    assert client.get("/frameworks/import/").status_code == 403
    data = FrameworkImporter(None, None).template(mini)
    assert client.post("/frameworks/import/", {"file": upload(data)}).status_code == 403
    assert not Framework.objects.filter(institution=college.institution).exists()


def test_a_builtin_whose_copy_is_adopted_links_to_the_copy(mini, college, login):
    copy = framework_adopt(actor=None, institution=college.institution, framework=mini)
    page = login(college.users["quality"]).get(f"/frameworks/{mini.pk}/").content.decode()
    assert f'href="/frameworks/{copy.pk}/">本校的副本（采用中）' in page
    assert f'action="/frameworks/{mini.pk}/adopt/"' not in page
    listing = login(college.users["quality"]).get("/frameworks/").content.decode()
    assert f'action="/frameworks/{mini.pk}/adopt/"' not in listing
