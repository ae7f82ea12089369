"""The one reader of measurements: per QC point, entity and period the newest data version that computed it."""

from __future__ import annotations

from django.utils import timezone

from zhengai.core.periods import ensure_academic_year
from zhengai.monitoring.models import Measurement
from zhengai.monitoring.selectors import that_count
from zhengai.standards.models import QCPoint


def test_the_newest_version_counts_per_point_and_entity_and_a_pin_reads_an_older_one(college):
    inst = college.institution
    y24, y25 = ensure_academic_year(2024), ensure_academic_year(2025)
    a, b = (QCPoint.objects.create(institution=inst, code=code, name=code, level="major", formula="1")
            for code in ("RA", "RB"))
    soft, mech = college.majors["soft"], college.majors["mech"]

    def m(point, major, period, version):
        return Measurement.objects.create(institution=inst, qc_point=point, period=period, level="major",
                                          entity_key=f"major:{major.pk}", major=major, value=version,
                                          status="pass", computed_at=timezone.now(), version=version)

    keep = [m(a, soft, y24, 1), m(b, mech, y24, 1), m(a, soft, y25, 1)]
    m(a, mech, y24, 1)
    newer = [m(a, mech, y24, 2), m(b, soft, y24, 3)]   # a correction computed only these
    m(b, soft, y24, 1)
    assert set(that_count()) == set(keep + newer)
    # Pinned at version 1 of 2024-2025: as a report signed before the correction saw it.
    pinned = set(that_count(Measurement.objects.filter(period=y24), pinned={y24.pk: 1}))
    assert pinned == set(Measurement.objects.filter(period=y24, version=1))
    pinned = set(that_count(pinned={y24.pk: 2}))
    assert {(x.qc_point.code, x.major_id, x.period_id, x.version) for x in pinned} == {
        ("RA", soft.pk, y24.pk, 1), ("RB", mech.pk, y24.pk, 1), ("RA", mech.pk, y24.pk, 2),
        ("RB", soft.pk, y24.pk, 1), ("RA", soft.pk, y25.pk, 1)}
