"""The lineage of state data: every row an import creates or changes leaves a RowChange (the changed fields
before and after) linked to its import record; unchanged rows leave nothing; the record's page lists them."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.statedata.conftest import Y, upload, xlsx
from tests.statedata.test_imports import MAJORS
from tests.statedata.test_process import attendance, run
from zhengai.core.models import Period
from zhengai.statedata import models as sd


def changes(record) -> list[tuple[str, str, dict, dict]]:
    return [(c.action, c.row_key, c.before, c.after) for c in record.row_changes.order_by("pk")]


def test_a_table_import_records_created_and_changed_rows_and_nothing_for_unchanged(college, steward):
    soft, mech = college.majors["soft"], college.majors["mech"]
    upload(steward, sd.MajorYear, MAJORS)
    first = sd.ImportRecord.objects.get()
    period = Period.objects.get(code=Y).pk
    created = changes(first)
    assert [c[:2] for c in created] == [("created", f"period_id={period},major_id={soft.pk}"),
                                        ("created", f"period_id={period},major_id={mech.pk}")]
    assert created[0][3]["students"] == 120 and created[0][3]["grade1"] == 40 and "grade2" not in created[0][3]
    upload(steward, sd.MajorYear, MAJORS)  # the same file again: nothing changed, nothing recorded
    assert not sd.ImportRecord.objects.first().row_changes.exists()
    upload(steward, sd.MajorYear, data=xlsx([["学年", "专业代码", "在校生数"], [Y, "510201", 125],
                                             [Y, "460104", 80]]))
    third = sd.ImportRecord.objects.first()
    assert changes(third) == [("updated", f"period_id={period},major_id={soft.pk}", {"students": 120},
                               {"students": 125})]
    assert sd.RowChange.objects.count() == 3


def test_a_process_import_records_rows_in_bulk(college):
    importer, result = run(college, sd.Attendance, attendance())
    assert result.ok and importer.record.row_changes.filter(action="created").count() == 3
    assert importer.record.row_changes.first().after["status"] == 1
    importer, result = run(college, sd.Attendance, attendance())
    assert not importer.record.row_changes.exists()
    with CaptureQueriesContext(connection) as queries:
        importer, result = run(college, sd.Attendance, attendance(status="缺勤"))
    assert [(c.action, c.before, c.after) for c in importer.record.row_changes.all()] == \
        [("updated", {"status": 1}, {"status": 4})] * 3
    # One INSERT for the three row changes, never one per row.
    assert sum('INSERT INTO "statedata_rowchange"' in q["sql"] for q in queries.captured_queries) == 1


def test_the_record_page_lists_its_row_changes_in_words_for_those_who_see_the_record(college, other, login,
                                                                                      steward):
    upload(steward, sd.MajorYear, MAJORS)
    upload(steward, sd.MajorYear, data=xlsx([["学年", "专业代码", "在校生数"], [Y, "510201", 125]]))
    record = sd.ImportRecord.objects.first()
    url = reverse("statedata:history_detail", args=[record.pk])
    page = login(college.users["quality"]).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "行变更（共1行）" in text
    assert "专业：软件技术" in text and "在校生数" in text and "<td>120</td><td>125</td>" in text
    assert login(college.users["teacher"]).get(url).status_code == 404
    assert login(other.users["quality"]).get(url).status_code == 404
