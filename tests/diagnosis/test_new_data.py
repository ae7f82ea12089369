"""Effects from new data only: an improvement is verified or failed by a measurement resting on source rows
imported or changed after it started — never because a recompute ran after it (an import for one major
recomputes the point for every major)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from tests.statedata.conftest import load
from zhengai.core.periods import academic_year_of, ensure_academic_year
from zhengai.diagnosis import improvements as svc
from zhengai.monitoring import services as monitoring
from zhengai.monitoring.models import Measurement, Notification, Warning
from zhengai.standards.models import QCPoint
from zhengai.statedata import models as sd


def employment(code: str, employed: int) -> dict:
    year = ensure_academic_year(academic_year_of(timezone.localdate())).code
    return {"学年": year, "专业代码": code, "毕业生数": 40, "就业数": employed, "对口就业数": 20, "平均月收入": "4000"}


def test_an_unrelated_import_leaves_another_majors_improvement_undecided(college, django_capture_on_commit_callbacks):
    c, inst = college, college.institution
    year = ensure_academic_year(academic_year_of(timezone.localdate()))   # the year the measure runs in
    soft, mech = c.majors["soft"], c.majors["mech"]
    QCPoint.objects.create(institution=inst, code="EMP", name="毕业生就业率", level="major", unit="%",
                           formula="就业数 / 毕业生数 * 100", operator="ge", standard=Decimal("80"),
                           warning=Decimal("70"), lead_unit=c.units["office"])
    first = load(c, sd.Employment, [employment(soft.code, 29), employment(mech.code, 36)])
    sd.ImportRecord.objects.filter(pk=first.pk).update(at=timezone.now() - datetime.timedelta(days=10))
    monitoring.recompute(institution=inst, period=year, qc_points=["EMP"])
    m = Measurement.objects.get(qc_point__code="EMP", major=soft)
    assert m.status == "warning" and m.source_import_id == first.pk
    assert m.data_as_of < timezone.now() - datetime.timedelta(days=9)
    warning = Warning.objects.get(qc_point__code="EMP", major=soft)
    leader = c.users["major_leader"]
    improvement = svc.improvement_create(actor=leader, warning=warning, measure="走访合作企业，增加就业岗位",
                                         owner=leader, deadline=timezone.localdate() + datetime.timedelta(days=60))
    svc.improvement_start(actor=leader, improvement=improvement, started_on=timezone.localdate())
    notices = Notification.objects.count()

    # The mechanical major's data is pushed: the point is recomputed for every major, the software major's
    # measurement included — over the same old rows.
    with django_capture_on_commit_callbacks(execute=True):
        load(c, sd.Employment, [employment(mech.code, 38)])
    recomputed = Measurement.objects.get(qc_point__code="EMP", major=soft)
    assert recomputed.computed_at > m.computed_at and recomputed.data_as_of == m.data_as_of
    improvement.refresh_from_db()
    warning.refresh_from_db()
    assert improvement.state == "in_progress" and improvement.effect_measurement is None
    assert warning.state == "improving" and warning.escalation_level == 0
    assert Notification.objects.count() == notices
    assert svc.effect_candidates(leader, improvement).count() == 0

    # The software major's own new data decides it.
    with django_capture_on_commit_callbacks(execute=True):
        load(c, sd.Employment, [employment(soft.code, 35)])
    improvement.refresh_from_db()
    warning.refresh_from_db()
    assert improvement.state == "effective" and improvement.effect_measurement.value == Decimal("87.5000")
    assert warning.state == "resolved"
