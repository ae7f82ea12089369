"""Loading tables: idempotent, validated, counted in SQL; the real built-in tables match their JSON."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from zhengai.core.models import AuditEntry
from zhengai.frameworks.models import Framework, Point, Task
from zhengai.frameworks.selectors import builtin_framework, framework_data, framework_stats
from zhengai.frameworks.services import framework_load, load_builtin, read_builtin

from .conftest import REAL, counts_of

# Keys of the JSON the database keeps (the extraction's provenance keys, like source_line, stay in the file).
KEPT = {"project": {"number", "name", "alt_names"}, "element": {"number", "name", "alt_names"},
        "point": {"number", "name", "requirement", "indicators", "state_tables", "applicability"},
        "task": {"number", "content", "lead", "departments"}}


def kept_tree(data):
    return [{**{k: p.get(k, []) for k in KEPT["project"]}, "elements": [
        {**{k: e[k] for k in KEPT["element"]}, "points": [
            {**{k: pt[k] for k in KEPT["point"]},
             "tasks": [{k: t[k] for k in KEPT["task"]} for t in pt["tasks"]]}
            for pt in e["points"]]}
        for e in p["elements"]]} for p in data["projects"]]


def test_loading_the_same_data_twice_changes_nothing(mini, mini_data):
    ids = sorted(Point.objects.values_list("pk", flat=True))
    audits = AuditEntry.objects.count()
    again = framework_load(data=mini_data)
    assert again.pk == mini.pk
    assert again.load_outcome == "unchanged"
    assert sorted(Point.objects.values_list("pk", flat=True)) == ids
    assert AuditEntry.objects.count() == audits
    assert Framework.objects.count() == 1


def test_reloading_changed_data_updates_rows_in_place(mini, mini_data):
    kept = Point.objects.get(number="2.1.1").pk
    element = mini_data["projects"][0]["elements"][0]
    element["points"][0]["requirement"] = "新的质量要求"
    element["points"][0]["tasks"].pop()                       # one task fewer
    mini_data["projects"][1]["elements"][0]["points"].pop()   # one point fewer
    again = framework_load(data=mini_data)
    assert again.load_outcome == "updated"
    assert Point.objects.get(number="1.1.1").requirement == "新的质量要求"
    assert Point.objects.get(number="2.1.1").pk == kept      # untouched rows keep their ids
    stats = framework_stats(again)
    assert (stats["points"], stats["tasks"]) == (5, 4)
    assert AuditEntry.objects.filter(object_id=str(mini.pk), action="import").exists()


def test_a_new_version_is_a_second_table(mini, mini_data):
    mini_data["version"] = "2"
    second = framework_load(data=mini_data)
    assert second.pk != mini.pk
    assert Framework.objects.filter(code="mini", institution__isnull=True).count() == 2
    assert builtin_framework("mini").pk == second.pk


def test_bad_data_is_refused_with_every_problem_and_writes_nothing(db, mini_data):
    element = mini_data["projects"][0]["elements"][0]
    element["points"][0]["applicability"] = "***"
    element["points"][1]["number"] = "2.1.9"
    mini_data["projects"][1]["elements"][0]["points"][0]["name"] = ""
    with pytest.raises(ValidationError) as exc:
        framework_load(data=mini_data)
    text = "；".join(exc.value.messages)
    assert "诊断点1.1.1：适用标记“***”无效" in text
    assert "诊断点编号“2.1.9”与所属诊断要素编号“1.1”不一致" in text
    assert "诊断点2.1.1：编号和名称都不能为空" in text
    assert not Framework.objects.exists() and not Task.objects.exists()


def test_stats_are_counted_by_the_database(mini, django_assert_num_queries):
    with django_assert_num_queries(1):
        stats = framework_stats(mini)
    assert stats == {"projects": 2, "elements": 3, "points": 6, "tasks": 5,
                     "declared": {"projects": 2, "elements": 3, "points": 5, "tasks": 5}}


def test_framework_data_gives_back_what_was_loaded(mini, mini_data):
    data = framework_data(mini)
    assert kept_tree(data) == kept_tree(mini_data)
    assert data["report_template"] == mini_data["report_template"]
    assert data["element_sheet_columns"] == mini_data["element_sheet_columns"]
    assert data["notes"] == mini_data["notes"]


@pytest.mark.skipif(not REAL, reason="the built-in JSON files are not there yet")
@pytest.mark.parametrize("name", REAL)
def test_builtin_tables_match_their_json(db, name):
    data = read_builtin(name)
    load_builtin()
    framework = builtin_framework(data["code"])
    stats = framework_stats(framework)
    assert {k: stats[k] for k in ("projects", "elements", "points", "tasks")} == counts_of(data)
    assert stats["declared"] == data["declared"]
    # The declared counts are the ones the table quotes in its own words.
    for value in data["declared"].values():
        assert str(value) in data["declared_text"]
    assert kept_tree(framework_data(framework)) == kept_tree(data)
    assert framework.text_label == data["text_label"]
    assert framework.extra["report_template"] == data["report_template"]


@pytest.mark.skipif(not REAL, reason="the built-in JSON files are not there yet")
def test_load_builtin_twice_changes_nothing(db):
    first = load_builtin()
    assert {f.load_outcome for f in first} == {"created"}
    audits = AuditEntry.objects.count()
    second = load_builtin()
    assert [f.pk for f in second] == [f.pk for f in first]
    assert {f.load_outcome for f in second} == {"unchanged"}
    assert AuditEntry.objects.count() == audits


@pytest.mark.skipif(not REAL, reason="the built-in JSON files are not there yet")
@pytest.mark.parametrize("name", REAL)
def test_stats_command_prints_the_counts_as_json(db, name):
    data = read_builtin(name)
    call_command("frameworks", "load-builtin", stdout=io.StringIO())
    out = io.StringIO()
    call_command("frameworks", "stats", data["code"], "--json", stdout=out)
    assert json.loads(out.getvalue()) == {**counts_of(data), "declared": data["declared"]}
    assert list(json.loads(out.getvalue())) == ["projects", "elements", "points", "tasks", "declared"]


def test_stats_command_says_when_declared_and_found_differ(mini):
    out = io.StringIO()
    call_command("frameworks", "stats", "mini", stdout=out)
    assert "表中声明5个诊断点，实际有6个" in out.getvalue()


def test_stats_command_for_an_unknown_code_fails(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("frameworks", "stats", "nope", stdout=io.StringIO())


def test_command_exports_and_imports_a_table(mini, college, tmp_path):
    path = tmp_path / "mini.xlsx"
    call_command("frameworks", "export", "mini", "-o", str(path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("frameworks", "import", str(path), "--institution", college.institution.code, stdout=out)
    assert "已新建" in out.getvalue() and "表中声明5个诊断点，实际导入6个" in out.getvalue()
    copy = Framework.objects.get(institution=college.institution)
    assert framework_data(copy) == framework_data(mini)
    out = io.StringIO()
    call_command("frameworks", "list", stdout=out)
    assert f"{college.institution.code}\tmini\t1" in out.getvalue() and "内置\tmini\t1" in out.getvalue()
