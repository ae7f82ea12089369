from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from zhengai.core.choices import InstitutionKind
from zhengai.core.models import Institution
from zhengai.core.permissions import CHANGE, VIEW, get_object_for_user
from zhengai.org.models import Student, Teacher


def test_anonymous_user_sees_nothing(college):
    from django.contrib.auth.models import AnonymousUser

    assert not Teacher.objects.restrict(AnonymousUser(), VIEW).exists()


def test_other_institution_is_404(college, other):
    for key in ("leader", "quality", "teacher", "student"):
        with pytest.raises(Http404):
            get_object_for_user(Teacher, college.users[key], VIEW, pk=other.teachers["t1"].pk)


def test_teacher_may_change_own_record_not_anothers(college):
    teacher = college.users["teacher"]
    assert get_object_for_user(Teacher, teacher, CHANGE, pk=college.teachers["t1"].pk)
    with pytest.raises(PermissionDenied):
        get_object_for_user(Teacher, teacher, CHANGE, pk=college.teachers["t2"].pk)


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("leader", {"s1", "s2"}),
        ("quality", {"s1", "s2"}),
        ("supervisor", {"s1", "s2"}),
        ("head", {"s1"}),
        ("major_leader", {"s1"}),
        ("counsellor", {"s1"}),
        ("student", {"s1"}),
        ("teacher", set()),
        ("course_leader", set()),
    ],
)
def test_students_are_seen_only_within_scope(college, other, who, visible):
    seen = set(Student.objects.restrict(college.users[who], VIEW).values_list("code", flat=True))
    assert seen == {college.students[k].code for k in visible}


def test_applicability_marks_follow_institution_kind(db):
    def inst(kind):
        return Institution(code="x", name="x", kind=kind)

    assert inst(InstitutionKind.NEWLY_FOUNDED).applicable_marks == [""]
    assert inst(InstitutionKind.ORDINARY).applicable_marks == ["", "*"]
    assert inst(InstitutionKind.PROVINCIAL_DEMONSTRATION).applicable_marks == ["", "*", "**"]
    assert inst(InstitutionKind.NATIONAL_BACKBONE).applicable_marks == ["", "*", "**"]
