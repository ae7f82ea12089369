from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhengai.core.jobs import job_start
from zhengai.core.models import AuditEntry, Job
from zhengai.monitoring import services
from zhengai.monitoring.models import Measurement, Notification, Warning
from zhengai.org.models import Major
from zhengai.statedata import models as sd
from zhengai.statedata.signals import import_committed


def test_recompute_twice_raises_no_duplicate_warnings_and_notifies_owners(state, year):
    inst = state.institution
    services.recompute(institution=inst, period=year)
    first = Warning.objects.filter(institution=inst).count()
    assert first > 0
    again = services.recompute(institution=inst, period=year)
    assert again["raised"] == 0
    assert Warning.objects.filter(institution=inst).count() == first
    # M13 证书获取率 75 ≥ 70 but < 80 → 预警 (一般), owned by the major leader.
    w = Warning.objects.get(qc_point__code="M13", major=state.majors["soft"])
    assert w.severity == "normal" and w.state == "open"
    assert list(w.owners.all()) == [state.users["major_leader"]]
    assert Notification.objects.filter(user=state.users["major_leader"], read=False).count() >= 1


def test_a_passing_recompute_resolves_the_warning(state, year):
    inst = state.institution
    services.recompute(institution=inst, period=year, qc_points=["M13"])
    w = Warning.objects.get(qc_point__code="M13", major=state.majors["soft"])
    sd.Certificate.objects.filter(major=state.majors["soft"]).update(intermediate=30)   # 40 / 40
    result = services.recompute(institution=inst, period=year, qc_points=["M13"])
    w.refresh_from_db()
    assert result["resolved"] == 1 and w.state == "resolved"
    # And falling again raises a new one, since none is open.
    sd.Certificate.objects.filter(major=state.majors["soft"]).update(primary=0, intermediate=0)
    services.recompute(institution=inst, period=year, qc_points=["M13"])
    assert Warning.objects.filter(qc_point__code="M13", state="open").get().severity == "serious"


def test_what_a_recompute_does_to_warnings_is_audited_in_bulk_as_the_system(state, year):
    inst = state.institution
    with CaptureQueriesContext(connection) as ctx:
        services.recompute(institution=inst, period=year)
    raised = Warning.objects.filter(institution=inst)
    created = AuditEntry.objects.filter(action="create", object_type__model="warning")
    assert created.count() == raised.count() > 1
    assert sum('INSERT INTO "core_auditentry"' in q["sql"] for q in ctx.captured_queries) <= len(
        {w.qc_point_id for w in raised})  # one INSERT per QC point, never one per warning
    w = raised.get(qc_point__code="M13", major=state.majors["soft"])
    entry = created.get(object_id=str(w.pk))
    assert entry.actor is None and entry.note == "重算：发出预警" and entry.institution == inst
    assert entry.changes["state"] == [None, "open"] and entry.changes["severity"] == [None, "normal"]
    assert entry.object_repr == f"{w.qc_point.name} · 软件技术"
    # Falls further: re-graded; then passes: resolved. Each leaves its entry, still as the system.
    sd.Certificate.objects.filter(major=state.majors["soft"]).update(primary=0, intermediate=0)
    services.recompute(institution=inst, period=year, qc_points=["M13"])
    sd.Certificate.objects.filter(major=state.majors["soft"]).update(intermediate=40)
    services.recompute(institution=inst, period=year, qc_points=["M13"])
    updates = AuditEntry.objects.filter(action="update", object_id=str(w.pk)).order_by("pk")
    assert [(e.changes.get("severity"), e.changes.get("state"), e.actor) for e in updates] == [
        (["normal", "serious"], None, None), (None, ["open", "resolved"], None)]
    assert updates.last().note == "重算：复测达标，预警自动解除"


def test_transitions_are_checked_and_audited(state, year):
    services.recompute(institution=state.institution, period=year, qc_points=["M13"])
    w = Warning.objects.get(qc_point__code="M13")
    services.warning_transition(actor=state.users["major_leader"], warning=w, state="acknowledged")
    with pytest.raises(Exception, match="须说明原因"):
        services.warning_transition(actor=state.users["major_leader"], warning=w, state="closed")
    services.warning_transition(actor=state.users["major_leader"], warning=w, state="closed", note="口径调整")
    with pytest.raises(Exception, match="不能改为"):
        services.warning_transition(actor=state.users["major_leader"], warning=w, state="improving")


