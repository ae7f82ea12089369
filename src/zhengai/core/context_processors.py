from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .choices import ADMIN_ROLES, CLASS_ROLES, INSTITUTION_WIDE_ROLES, MEMBER_ROLES, Role
from .middleware import institution_of
from .permissions import access_for

# Every role but the student's: a student opens their own portrait, plan and warnings, not the staff's pages
# (the ~30 entries of the school's machinery are noise to them, and some are not theirs to read).
STAFF = frozenset(Role) - {Role.STUDENT}

# The navigation: the five levels and the platform's functions. Each entry: label, URL name, who sees it
# (None = every member). Entries whose URL does not exist yet are skipped, so apps can arrive one by one.
NAVIGATION: list[tuple[str, list[tuple[str, str, set[str] | None]]]] = [
    ("工作台", [("我的工作台", "home", None)]),
    ("五纵 · 组织", [
        ("五纵 · 纵向系统", "org:systems", STAFF),
        ("部门", "org:unit_list", STAFF),
        ("质量保证组织", "org:qagroup_list", STAFF),
        ("岗位与工作标准", "org:post_list", STAFF),
    ]),
    ("目标链", [
        ("规划与目标", "goals:plan_list", None),
        ("年度重点任务", "goals:keytask_list", STAFF),
        ("一页纸计划", "goals:onepage_list", STAFF),
        ("任务完成情况", "goals:board", STAFF),
        ("部门绩效", "goals:performance", {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.UNIT_HEAD,
                                        Role.SUPERVISOR}),
        ("目标链体检", "goals:health", {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.SUPERVISOR}),
        ("工作日历", "goals:calendar", STAFF),
    ]),
    ("标准与监测", [
        ("驾驶舱", "cockpit_school", STAFF),
        ("标准链", "standards:chain", STAFF),
        ("质控点", "standards:qcpoint_list", STAFF),
        ("我的预警", "monitoring:my_warnings", None),
        ("全部预警", "monitoring:warning_list", {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.SUPERVISOR}),
        ("测量结果", "monitoring:measurement_list", STAFF),
        ("预警规则", "monitoring:policy", {Role.QUALITY_OFFICE}),
    ]),
    ("五横 · 层面", [
        ("专业", "org:major_list", STAFF),
        ("课程", "org:course_list", STAFF),
        ("教师", "org:teacher_list", STAFF & MEMBER_ROLES),  # a roster of people: not for the authority
        ("班级", "org:klass_list", STAFF),
        ("学生", "org:student_list", INSTITUTION_WIDE_ROLES | {Role.UNIT_HEAD, Role.MAJOR_LEADER, *CLASS_ROLES}),
    ]),
    ("课程教学", [
        ("今日课程与点名", "teaching:today", {Role.TEACHER}),
        ("我的考勤", "teaching:my_attendance", {Role.STUDENT}),
        ("请假", "teaching:leave_list", {Role.STUDENT, *CLASS_ROLES}),
        ("班级考勤", "teaching:class_attendance", {*CLASS_ROLES}),
        ("开课与课表", "teaching:offering_list", STAFF),
        ("听课", "teaching:observation_list", STAFF),
        ("听课覆盖", "teaching:observation_board", INSTITUTION_WIDE_ROLES | {Role.UNIT_HEAD}),
        # Every student sees this entry (the menu cannot tell information officers apart); the page tells a
        # student who is not one so.
        ("教学信息反馈", "teaching:report_list", {Role.QUALITY_OFFICE, Role.UNIT_HEAD, Role.STUDENT}),
        ("评教评学", "evaluation:my", None),
        ("评价参评情况", "evaluation:board", INSTITUTION_WIDE_ROLES | {*CLASS_ROLES, Role.UNIT_HEAD}),
        ("评价工具与评价期", "evaluation:window_list", {Role.QUALITY_OFFICE, Role.SUPERVISOR}),
        ("问卷调查", "surveys:survey_list", STAFF),
        ("我的问卷", "surveys:my", {Role.STUDENT}),
    ]),
    ("状态数据", [
        ("状态数据", "statedata:overview", STAFF),
        ("导入记录", "statedata:history", {Role.DATA_STEWARD, Role.QUALITY_OFFICE}),
        ("数据质量报告", "statedata:quality", INSTITUTION_WIDE_ROLES),
        ("数据版本", "statedata:versions", INSTITUTION_WIDE_ROLES),
        ("接口令牌", "api:tokens", {Role.DATA_STEWARD}),
    ]),
    ("诊断", [
        ("诊断项目表", "frameworks:framework_list", STAFF),
        ("诊改周期", "diagnosis:cycle_list", STAFF),
        ("改进措施", "diagnosis:improvement_list", STAFF),
        ("自我诊断要素一览表", "diagnosis:element_sheet", STAFF),
        ("自我诊改报告", "reports:report_list", STAFF),
        ("报告提交情况", "reports:status", {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER, Role.SUPERVISOR}),
        ("螺旋步骤与周期", "diagnosis:settings", {Role.QUALITY_OFFICE}),
    ]),
    ("管理", [
        ("账号与角色", "org:account_list", {Role.QUALITY_OFFICE}),
        ("审计记录", "core:audit_list", {Role.QUALITY_OFFICE, Role.SCHOOL_LEADER}),
        ("后台任务", "core:job_list", ADMIN_ROLES | {Role.UNIT_HEAD}),
        ("院校信息", "core:institution_detail", STAFF),
    ]),
]


# Links that name the person's own objects (their portrait…), which this app cannot look up: the apps above
# register a function (request, institution) -> [(label, url)] in their AppConfig.ready. They come first.
PERSONAL_LINKS: list[Callable[[HttpRequest, Any], list[tuple[str, str]]]] = []


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    institution = institution_of(request)
    roles = access.roles(institution.pk if institution else None)
    sections = []
    for title, entries in NAVIGATION:
        links = []
        for label, url_name, allowed in entries:
            if allowed is not None and not (roles & allowed) and not access.is_superuser:
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            links.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"})
        if title == "工作台" and institution is not None:
            links += [{"label": label, "url": url, "active": request.path == url}
                      for provider in PERSONAL_LINKS for label, url in provider(request, institution)]
        if links:
            sections.append({"title": title, "links": links})
    role_labels = sorted({Role(r).label for r in roles})
    return {
        "nav_sections": sections,
        "current_institution": institution,
        "current_roles": role_labels,
        "is_admin_role": bool(roles & ADMIN_ROLES) or access.is_superuser,
        "other_institutions": sorted(
            {m.institution for m in access.memberships if institution is None or m.institution_id != institution.pk},
            key=lambda i: i.code,
        ),
    }
