"""Points marked * and ** are hidden where they do not apply (seed 003 附件1 note 3)."""

from __future__ import annotations

import pytest

from zhengai.core.choices import InstitutionKind
from zhengai.core.services import institution_create
from zhengai.frameworks.selectors import framework_tree


def shown(tree) -> set[str]:
    return {pt.number for p in tree["projects"] for e in p.elements.all() for pt in e.points.all()}


@pytest.mark.parametrize(("kind", "hidden"), [
    (InstitutionKind.NEWLY_FOUNDED, {"1.1.2", "1.2.1"}),         # hides * and **
    (InstitutionKind.ORDINARY, {"1.2.1"}),                       # hides **
    (InstitutionKind.PROVINCIAL_DEMONSTRATION, set()),
    (InstitutionKind.NATIONAL_BACKBONE, set()),
])
def test_tree_hides_points_that_do_not_apply(mini, kind, hidden):
    institution = institution_create(code="k", name="某学院", kind=kind)
    every = {"1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2", "2.1.3"}
    tree = framework_tree(mini, institution)
    assert shown(tree) == every - hidden
    assert tree["counts"]["points"] == 6 - len(hidden)
    # Counts per level follow the filter: 1.1.2 has one task, 1.2.1 one.
    assert tree["counts"]["tasks"] == 5 - len(hidden)
    first = tree["projects"][0]
    assert first.n_points == 3 - len(hidden) and first.n_elements == 2
    # "全部" shows every point whatever the college.
    assert shown(framework_tree(mini, institution, applicable_only=False)) == every


def test_tree_without_an_institution_shows_everything(mini):
    tree = framework_tree(mini)
    assert tree["counts"] == {"projects": 2, "elements": 3, "points": 6, "tasks": 5}
    assert not tree["filtered"]


def test_tree_takes_a_fixed_number_of_queries(mini, django_assert_num_queries):
    institution = institution_create(code="k", name="某学院", kind=InstitutionKind.ORDINARY)
    with django_assert_num_queries(4):
        tree = framework_tree(mini, institution)
        for p in tree["projects"]:
            for e in p.elements.all():
                for pt in e.points.all():
                    list(pt.tasks.all())


def test_detail_page_defaults_to_what_applies_here(mini, college, login):
    college.institution.kind = InstitutionKind.NEWLY_FOUNDED
    college.institution.save()
    client = login(college.users["teacher"])
    page = client.get(f"/frameworks/{mini.pk}/").content.decode()
    assert "1.1.1 质量目标与定位" in page
    assert "1.1.2 社会服务" not in page and "1.2.1 对外合作" not in page
    assert "已隐藏 2 个不适用的诊断点" in page
    page = client.get(f"/frameworks/{mini.pk}/?scope=all").content.decode()
    assert "1.1.2 社会服务" in page and "1.2.1 对外合作" in page
