"""Pages of the org app: one `ObjectViews` description per kind (list, detail, edit, retire, import), and the
五纵 overview. Writes go through `services`, reads through the gate or `selectors`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from zhengai.core.choices import ADMIN_ROLES, Role
from zhengai.core.generic import ObjectViews
from zhengai.core.middleware import institution_of
from zhengai.core.permissions import CHANGE, VIEW, access_for, can, require_role

from . import filters, forms, importers, selectors, services, tables
from .choices import SYSTEM_SET_LABELS
from .models import (
    Course,
    Duty,
    Klass,
    Major,
    Post,
    QAGroup,
    QAGroupMember,
    Student,
    Teacher,
    Unit,
    VerticalSystem,
    WorkItem,
)

# Unit heads add the things that live in their unit; their forms offer only their own unit.
UNIT_ROLES = ADMIN_ROLES | {Role.UNIT_HEAD}


def _for_form(form: Any, exc: ValidationError) -> ValidationError:
    """A service's errors keyed so that the form can show them: a field the form lacks goes on top."""
    if not hasattr(exc, "error_dict"):
        return exc
    errors: dict[str, list] = {}
    for name, errs in exc.error_dict.items():
        errors.setdefault(name if name in form.fields else NON_FIELD_ERRORS, []).extend(errs)
    return ValidationError(errors)