def test_own_target_replaces_the_school_lines_for_that_entity(state, year):
    from zhengai.standards.models import QCPoint, StandardsPolicy
    from zhengai.standards.services import own_target_set

    point = QCPoint.objects.get(institution=state.institution, code="M13")
    StandardsPolicy.objects.create(institution=state.institution, allow_looser_own_targets=True)
    own_target_set(actor=state.users["major_leader"], point=point, entity=state.majors["soft"],
                   standard=Decimal("75"), warning=Decimal("65"))
    services.recompute(institution=state.institution, period=year, qc_points=["M13"])
    m = Measurement.objects.get(qc_point=point, major=state.majors["soft"])
    assert m.status == "pass" and Decimal(m.lines["standard"]) == 75


def test_incremental_recompute_after_an_import_touches_only_affected_points(state, year,
                                                                          django_capture_on_commit_callbacks):
    inst = state.institution
    services.recompute(institution=inst, period=year)
    stamps = dict(Measurement.objects.values_list("pk", "computed_at"))
    with django_capture_on_commit_callbacks(execute=True):
        import_committed.send(sender=sd.Employment, institution=inst, periods=[year], record=None)
    job = Job.objects.get(kind="recompute")
    assert job.status == "done", job.message
    touched = {code for pk, code in Measurement.objects.values_list("pk", "qc_point__code")
               if Measurement.objects.get(pk=pk).computed_at != stamps[pk]}
    assert touched == {"S21", "U02", "M11", "M12"}      # the points whose formulas read 就业数/毕业生数/对口就业数
    assert set(job.params["points"]) == touched


def test_recompute_job_and_command(state, year, django_capture_on_commit_callbacks, capsys):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(actor=state.users["quality"], institution=state.institution, kind="recompute",
                        label="重新计算", params={"period": year.code, "points": None})
    job.refresh_from_db()
    assert job.status == "done" and job.result["points"] >= 40
    call_command("recompute", "--institution", state.institution.code, "--period", year.code, "--point", "S01")
    assert "计算质控点 1 个" in capsys.readouterr().out


@pytest.mark.parametrize("code", ["M02", "P01", "C02"])
def test_query_count_of_a_level_does_not_grow_with_entities(state, year, code):
    from zhengai.org.models import Course, Klass, Student

    inst = state.institution

    def add(i: int) -> None:
        unit = state.units["it"]
        major = Major.objects.create(institution=inst, code=f"X{i}", name=f"新专业{i}", unit=unit)
        sd.CourseYear.objects.create(institution=inst, period=year, major=major, course=state.courses["java"],
                                     course_type="B", hours=100, practice_hours=10)
        klass = Klass.objects.create(institution=inst, code=f"K{i}", name=f"班{i}", major=major, cohort=2024)
        Student.objects.create(institution=inst, code=f"SX{i}", name=f"学生{i}", major=major, klass=klass,
                               cohort=2024)
        Course.objects.create(institution=inst, code=f"CX{i}", name=f"课{i}", unit=unit)

    def queries() -> int:
        # Each run from a clean slate, so both raise their warnings for the first time.
        Warning.objects.all().delete()
        Measurement.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            services.recompute(institution=inst, period=year, qc_points=[code])
        assert Warning.objects.exists()
        return len(ctx.captured_queries)

    add(0)
    few = queries()
    for i in range(1, 16):
        add(i)
    many = queries()
    assert many == few
    assert Measurement.objects.filter(qc_point__code=code).count() > 15


def test_a_frozen_version_keeps_its_measurements(state, year):
    from django.apps import apps

    services.recompute(institution=state.institution, period=year, qc_points=["M12"])
    version = apps.get_model("statedata", "DataVersion")
    version.objects.create(institution=state.institution, period=year, number=1, state="frozen")
    sd.Employment.objects.filter(major=state.majors["soft"]).update(matched=36)
    result = services.recompute(institution=state.institution, period=year, qc_points=["M12"])
    assert result["frozen"]
    assert Measurement.objects.get(qc_point__code="M12", major=state.majors["soft"]).value == Decimal("78.9474")
    assert Measurement.objects.count() == 2  # version 1 only: nothing rewritten