@dataclass
class Rel:
    """One block of related objects on a detail page: the `kind`'s objects whose `lookup` is this object."""

    title: str
    kind: str                        # the related kind's URL stem
    lookup: str
    param: str = ""                  # the related list's filter, for 查看全部
    where: dict[str, Any] = field(default_factory=dict)
    note: Callable[[Any], str] | None = None
    empty: str = "暂无"
    limit: int = 20

    def block(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        model = REGISTRY[self.kind].model
        qs = model.objects.restrict(request.user, VIEW).filter(active=True, **{self.lookup: obj},
                                                               **self.where)
        count = qs.count()
        items = [{"label": Truncator(str(o)).chars(60), "note": self.note(o) if self.note else "",
                  "url": reverse(f"org:{self.kind}_detail", args=[o.pk])} for o in qs[:self.limit]]
        more_url = ""
        if self.param and count > len(items):
            more = {self.param: obj.pk, **{k: str(v).lower() for k, v in self.where.items()}}
            more_url = f"{reverse(f'org:{self.kind}_list')}?{urlencode(more)}"
        return {"title": self.title, "count": count, "items": items, "more_url": more_url,
                "empty": self.empty}


REGISTRY: dict[str, type[OrgViews]] = {}


class OrgViews(ObjectViews):
    namespace = "org"
    add_roles = ADMIN_ROLES
    relations: ClassVar[list[Rel]] = []

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        REGISTRY[cls.name] = cls
        meta = cls.model._meta
        cls.detail_fields = cls.detail_fields or list(cls.form._meta.fields)
        cls.list_order = list(meta.ordering)
        # What the table shows of related objects is fetched with the page, not row by row.
        shown = [meta.get_field(name) for name in cls.table._meta.fields]
        declared = cls.__dict__.get("select_related", [])  # e.g. what a related object's name is made of
        cls.select_related = [f.name for f in shown if f.is_relation and not f.many_to_many] + declared
        cls.prefetch_related = [f.name for f in shown if f.many_to_many]

    @classmethod
    def _write(cls, request: HttpRequest, action: str, form: Any, **target: Any) -> models.Model:
        write = getattr(services, f"{cls.name}_{action}")
        try:
            return write(actor=request.user, **target, **form.cleaned_data)[0]
        except ValidationError as exc:
            raise _for_form(form, exc) from exc

    @classmethod
    def create(cls, request: HttpRequest, form: Any) -> models.Model:
        return cls._write(request, "create", form, institution=institution_of(request))

    @classmethod
    def update(cls, request: HttpRequest, obj: models.Model, form: Any) -> models.Model:
        return cls._write(request, "update", form, **{cls.name: obj})

    @classmethod
    def related(cls, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
        return [rel.block(request, obj) for rel in cls.relations]


class UnitViews(OrgViews):
    model, name, path, list_template = Unit, "unit", "units", "org/overview_list.html"
    table, filterset, form = tables.UnitTable, filters.UnitFilter, forms.UnitForm
    importer = importers.UnitImporter
    relations = [
        Rel("所属纵向系统", "system", "units", empty="尚未归入纵向系统：请编辑本部门，勾选所属纵向系统。"),
        Rel("下级部门", "unit", "parent", "parent"),
        Rel("部门职责 · 系统内", "duty", "unit", "unit", {"in_system": True}, empty="暂无系统内职责。"),
        Rel("部门职责 · 系统外", "duty", "unit", "unit", {"in_system": False}, empty="暂无系统外职责。"),
        Rel("岗位", "post", "unit", "unit"),
        Rel("专业", "major", "unit", "unit"),
        Rel("教师", "teacher", "unit", "unit"),
    ]

    @classmethod
    def related(cls, request: HttpRequest, obj: Unit) -> list[dict[str, Any]]:
        counts = selectors.unit_counts(request.user, obj)
        overview = [f"专业 {counts['majors']} 个", f"课程 {counts['courses']} 门",
                    f"教师 {counts['teachers']} 人"]
        if counts["students"]:  # only for those who may see students at all
            overview.append(f"学生 {counts['students']} 人")
        items = [{"label": label} for label in overview]
        overview_block = {"title": "概况（含下级部门）", "count": None, "items": items}
        return [overview_block, *super().related(request, obj)]


class SystemViews(OrgViews):
    model, name, path, list_template = VerticalSystem, "system", "systems", "org/overview_list.html"
    table, filterset, form = tables.SystemTable, filters.SystemFilter, forms.SystemForm
    relations = [Rel("本系统的部门", "unit", "systems", "system",
                     empty="还没有部门归入本系统：在部门的编辑页勾选所属纵向系统。")]


class DutyViews(OrgViews):
    model, name, path, add_roles = Duty, "duty", "duties", UNIT_ROLES
    table, filterset, form = tables.DutyTable, filters.DutyFilter, forms.DutyForm
    relations = [Rel("落实本职责的岗位工作", "workitem", "duty", note=lambda w: f"（{w.post.name}）",
                     empty="还没有岗位工作对应本职责。")]


class PostViews(OrgViews):
    model, name, path, add_roles = Post, "post", "posts", UNIT_ROLES
    table, filterset, form = tables.PostTable, filters.PostFilter, forms.PostForm
    relations = [Rel("岗位工作与工作标准", "workitem", "post", "post",
                     note=lambda w: f"标准：{Truncator(w.standard).chars(80)}",
                     empty="还没有岗位工作：新增岗位工作标准，把部门职责具体到本岗位。")]


class WorkItemViews(OrgViews):
    model, name, path, add_roles = WorkItem, "workitem", "workitems", UNIT_ROLES
    table, filterset, form = tables.WorkItemTable, filters.WorkItemFilter, forms.WorkItemForm
    select_related = ["post__unit"]  # a post is named with its unit


class QAGroupViews(OrgViews):
    # The QA organisation is the quality office's to configure (QAGroup.access_q): only it adds groups.
    model, name, path, add_roles = QAGroup, "qagroup", "qagroups", {Role.QUALITY_OFFICE}
    table, filterset, form = tables.QAGroupTable, filters.QAGroupFilter, forms.QAGroupForm
    relations = [Rel("成员", "qamember", "group", "group", note=lambda m: m.job_title,
                     empty="还没有成员：新增质量保证组织成员。"),
                 Rel("下级组织", "qagroup", "parent")]


class QAMemberViews(OrgViews):
    model, name, path, add_roles = QAGroupMember, "qamember", "qamembers", {Role.QUALITY_OFFICE}
    table, filterset, form = tables.QAMemberTable, filters.QAMemberFilter, forms.QAMemberForm


class MajorViews(OrgViews):
    model, name, path, add_roles = Major, "major", "majors", UNIT_ROLES
    table, filterset, form = tables.MajorTable, filters.MajorFilter, forms.MajorForm
    importer = importers.MajorImporter
    relations = [Rel("班级", "klass", "major", "major"), Rel("课程", "course", "majors", "major")]


class CourseViews(OrgViews):
    model, name, path, add_roles = Course, "course", "courses", UNIT_ROLES
    table, filterset, form = tables.CourseTable, filters.CourseFilter, forms.CourseForm
    importer = importers.CourseImporter
    relations = [Rel("面向专业", "major", "courses"), Rel("授课教师", "teacher", "courses")]


class KlassViews(OrgViews):
    model, name, path, add_roles = Klass, "klass", "classes", UNIT_ROLES
    table, filterset, form = tables.KlassTable, filters.KlassFilter, forms.KlassForm
    importer = importers.KlassImporter
    relations = [Rel("学生", "student", "klass", "klass", limit=60,
                     empty="本班还没有学生：可在学生页面批量导入。")]

    @classmethod
    def related(cls, request: HttpRequest, obj: Klass) -> list[dict[str, Any]]:
        # Students are personal data: the block is for those who see some of them or answer for the class.
        sees = Student.objects.restrict(request.user, VIEW).filter(klass=obj).exists()
        return super().related(request, obj) if sees or can(request.user, obj, CHANGE) else []


class TeacherViews(OrgViews):
    model, name, path, add_roles = Teacher, "teacher", "teachers", UNIT_ROLES
    member_only = True  # the roster names people: not for the authority and its experts
    table, filterset, form = tables.TeacherTable, filters.TeacherFilter, forms.TeacherForm
    importer = importers.TeacherImporter
    relations = [Rel("授课课程", "course", "teachers")]


class StudentViews(OrgViews):
    model, name, path, add_roles = Student, "student", "students", UNIT_ROLES
    member_only = True
    table, filterset, form = tables.StudentTable, filters.StudentFilter, forms.StudentForm
    importer = importers.StudentImporter


KINDS: list[type[OrgViews]] = list(REGISTRY.values())  # in the order defined above


# ---- 五纵 overview --------------------------------------------------------------------------------

def _may_apply(request: HttpRequest, institution: Any) -> bool:
    access = access_for(request.user)
    return access.is_superuser or access.has_role({Role.QUALITY_OFFICE}, institution.pk)


@login_required
def systems_overview(request: HttpRequest) -> HttpResponse:
    """五纵 · 纵向系统: every system with its units, the units in none, and the whole unit tree."""
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    return render(request, "org/systems.html", {
        "systems": selectors.systems_with_units(request.user, institution),
        "unplaced": selectors.units_without_system(request.user, institution),
        "tree": selectors.unit_tree(request.user, institution),
        "may_apply": _may_apply(request, institution),
        "sets": SYSTEM_SET_LABELS.items(),
    })


@login_required
@require_POST
def systems_apply(request: HttpRequest) -> HttpResponse:
    institution = institution_of(request)
    if institution is None:
        raise Http404("您还没有加入任何院校")
    require_role(request.user, {Role.QUALITY_OFFICE}, institution.pk)
    try:
        counts = services.systems_apply_set(actor=request.user, institution=institution,
                                            set_name=request.POST.get("set", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已套用纵向系统方案：新增{created}个，更新{updated}个，未变{unchanged}个，"
                                  "停用{retired}个。".format(**counts))
    return redirect("org:systems")
