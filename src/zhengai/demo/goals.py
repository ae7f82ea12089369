"""The demo college's goal chain (目标链): the "十五五" master plan, its nine special plans, a sub-plan per
secondary college, construction plans for the first college's majors and the demo course, the demo teacher's
career plan and the demo student's development plan; the year's key tasks with three levels of indicators; the
one-page plans of the departments that carry them and of the demo major, course, teacher and class, with a
year of monthly progress; a few PDCA records and the performance scheme.

Called by `DemoBuilder.build()` after the state data, so the QC points and their measurements exist. Like the
rest of the demo it is a one-time bulk load of a fictional college: rows go in with bulk_create, not through the
goal-chain services (no audit per row). Every choice depends on codes and on the builder's random generator,
never on database ids or on the clock: "today" in the demo is DEMO_TODAY.

Deliberate defects, so that chain health, the error-rate report and the warnings have something to show (the
tests in tests/demo/test_demo_goals.py name them too):

* goals without a parent goal: the quality-assurance special plan's "形成特色鲜明的质量文化" (ZX07-G2) and the
  third goal of the last major's construction plan in the first college;
* a goal without any owner (neither a person nor a department): the third goal of the last secondary college's
  sub-plan (every other goal has a responsible department, and a person where the demo has an account);
* a key task without a plan goal: No. 10, the school-added dormitory and campus-safety task;
* a target without a measure: the demo student's certificate point has a past-year target (the student's second
  year) with neither a QC point nor a typed actual; the student's plan itself ended with that student's three
  years (cohort … cohort + 2) and is still active, so it is also a plan past its period;
* one-page tasks without an objective (后勤保障处 "校园绿化养护与环境整治") and without an owner (教务处
  "修订教学管理制度汇编");
* late tasks (due before DEMO_TODAY, not done), see LATE below; one task due within seven days and behind.
"""

from __future__ import annotations

import datetime
import math
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from zhengai.core.models import Membership
from zhengai.goals.choices import PlanKind, PlanStatus, Priority, TaskKind, TaskSource, TaskState, WorkResult
from zhengai.goals.models import (
    Cost,
    Goal,
    Indicator,
    KeyTask,
    Objective,
    ObservationPoint,
    OnePagePlan,
    PerformanceScheme,
    Plan,
    PlanTask,
    ProgressUpdate,
    RecordItem,
    TaskRecord,
    YearTarget,
)
from zhengai.monitoring.models import Measurement
from zhengai.monitoring.selectors import that_count
from zhengai.org.entities import entity_key
from zhengai.standards.models import QCPoint

DEMO_TODAY = datetime.date(2026, 11, 23)   # "today" in the demo: the goal chain never reads the clock
YEAR = 2026                                # the year of the key tasks and one-page plans
PLAN_YEARS = (2026, 2030)                  # the "十五五" plans
BASELINE = 2025                            # the last measured academic year (2025-2026): a QC point's baseline
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def d(month: int, day: int) -> datetime.date:
    return datetime.date(YEAR, month, day)


# -- the plans and their goals --------------------------------------------------------------------------------
@dataclass
class P:
    """An observation point: measured by a QC point (`qc`, targets stepping from the measured baseline by `step`
    a year) or typed (`targets` for 2026…2030 and the 2026 `actual`)."""

    name: str
    unit: str
    qc: str | None = None
    step: float = 0
    targets: tuple = ()
    actual: float | None = None
    higher: bool = True


@dataclass
class G:
    title: str
    points: list[P]
    parent: tuple[str, int] | None = None     # (plan code, goal index) in the plan above
    unit: str | None = None                   # responsible department code; None: the plan's lead unit
    description: str = ""


MASTER_GOALS = [
    G("立德树人，人才培养质量显著提升", [P("应届毕业生就业率", "%", "S21", 0.3), P("学生出勤率", "%", "S19", 0.2)],
      unit="D05", description="坚持立德树人根本任务，毕业生就业率稳定在97%以上，学生综合素质明显提高。"),
    G("专业、课程与师资建设水平进入全省前列",
      [P("双师素质专任教师比例", "%", "S22", 2),
       P("省级及以上重点（特色）专业数", "个", targets=(4, 5, 6, 7, 8), actual=4)],
      unit="D05", description="建成2个省级高水平专业群，“双师型”教师占专任教师比例超过80%。"),
    G("产教融合、科研与社会服务能力明显增强",
      [P("校企合作开发课程比例", "%", "S28", 1.5),
       P("横向技术服务到账经费", "万元", targets=(300, 350, 400, 450, 500), actual=236)],
      unit="D12", description="校企共建专业全覆盖，横向技术服务到账经费年均增长15%。"),
    G("治理体系与办学条件现代化水平显著提高",
      [P("生均教学科研仪器设备值", "元", "S05", 300),
       P("质量年度报告按时发布", "次", targets=(1, 1, 1, 1, 1), actual=1)],
      unit="D02", description="内部质量保证体系常态运行，办学条件各项指标全面达标。"),
]

# (code, name, lead department, goals); seed 003 表4's nine special plans. Where the seed's department does
# not exist in the demo college the closest one leads: 宣传部 → 党政办公室, 督导处 → 质量管理办公室,
# 实训中心 → 信息化建设处, 国际学院 → 国际交流与合作处.
SPECIAL_PLANS = [
    ("ZX01", "专业建设规划", "D05", [
        G("建成2个省级高水平专业群", [P("省级高水平专业群数", "个", targets=(1, 1, 2, 2, 2), actual=1)],
          parent=("ZGH", 1)),
        G("深化课程与教学改革，建成一批精品在线课程",
          [P("校企合作开发课程比例", "%", "S28", 1.5),
           P("省级及以上精品在线开放课程数", "门", targets=(6, 9, 12, 15, 18), actual=7)], parent=("ZGH", 1)),
        G("学生职业技能水平稳步提升", [P("学生出勤率", "%", "S19", 0.2)], parent=("ZGH", 0)),
    ]),
    ("ZX02", "师资队伍建设规划", "D08", [
        G("“双师型”教师占比持续提高", [P("双师素质专任教师比例", "%", "S22", 2)], parent=("ZGH", 1)),
        G("教师培训与企业实践常态化", [P("专任教师培训进修年均人日", "人日", "S26", 1),
                                       P("专任教师挂职锻炼年均人日", "人日", "S27", 1)], parent=("ZGH", 1)),
        G("高层次人才引育取得突破", [P("具有高级职务教师占专任教师比例", "%", "S03", 1)], parent=("ZGH", 1)),
    ]),
    ("ZX03", "学生发展规划", "D06", [
        G("学生综合素质与就业质量稳步提高", [P("应届毕业生就业率", "%", "S21", 0.3), P("新生报到率", "%", "S17", 0.3)],
          parent=("ZGH", 0), unit="D07"),
        G("学生管理与服务队伍配备达标", [P("专职辅导员配比", "：1", "S12", -5, higher=False)], parent=("ZGH", 0)),
        G("辍学率持续下降", [P("辍学率", "%", "S20", -0.05, higher=False)], parent=("ZGH", 0)),
    ]),
    ("ZX04", "科研发展规划", "D12", [
        G("应用技术研发与社会服务能力增强",
          [P("横向技术服务到账经费", "万元", targets=(300, 350, 400, 450, 500), actual=236)], parent=("ZGH", 2)),
        G("建成市级以上科研创新平台", [P("市级及以上科研平台数", "个", targets=(2, 3, 3, 4, 4), actual=2)],
          parent=("ZGH", 2)),
    ]),
    ("ZX05", "教育信息化建设规划", "D11", [
        G("建成智慧校园与校级数据中心", [P("百名学生配教学用计算机台数", "台", "S10", 1),
                                         P("业务系统数据接入率", "%", targets=(60, 75, 85, 95, 100), actual=64)],
          parent=("ZGH", 3)),
        G("教学过程数据实时采集全覆盖",
          [P("教学过程数据实时采集覆盖率", "%", targets=(50, 70, 85, 95, 100), actual=55)], parent=("ZGH", 3)),
    ]),
    ("ZX06", "国际交流与校企合作规划", "D16", [
        G("产教融合深度推进", [P("企业兼职教师授课比例", "%", "S23", 1),
                               P("校企合作订单班数", "个", targets=(8, 10, 12, 14, 16), actual=9)], parent=("ZGH", 2)),
        G("国际合作办学项目稳步拓展", [P("中外合作项目数", "个", targets=(1, 2, 2, 3, 3), actual=1)],
          parent=("ZGH", 2)),
    ]),
    ("ZX07", "质量保证建设规划", "D03", [
        G("内部质量保证体系常态化运行", [P("一页纸工作计划覆盖率", "%", targets=(100,) * 5, actual=100),
                                         P("学生参与评教比例", "%", "S18", 0.5)], parent=("ZGH", 3)),
        # Deliberately without a parent goal (chain health: a goal that does not trace up to the master plan).
        G("形成特色鲜明的质量文化", [P("质量文化建设活动次数", "次", targets=(4, 4, 5, 5, 6), actual=3)]),
    ]),
    ("ZX08", "校园文化建设规划", "D01", [
        G("社会主义核心价值观融入校园文化", [P("校园文化品牌活动数", "项", targets=(6, 7, 8, 9, 10), actual=6)],
          parent=("ZGH", 0)),
        G("创建省级文明校园", [P("文明校园创建指标达标率", "%", targets=(85, 90, 95, 100, 100), actual=88)],
          parent=("ZGH", 0)),
    ]),
    ("ZX09", "校园建设规划", "D13", [
        G("办学条件全面达标",
          [P("生均教学科研仪器设备值", "元", "S05", 300), P("生均教学行政用房", "平方米", "S04", 0.3)],
          parent=("ZGH", 3), unit="D10"),
        G("建成平安美丽校园", [P("校园安全责任事故", "起", targets=(0,) * 5, actual=0, higher=False)],
          parent=("ZGH", 3)),
    ]),
]

SUB_GOALS = [
    G("专业群建设水平显著提升", [P("院系应届毕业生就业率", "%", "U02", 0.3)], parent=("ZX01", 0)),
    G("“双师型”教师队伍结构优化", [P("院系双师素质专任教师比例", "%", "U03", 2)], parent=("ZX02", 0)),
    G("学风建设成效明显", [P("院系学生出勤率", "%", "U01", 0.2)], parent=("ZX03", 0)),
]

MAJOR_GOALS = [
    G("人才培养质量达到省内先进水平", [P("应届毕业生就业率", "%", "M11", 0.5),
                                       P("职业资格（技能等级）证书获取率", "%", "M13", 1)], parent=("SUB", 0)),
    G("实践教学条件与校企合作持续改善", [P("实践课时占总课时比例", "%", "M02", 1), P("顶岗实习对口率", "%", "M08", 1)],
      parent=("SUB", 0)),
    G("专业教学团队结构优化", [P("专业带头人及骨干教师数", "人", targets=(4, 5, 5, 6, 6), actual=4)],
      parent=("SUB", 1)),
]

COURSE_GOALS = [
    G("课堂教学质量稳步提高", [P("学生评教平均分", "分", "C05", 0.5), P("到课率", "%", "C02", 0.5)],
      parent=("MAJOR", 0)),
    G("建成校级精品在线开放课程", [P("在线课程资源建设完成率", "%", targets=(60, 100, 100, 100, 100), actual=65)],
      parent=("MAJOR", 1)),
]

CAREER_GOALS = [
    G("教学能力达到校级教学名师水平", [P("个人评教得分", "分", "T02", 0.5)], parent=("SUB", 1)),
    G("取得“双师型”教师资格并常态化企业实践",
      [P("年度企业实践天数", "天", targets=(30,) * 5, actual=18)], parent=("SUB", 1)),
    G("晋升副教授专业技术职务", [P("发表教研论文数", "篇", targets=(1, 1, 2, 2, 2), actual=1)], parent=("SUB", 1)),
]

# -- the year's key tasks (seed 002 表1 / 表10, seed 003 表5 and 附件2) --------------------------------------
# An L3 indicator: (content, unit code, time node, outcome, progress) — outcome "done" (finished by the node),
# "track" (under way on schedule), "late" (node passed, not done), "behind" (not yet due, behind schedule).
KEY_TASKS = [
    ("推进高水平专业群建设", ("ZX01", 0), TaskSource.PLAN, "D05", d(12, 31),
     "对接区域数字经济产业，优化专业布局，以软件技术专业群为龙头推进人才培养模式改革。",
     "软件技术专业群通过省级高水平专业群中期检查；完成专业群人才培养方案修订。",
     ("专业群建设水平提升", "专业建设"),
     [("完成专业群人才培养方案修订", "D05", d(6, 30), [
         ("修订软件技术专业群人才培养方案并通过论证", "X01", d(5, 31), "done", 100),
         ("组织专业群人才培养方案校级审定", "D05", d(6, 30), "done", 100)]),
      ("推进专业群共享实训基地建设", "D10", d(10, 31), [
          ("完成专业群共享实训室设备采购", "D10", d(9, 30), "done", 100)])]),
    ("深化“三教”改革，提升课堂教学质量", ("ZX01", 1), TaskSource.PLAN, "D05", d(12, 31),
     "推进教师、教材、教法改革，建设精品在线开放课程和新形态教材。",
     "建成校级精品在线开放课程6门，立项新形态教材5部。",
     ("课程与教学改革", "教学改革"),
     [("建设校级精品在线开放课程", "D05", d(12, 15), [
         ("信息工程学院建成校级精品在线开放课程2门", "X01", d(10, 31), "late", 60),
         ("完成在线课程平台运行与数据对接", "D11", d(9, 30), "done", 100)]),
      ("推行新型活页式、工作手册式教材", "D05", d(12, 15), [
          ("立项建设新形态教材5部", "D05", d(12, 15), "track", 0)])]),
    ("加强“双师型”教师队伍建设", ("ZX02", 0), TaskSource.PLAN, "D08", d(12, 31),
     "落实专任教师企业实践制度，完善“双师型”教师认定与培养机制。",
     "“双师型”教师占专任教师比例提高2个百分点。",
     ("师资队伍结构优化", "师资建设"),
     [("提高“双师型”教师占比", "D08", d(12, 31), [
         ("组织专任教师暑期企业实践不少于30天", "D08", d(9, 15), "done", 100),
         ("信息工程学院“双师型”教师占比达到75%", "X01", d(12, 20), "track", 0)]),
      ("新进教师职业发展规划全覆盖", "D08", d(12, 10), [
          ("指导新进教师完成三年职业发展规划", "D08", d(12, 10), "track", 0)])]),
    ("完善内部质量保证体系，常态化开展诊断与改进", ("ZX07", 0), TaskSource.PLAN, "D03", d(12, 31),
     "按照“8”字形质量改进螺旋，五个层面常态化开展自我诊改，运用平台监测预警。",
     "一页纸工作计划覆盖率100%，完成中期检查和校内复核。",
     ("质量保证体系运行", "质量保证"),
     [("五个层面常态化诊改", "D03", d(12, 31), [
         ("3月底前完成各部门一页纸工作计划报表，覆盖率100%", "D03", d(3, 31), "done", 100),
         ("6月完成诊改中期检查", "D03", d(6, 30), "done", 100),
         ("12月完成诊改校内复核", "D03", d(12, 25), "track", 0)]),
      ("修订质控点标准值与预警规则", "D03", d(5, 31), [
          ("完成年度质控点标准值修订", "D03", d(5, 31), "done", 100)])]),
    ("提升毕业生就业质量", ("ZX03", 0), TaskSource.AUTHORITY, "D07", d(12, 15),
     "落实就业“一把手”工程，拓展就业渠道，做好就业数据统计与质量跟踪。",
     "2026届毕业生就业率不低于97%，发布毕业生就业质量年度报告。",
     ("毕业生就业质量", "学生发展"),
     [("2026届毕业生就业率不低于97%", "D07", d(8, 31), [
         ("举办校园双选会不少于4场", "D07", d(6, 30), "done", 100),
         ("信息工程学院开展访企拓岗不少于30家", "X01", d(7, 31), "done", 100)]),
      ("发布毕业生就业质量年度报告", "D07", d(12, 15), [
          ("完成2026届毕业生就业质量年度报告", "D07", d(12, 15), "track", 0)])]),
    ("推进智慧校园建设", ("ZX05", 0), TaskSource.PLAN, "D11", d(12, 31),
     "建设校级数据中心二期，打通教务、学工、人事等业务系统数据。",
     "主要业务系统数据接入数据中心，实现状态数据源头采集。",
     ("智慧校园建设", "信息化"),
     [("建成校级数据中心二期", "D11", d(11, 30), [
         ("完成数据中心二期软硬件部署", "D11", d(10, 15), "late", 75),
         ("教务、学工、人事系统数据接入数据中心", "D11", d(12, 20), "behind", 40)])]),
    ("深化产教融合，拓展国际交流合作", ("ZX06", 0), TaskSource.PLAN, "D16", d(12, 31),
     "深化校企合作订单培养，拓展与境外院校的合作办学项目。",
     "新增订单班2个，签署境外院校合作协议1项。",
     ("产教融合与国际合作", "校企合作"),
     [("新增校企合作订单班", "D16", d(9, 30), [
         ("与合作企业新开订单班2个", "D16", d(9, 30), "done", 100)]),
      ("拓展中外合作项目", "D16", d(12, 31), [
          ("签署境外院校合作协议1项", "D16", d(12, 20), "track", 0)])]),
    ("加强学生思想政治教育与心理健康服务", ("ZX03", 1), TaskSource.PLAN, "D06", d(11, 30),
     "按标准配齐专职辅导员，完善校院两级心理健康教育与咨询体系。",
     "专职辅导员配比达到1:180，新生心理健康普查建档率100%。",
     ("学生管理与服务", "学生发展"),
     [("辅导员配备与心理健康服务达标", "D06", d(10, 31), [
         ("按1:180配齐专职辅导员", "D08", d(9, 30), "done", 100),
         ("完成新生心理健康普查与建档", "D06", d(10, 31), "done", 100)])]),
    ("提升科研与社会服务能力", ("ZX04", 0), TaskSource.PLAN, "D12", d(12, 31),
     "组建教师科研团队承接企业技术服务，面向社会开展职业技能培训。",
     "横向技术服务到账经费300万元，社会培训不少于2万人日。",
     ("科研与社会服务", "科研服务"),
     [("横向技术服务到账经费300万元", "D12", d(12, 31), [
         ("组织教师团队承接企业技术服务项目", "D12", d(12, 31), "track", 0),
         ("开展社会培训不少于2万人日", "D12", d(12, 15), "track", 0)])]),
    # Deliberately without a plan goal (chain health: a key task that does not trace to the plans).
    ("实施学生宿舍改造与平安校园建设", None, TaskSource.SCHOOL, "D13", d(11, 30),
     "暑期完成学生宿舍改造，升级校园视频监控系统。",
     "3栋学生宿舍改造投入使用，校园监控全覆盖。",
     ("平安美丽校园", "校园建设"),
     [("完成学生宿舍改造与监控升级", "D13", d(11, 30), [
         ("暑期完成3栋学生宿舍改造工程", "D13", d(8, 25), "done", 100),
         ("完成校园监控系统升级", "D13", d(11, 20), "late", 85)])]),
]

# Which plan a department's one-page plan follows (its objectives come from that plan's goals).
UNIT_PLAN = {"D03": "ZX07", "D05": "ZX01", "D06": "ZX03", "D07": "ZX03", "D08": "ZX02", "D10": "ZX09",
             "D11": "ZX05", "D12": "ZX04", "D13": "ZX09", "D16": "ZX06"}

# A one-page task that is not a key-task indicator: (title, priority, start, due, outcome, progress, objective
# index or None, owner: True — the plan's account / a name; False — deliberately nobody).
ROUTINE = {
    "X01": [("开展期中教学检查与听课评课", "B", d(4, 1), d(11, 15), "done", 100, 0, True),
            # Due within seven days of DEMO_TODAY and behind schedule: the countdown warning.
            ("完成2026年专业人才培养质量年度报告", "A", d(3, 1), d(11, 27), "behind", 45, 0, True),
            ("组织学生职业技能竞赛校内选拔", "B", d(3, 1), d(5, 31), "done", 100, 2, True),
            # Late, owned by the head of the first secondary college.
            ("完成教研室课程思政示范课建设", "B", d(3, 1), d(9, 30), "late", 70, 0, True)],
    "D03": [("组织诊改专题培训", "B", d(3, 1), d(4, 30), "done", 100, 0, True),
            ("编制2026年学校质量年度报告", "A", d(10, 1), d(12, 31), "track", 0, 0, True)],
    "D05": [("编制2026—2027学年教学任务书", "B", d(5, 1), d(6, 30), "done", 100, 1, True),
            ("组织期末考试与成绩管理", "B", d(6, 1), d(12, 31), "track", 0, 1, True),
            # Deliberately without an owner (error-rate report).
            ("修订教学管理制度汇编", "C", d(3, 1), d(10, 31), "done", 100, 0, False)],
    "D06": [("国家助学金评审与发放", "A", d(9, 1), d(12, 10), "track", 0, 0, True),
            ("学生日常行为规范教育月活动", "C", d(9, 1), d(9, 30), "done", 100, 0, True)],
    "D07": [("2026年招生录取与新生报到", "A", d(6, 1), d(9, 30), "done", 100, 0, True),
            ("毕业生就业数据月报", "B", d(1, 5), d(12, 31), "track", 0, 0, True)],
    "D08": [("完成年度专业技术职务评审", "A", d(9, 1), d(12, 10), "track", 0, 0, True),
            ("教职工年度考核", "B", d(12, 1), d(12, 31), "future", 0, 0, True)],
    "D10": [("完成年度固定资产清查", "B", d(10, 1), d(12, 15), "track", 0, 0, True),
            ("实训设备维修维护", "C", d(3, 1), d(7, 31), "done", 100, 0, True)],
    "D11": [("校园网出口带宽扩容", "B", d(5, 1), d(7, 31), "done", 100, 0, True),
            ("网络安全等级保护测评", "A", d(9, 1), d(12, 20), "track", 0, 0, True)],
    "D12": [("科研项目中期检查", "B", d(5, 1), d(6, 30), "done", 100, 1, True),
            ("年度科研成果统计与奖励", "C", d(12, 1), d(12, 31), "future", 0, 0, True)],
    "D13": [("食堂食品安全专项检查", "A", d(9, 1), d(10, 31), "done", 100, 1, True),
            # Deliberately matched to no objective (error-rate report).
            ("校园绿化养护与环境整治", "C", d(3, 1), d(11, 15), "done", 100, None, True)],
    "D16": [("接待境外院校来访交流", "C", d(4, 1), d(10, 31), "done", 100, 0, True),
            ("校企合作协议年度复核", "B", d(11, 1), d(12, 31), "track", 0, 0, True)],
}

# The demo major's one-page plan: seed 002 表3's example tasks (专业建设, 专业教学标准建设, 师资队伍建设,
# 实训基地建设) and one more; objective indexes into the plan's objectives.
MAJOR_TASKS = [("专业建设：完成专业调研报告与人才培养方案修订", "A", d(1, 10), d(5, 31), "done", 100, (0, 3)),
               ("专业教学标准建设：修订专业教学标准与核心课程标准", "A", d(3, 1), d(7, 15), "done", 100, (0,)),
               ("师资队伍建设：引进企业兼职教师2名，培养骨干教师2名", "B", d(3, 1), d(12, 31), "track", 0, (2,)),
               ("实训基地建设：建成软件开发生产性实训室", "A", d(4, 1), d(12, 20), "behind", 50, (1,)),
               ("组织学生参加省职业院校技能大赛", "B", d(3, 1), d(6, 30), "done", 100, (0, 3))]
COURSE_TASKS = [("修订课程标准与考核方案", "A", d(2, 20), d(4, 30), "done", 100, (0, 2)),
                ("录制在线课程微课视频30个", "A", d(3, 1), d(12, 31), "track", 0, (1,)),
                ("建设课程试题库（不少于500题）", "B", d(5, 1), d(10, 31), "done", 100, (1,)),
                ("推行课堂过程性考核改革", "B", d(9, 1), d(12, 31), "track", 0, (0,))]
TEACHER_TASKS = [("参加省级教学能力比赛", "A", d(3, 1), d(6, 30), "done", 100, (0,)),
                 # Late, owned by the demo teacher.
                 ("完成暑期企业实践30天", "A", d(7, 1), d(8, 31), "late", 60, (1,)),
                 ("考取软件设计师证书", "B", d(3, 1), d(11, 15), "done", 100, (1,)),
                 ("发表教研论文1篇", "B", d(4, 1), d(12, 31), "track", 0, (2, 3))]
CLASS_TASKS = [("每月召开主题班会", "B", d(3, 1), d(6, 30), "done", 100, (0,)),
               ("毕业设计（顶岗实习）过程管理", "A", d(1, 5), d(5, 31), "done", 100, (0, 1)),
               ("毕业生就业去向登记与跟踪", "A", d(5, 1), d(8, 31), "done", 100, (1,)),
               ("做好学生离校手续与学籍清理", "B", d(6, 1), d(7, 15), "done", 100, (2,))]

NOTES = {"done": "已按计划完成", "track": "按计划推进", "behind": "进度滞后，正在组织力量赶进度",
         "late": "已超过目标日期，尚未完成，已说明原因并调整措施"}


@dataclass
class Built:
    """What the goal chain step made, for the tests and the log."""

    plans: dict[str, Plan] = field(default_factory=dict)
    goals: dict[tuple[str, int], Goal] = field(default_factory=dict)
    key_tasks: list[KeyTask] = field(default_factory=list)
    one_page: dict[str, OnePagePlan] = field(default_factory=dict)
    tasks: list[PlanTask] = field(default_factory=list)


class GoalChainBuilder:
    def __init__(self, builder: Any):
        self.b = builder
        self.rng = builder.rng
        self.inst = builder.inst
        self.out = Built()

    def build(self) -> Built:
        self.prepare()
        self.build_plans()
        self.build_key_tasks()
        self.build_one_page_plans()
        self.build_records_and_scheme()
        return self.out

    # -- who is who ----------------------------------------------------------------------------------
    def prepare(self) -> None:
        inst = self.inst
        memberships = {m.user.username: m for m in Membership.objects.filter(
            institution=inst, user__username__in=["leader", "quality", "head", "major", "course", "teacher",
                                                  "counsellor", "student"]).select_related("user").order_by("pk")}
        self.users = {name: m.user for name, m in memberships.items()}
        self.college = memberships["head"].scope               # the first secondary college
        self.major = memberships["major"].scope
        self.course = memberships["course"].scope
        self.teacher = memberships["teacher"].scope
        self.klass = memberships["counsellor"].scope
        self.student = memberships["student"].scope
        self.units = {**self.b.departments, **{u.code: u for u in self.b.colleges}}
        # Names of the department heads who have no account in the demo (the first college's head has one).
        self.head_names = {code: self.b.person_name() for code in sorted(self.units)}
        self.head_names[self.college.code] = self.users["head"].name
        self.points = {p.code: p for p in QCPoint.objects.filter(institution=inst)}
        period = f"{BASELINE}-{BASELINE + 1}"
        self.measured: dict[tuple[str, str], Decimal] = {}
        for code, key, value in (that_count(Measurement.objects.filter(institution=inst, period__code=period))
                                 .filter(value__isnull=False)
                                 .values_list("qc_point__code", "entity_key", "value")):
            self.measured[(code, key)] = value

    # -- plans, goals, observation points and yearly targets ----------------------------------------------
    def build_plans(self) -> None:
        inst, users, units = self.inst, self.users, self.units
        start, end = PLAN_YEARS
        school = {"level": "school", "entity_key": "school"}
        master = Plan.objects.create(
            institution=inst, kind=PlanKind.MASTER, code="ZGH", name="学院“十五五”事业发展规划", start_year=start,
            end_year=end, lead_unit=units["D02"], owner=users["leader"], **school,
            summary="优势：国家级、省级重点专业形成专业群，“双师型”教师比例较高，校企合作基础扎实。\n"
                    "劣势：高层次人才和科研平台不足，信息化与数据治理水平有待提高。\n"
                    "机遇：职业教育“双高计划”和区域数字经济发展。\n"
                    "挑战：生源结构变化，同类院校竞争加剧。\n"
                    "总体目标：到2030年，建成特色鲜明、省内一流的高水平职业技术学院。")
        self.out.plans["ZGH"] = master
        specials = Plan.objects.bulk_create([
            Plan(institution=inst, kind=PlanKind.SPECIAL, code=code, name=f"学院“十五五”{name}", parent=master,
                 start_year=start, end_year=end, lead_unit=units[dept], **school,
                 summary=f"依据学院“十五五”事业发展规划编制，由{units[dept].name}牵头组织实施。")
            for code, name, dept, _goals in SPECIAL_PLANS])
        self.out.plans.update({p.code: p for p in specials})
        head = users["head"]
        subs = Plan.objects.bulk_create([
            Plan(institution=inst, kind=PlanKind.SUB, code=f"ZG-{c.code}", name=f"{c.name}“十五五”发展子规划",
                 parent=master, start_year=start, end_year=end, lead_unit=c, level="unit",
                 entity_key=entity_key("unit", c.pk), unit=c, owner=head if c.pk == self.college.pk else None,
                 summary=f"依据学院总规划和各专项规划，结合{c.name}专业群发展实际编制。")
            for c in self.b.colleges])
        self.out.plans.update({p.code: p for p in subs})
        sub = self.out.plans[f"ZG-{self.college.code}"]
        self.college_majors = [m for m in self.b.majors if m.unit_id == self.college.pk]
        majors = Plan.objects.bulk_create([
            Plan(institution=inst, kind=PlanKind.MAJOR, code=f"ZY-{m.code}", name=f"{m.name}专业建设规划（2026—2030）",
                 parent=sub, start_year=start, end_year=end, lead_unit=self.college, level="major",
                 entity_key=entity_key("major", m.pk), major=m,
                 owner=users["major"] if m.pk == self.major.pk else None,
                 summary=f"对接产业需求，明确{m.name}专业的人才培养定位、建设目标与年度任务。")
            for m in self.college_majors])
        self.out.plans.update({p.code: p for p in majors})
        major_plan = self.out.plans[f"ZY-{self.major.code}"]
        course, teacher, student = self.course, self.teacher, self.student
        cohort = student.cohort
        personal = Plan.objects.bulk_create([
            Plan(institution=inst, kind=PlanKind.COURSE, code=f"KC-{course.code}",
                 name=f"《{course.name}》课程建设规划（2026—2030）", parent=major_plan, start_year=start, end_year=end,
                 lead_unit=self.college, level="course", entity_key=entity_key("course", course.pk), course=course,
                 owner=users["course"], summary="以课程标准建设为基础，推进课程资源、教学方法与考核方式改革。"),
            Plan(institution=inst, kind=PlanKind.CAREER, code=f"JS-{teacher.code}",
                 name=f"{teacher.name}教师职业发展规划（2026—2030）", parent=sub, start_year=start, end_year=end,
                 lead_unit=self.units_by_pk(teacher.unit_id), level="teacher",
                 entity_key=entity_key("teacher", teacher.pk), teacher=teacher, owner=users["teacher"],
                 summary="自我分析：教学经验较丰富，企业实践和科研能力相对薄弱。\n发展方向：“双师型”骨干教师。"),
            # The student's three years; the student graduated in 2026 and nobody closed the plan: chain health
            # lists it as past its period.
            Plan(institution=inst, kind=PlanKind.STUDENT, code=f"XS-{student.code}",
                 name=f"{student.name}学生发展规划（{cohort}—{cohort + 2}）", parent=self.out.plans["ZX03"],
                 start_year=cohort, end_year=cohort + 2, lead_unit=self.college, level="student",
                 entity_key=entity_key("student", student.pk), student=student, owner=users["student"],
                 summary="在辅导员指导下制定：学业、职业技能、综合素质三方面的三年发展目标。"),
        ])
        self.out.plans.update({p.code: p for p in personal})

        # Goals, plan by plan from the top, so that each parent exists before its children.
        self.pending_points: list[tuple[Goal, P, str, tuple[int, ...], int]] = []
        self.add_goals(master, MASTER_GOALS, owner=users["leader"])
        for code, _name, _dept, goals in SPECIAL_PLANS:
            self.add_goals(self.out.plans[code], goals, owner=users["quality"] if code == "ZX07" else None)
        for c in self.b.colleges:
            plan = self.out.plans[f"ZG-{c.code}"]
            self.add_goals(plan, SUB_GOALS, owner=head if c.pk == self.college.pk else None,
                           no_owner={2} if c.pk == self.b.colleges[-1].pk and len(self.b.colleges) > 1 else set())
        for m in self.college_majors:
            self.add_goals(self.out.plans[f"ZY-{m.code}"], MAJOR_GOALS, up=sub.code,
                           owner=users["major"] if m.pk == self.major.pk else None,
                           no_parent={2} if m.pk == self.college_majors[-1].pk else set())
        self.add_goals(self.out.plans[f"KC-{course.code}"], COURSE_GOALS, up=major_plan.code, owner=users["course"])
        self.add_goals(self.out.plans[f"JS-{teacher.code}"], CAREER_GOALS, up=sub.code, owner=users["teacher"])
        years = (cohort, cohort + 1, cohort + 2)
        student_goals = [
            G("学业成绩优良，出勤良好", [P("出勤率", "%", "P01", targets=(96, 97, 98), actual=None)],
              parent=("ZX03", 0)),
            G("取得职业技能等级证书", [P("职业技能等级证书数", "个", targets=(0, 1, 2))], parent=("ZX03", 0)),
        ]
        self.add_goals(self.out.plans[f"XS-{student.code}"], student_goals, owner=users["student"], years=years)
        self.write_points()

    def units_by_pk(self, pk: int):
        return next(u for u in self.units.values() if u.pk == pk)

    def add_goals(self, plan: Plan, specs: list[G], owner=None, up: str | None = None, no_owner=frozenset(),
                  no_parent=frozenset(), years: tuple[int, ...] = ()) -> None:
        """Goals of `plan`; a spec's parent ("SUB", i) / ("MAJOR", i) means goal i of the plan `up`."""
        rows = []
        for i, spec in enumerate(specs):
            parent = None
            if spec.parent and i not in no_parent:
                code, index = spec.parent
                parent = self.out.goals[(up if code in ("SUB", "MAJOR") else code, index)]
            unit = self.units[spec.unit] if spec.unit else plan.lead_unit
            rows.append(Goal(institution=self.inst, plan=plan, parent=parent, code=f"{plan.code}-G{i + 1}",
                             title=spec.title, description=spec.description, order=i + 1,
                             owner_unit=None if i in no_owner else unit, owner=None if i in no_owner else owner))
        for i, goal in enumerate(Goal.objects.bulk_create(rows)):
            self.out.goals[(plan.code, i)] = goal
            for order, point in enumerate(specs[i].points, start=1):
                self.pending_points.append((goal, point, plan.entity_key, years, order))

    def write_points(self) -> None:
        points = ObservationPoint.objects.bulk_create([
            ObservationPoint(institution=self.inst, goal=goal, name=spec.name, unit_label=spec.unit,
                             qc_point=self.points.get(spec.qc) if spec.qc else None, higher_is_better=spec.higher,
                             order=order)
            for goal, spec, _key, _years, order in self.pending_points])
        targets = []
        for point, (_goal, spec, key, years, _order) in zip(points, self.pending_points, strict=True):
            if years:
                # The student's plan: targets for the student's own three (past) years; its typed certificate
                # point deliberately lacks the second year's actual (a target without a measure).
                for n, (year, target) in enumerate(zip(years, spec.targets, strict=True)):
                    if spec.qc and year != BASELINE:
                        continue    # the demo measured the student only in the current year
                    actual = None if spec.qc or n == 1 else Decimal(min(n, 1))
                    targets.append(YearTarget(institution=self.inst, point=point, year=year,
                                              target=Decimal(target), actual=actual))
                continue
            if spec.qc:
                for year, target in self.measured_targets(spec, key):
                    targets.append(YearTarget(institution=self.inst, point=point, year=year, target=target,
                                              note="基线：2025—2026学年测量值" if year == BASELINE else ""))
            else:
                for n, target in enumerate(spec.targets):
                    year = PLAN_YEARS[0] + n
                    actual = Decimal(str(spec.actual)) if n == 0 and spec.actual is not None else None
                    targets.append(YearTarget(institution=self.inst, point=point, year=year,
                                              target=Decimal(str(target)), actual=actual))
        YearTarget.objects.bulk_create(targets, batch_size=500)

    def measured_targets(self, spec: P, key: str) -> list[tuple[int, Decimal]]:
        """Targets of a QC-measured point: the baseline year (the last measured one) near the measured value,
        then a step a year. Some baselines sit a little above the measurement, so not every goal is met."""
        value = self.measured.get((spec.qc, key))
        if value is None:
            point = self.points.get(spec.qc)
            value = point.target if point is not None and point.target is not None else Decimal(0)
        base = float(value) + spec.step * self.rng.choice([-1, 0, 0.5, 1])
        places = 0 if spec.unit in ("元",) else 1
        rows = []
        for n, year in enumerate(range(BASELINE, PLAN_YEARS[1] + 1)):
            v = base + spec.step * n
            if spec.unit == "%":
                v = min(100.0, v)
            rows.append((year, Decimal(f"{max(0.0, v):.{places}f}")))
        return rows

    # -- the year's key tasks --------------------------------------------------------------------------------
    def build_key_tasks(self) -> None:
        inst, units, leader = self.inst, self.units, self.users["leader"]
        college_code = self.college.code   # "X01" at either size: the tables above name it
        tasks = KeyTask.objects.bulk_create([
            KeyTask(institution=inst, year=YEAR, number=n, name=name,
                    goal=self.out.goals[goal] if goal else None, source=source, lead_unit=units[lead],
                    deadline=deadline, measures=measures, expected_results=expected, leader=leader,
                    leader_name=leader.name)
            for n, (name, goal, source, lead, deadline, measures, expected, *_rest) in enumerate(KEY_TASKS, 1)])
        self.out.key_tasks = tasks
        level1 = Indicator.objects.bulk_create([
            Indicator(institution=inst, key_task=task, level=1, content=spec[7][0], category=spec[7][1],
                      unit=units[spec[3]], due=spec[4], order=1)
            for task, spec in zip(tasks, KEY_TASKS, strict=True)])
        level2_rows, level2_specs = [], []
        for task, first, spec in zip(tasks, level1, KEY_TASKS, strict=True):
            for i, (content, unit, due, thirds) in enumerate(spec[8], start=1):
                level2_rows.append(Indicator(institution=inst, key_task=task, parent=first, level=2, content=content,
                                             unit=units[unit], due=due, order=i))
                level2_specs.append(thirds)
        level2 = Indicator.objects.bulk_create(level2_rows)
        level3_rows, self.level3_specs = [], []
        order: dict[int, int] = {}
        for second, thirds in zip(level2, level2_specs, strict=True):
            for content, unit, due, outcome, progress in thirds:
                code = unit
                is_college = code == college_code
                order[second.key_task_id] = order.get(second.key_task_id, 0) + 1
                level3_rows.append(Indicator(
                    institution=inst, key_task=second.key_task, parent=second, level=3, content=content,
                    unit=units[code], head=self.users["head"] if is_college else None,
                    head_name=self.head_names[code], due=due, order=order[second.key_task_id]))
                self.level3_specs.append((outcome, progress))
        self.level3 = Indicator.objects.bulk_create(level3_rows)

    # -- one-page plans, their objectives, tasks, costs and a year of progress ---------------------------------
    def build_one_page_plans(self) -> None:
        inst, users = self.inst, self.users
        college = self.college
        carried: dict[str, list[tuple[Indicator, tuple[str, int]]]] = {}
        task_by_id = {t.pk: t for t in self.out.key_tasks}
        for indicator, spec in zip(self.level3, self.level3_specs, strict=True):
            code = next(c for c, u in self.units.items() if u.pk == indicator.unit_id)
            carried.setdefault(code, []).append((indicator, spec))
        self.task_by_id = task_by_id
        unit_codes = sorted(carried)
        approved_at = datetime.datetime(YEAR, 3, 28, 10, 0, tzinfo=SHANGHAI)
        submitted_at = datetime.datetime(YEAR, 3, 20, 16, 30, tzinfo=SHANGHAI)
        # Most plans approved by the quality office; the international office's still a draft, the estates
        # office's and the course's submitted and waiting.
        status = {"D16": PlanStatus.DRAFT, "D13": PlanStatus.SUBMITTED, "course": PlanStatus.SUBMITTED}

        def one_page(key: str, level: str, entity, name: str, plan: Plan | None, leader, leader_name: str,
                     objective: str, parent: OnePagePlan | None = None) -> OnePagePlan:
            state = status.get(key, PlanStatus.APPROVED)
            return OnePagePlan(
                institution=inst, year=YEAR, level=level, entity_key=entity_key(level, entity.pk),
                **{{"class": "klass"}.get(level, level): entity}, name=name, plan=plan, parent=parent,
                leader=leader, leader_name=leader_name, date=d(3, 15), objective=objective, status=state,
                submitted_at=submitted_at if state != PlanStatus.DRAFT else None,
                approved_by=users["quality"] if state == PlanStatus.APPROVED else None,
                approved_at=approved_at if state == PlanStatus.APPROVED else None)

        unit_plans = []
        for code in unit_codes:
            unit = self.units[code]
            is_college = code == college.code
            plan = self.out.plans[f"ZG-{code}"] if is_college else self.out.plans[UNIT_PLAN[code]]
            unit_plans.append(one_page(
                code, "unit", unit, f"{unit.name}{YEAR}年一页纸工作计划", plan,
                users["head"] if is_college else None, self.head_names[code],
                f"落实学院{YEAR}年度重点工作任务和《{plan.name}》年度目标。"))
        unit_plans = OnePagePlan.objects.bulk_create(unit_plans)
        by_code = dict(zip(unit_codes, unit_plans, strict=True))
        top = by_code[college.code]
        major, course, teacher, klass = self.major, self.course, self.teacher, self.klass
        major_op = OnePagePlan.objects.bulk_create([one_page(
            "major", "major", major, f"{major.name}专业{YEAR}年一页纸工作计划", self.out.plans[f"ZY-{major.code}"],
            users["major"], users["major"].name, "推进专业建设规划年度任务，提升人才培养质量。", parent=top)])[0]
        personal = OnePagePlan.objects.bulk_create([
            one_page("course", "course", course, f"《{course.name}》课程{YEAR}年一页纸工作计划",
                     self.out.plans[f"KC-{course.code}"], users["course"], users["course"].name,
                     "完成课程标准修订和在线课程资源建设，提高课堂教学质量。", parent=major_op),
            one_page("teacher", "teacher", teacher, f"{teacher.name}{YEAR}年职业发展一页纸计划",
                     self.out.plans[f"JS-{teacher.code}"], users["teacher"], users["teacher"].name,
                     "提升教学能力与实践能力，向“双师型”骨干教师发展。", parent=top),
            one_page("class", "class", klass, f"{klass.name}{YEAR}年一页纸工作计划", self.out.plans["ZX03"],
                     users["counsellor"], users["counsellor"].name,
                     "做好毕业班学风建设、毕业设计与就业工作，全班顺利毕业、充分就业。", parent=top),
        ])
        course_op, teacher_op, class_op = personal
        self.out.one_page = {**by_code, "major": major_op, "course": course_op, "teacher": teacher_op,
                             "class": class_op}

        # Objectives: a unit plan's come from the goals of the plan it follows, plus the goal of each key task it
        # carries that those goals do not already reach; the others' from their own plan and the plan above.
        objectives: list[Objective] = []
        unit_goals: dict[str, list[Goal]] = {}
        for code in unit_codes:
            op = by_code[code]
            goals = [g for (plan_code, _i), g in self.out.goals.items() if plan_code == op.plan.code]
            for indicator, _spec in carried[code]:
                goal = task_by_id[indicator.key_task_id].goal
                if goal is not None and not any(g.pk == goal.pk or g.parent_id == goal.pk for g in goals):
                    goals.append(goal)
            # At least three objectives: the master-plan goals above a short list fill it up.
            for g in list(goals):
                if len(goals) < 3 and g.parent is not None and all(x.pk != g.parent.pk for x in goals):
                    goals.append(g.parent)
            unit_goals[code] = goals[:6]
            objectives += [Objective(institution=inst, plan=op, number=n, text=g.title, goal=g)
                           for n, g in enumerate(unit_goals[code], start=1)]
        objectives = Objective.objects.bulk_create(objectives)
        obj_of: dict[int, list[Objective]] = {}
        for o in objectives:
            obj_of.setdefault(o.plan_id, []).append(o)
        top_objectives = obj_of[top.pk]

        def goal_of(code: str, i: int) -> Goal:
            return self.out.goals[(code, i)]

        major_code = f"ZY-{major.code}"
        sub_code = f"ZG-{college.code}"
        major_objs = Objective.objects.bulk_create([
            *(Objective(institution=inst, plan=major_op, number=i + 1, text=goal_of(major_code, i).title,
                        goal=goal_of(major_code, i)) for i in range(3)),
            Objective(institution=inst, plan=major_op, number=4, text="落实学院专业群建设年度任务",
                      parent=top_objectives[0])])
        rows = [
            *(Objective(institution=inst, plan=course_op, number=i + 1, text=goal_of(f"KC-{course.code}", i).title,
                        goal=goal_of(f"KC-{course.code}", i)) for i in range(2)),
            Objective(institution=inst, plan=course_op, number=3, text="支撑专业人才培养质量提升",
                      parent=major_objs[0]),
            *(Objective(institution=inst, plan=teacher_op, number=i + 1, text=goal_of(f"JS-{teacher.code}", i).title,
                        goal=goal_of(f"JS-{teacher.code}", i)) for i in range(3)),
            Objective(institution=inst, plan=teacher_op, number=4, text="服务学院“双师型”教师队伍建设",
                      parent=next(o for o in top_objectives if o.goal_id == goal_of(sub_code, 1).pk)),
            Objective(institution=inst, plan=class_op, number=1, text="班级学风优良，出勤率不低于98%",
                      parent=next(o for o in top_objectives if o.goal_id == goal_of(sub_code, 2).pk)),
            Objective(institution=inst, plan=class_op, number=2, text="毕业生全部落实就业去向",
                      goal=goal_of("ZX03", 0)),
            Objective(institution=inst, plan=class_op, number=3, text="无学生辍学", goal=goal_of("ZX03", 2)),
        ]
        for o in Objective.objects.bulk_create(rows):
            obj_of.setdefault(o.plan_id, []).append(o)
        obj_of[major_op.pk] = list(major_objs)

        # Tasks.
        task_rows: list[PlanTask] = []
        links: list[tuple[int, list[Objective]]] = []   # (index in task_rows, objectives)
        self.schedule: list[tuple[str, int]] = []        # (outcome, progress) per task row

        def add(op: OnePagePlan, unit_id: int, title: str, priority: str, start, due, outcome: str, progress: int,
                objs: list[Objective], owner, owner_name: str, kind=TaskKind.ROUTINE, source=TaskSource.UNIT,
                indicator: Indicator | None = None) -> None:
            number = sum(1 for t in task_rows if t.plan_id == op.pk) + 1
            task_rows.append(PlanTask(
                institution=inst, plan=op, number=number, title=title, unit_id=unit_id, owner=owner,
                owner_name=owner_name, priority=priority, months=list(range(start.month, due.month + 1)),
                start=start, due=due, kind=kind, source=source, indicator=indicator))
            links.append((len(task_rows) - 1, objs))
            self.schedule.append((outcome, progress))

        for code in unit_codes:
            op, unit = by_code[code], self.units[code]
            objs = obj_of[op.pk]
            is_college = code == college.code
            owner = users["head"] if is_college else None
            for indicator, (outcome, progress) in carried[code]:
                key_task = task_by_id[indicator.key_task_id]
                matched = [o for o in objs if key_task.goal_id and key_task.goal_id in (o.goal_id, o.goal.parent_id)]
                start = max(d(1, 15), datetime.date(YEAR, max(1, indicator.due.month - 3), 1))
                add(op, unit.pk, indicator.content, Priority.HIGH, start, indicator.due, outcome, progress,
                    matched[:1] or objs[:1], owner, self.head_names[code], kind=TaskKind.KEY, source=key_task.source,
                    indicator=indicator)
            for title, priority, start, due, outcome, progress, index, has_owner in ROUTINE.get(code, []):
                chosen = [] if index is None else [objs[min(index, len(objs) - 1)]]
                add(op, unit.pk, title, priority, start, due, outcome, progress, chosen,
                    owner if has_owner else None, self.head_names[code] if has_owner else "")
        for op, specs, owner, unit_id in [
                (major_op, MAJOR_TASKS, users["major"], major.unit_id),
                (course_op, COURSE_TASKS, users["course"], course.unit_id),
                (teacher_op, TEACHER_TASKS, users["teacher"], teacher.unit_id),
                (class_op, CLASS_TASKS, users["counsellor"], self.college.pk)]:   # klass.major.unit
            for title, priority, start, due, outcome, progress, indexes in specs:
                add(op, unit_id, title, priority, start, due, outcome, progress,
                    [obj_of[op.pk][i] for i in indexes], owner, owner.name, source=TaskSource.PLAN)

        updates = self.schedule_tasks(task_rows)
        tasks = PlanTask.objects.bulk_create(task_rows, batch_size=500)
        self.out.tasks = tasks
        through = PlanTask.objectives.through
        through.objects.bulk_create([through(plantask_id=tasks[i].pk, objective_id=o.pk)
                                     for i, objs in links for o in objs], batch_size=1000)
        for update in updates:
            update.task = tasks[update.task_index]
        ProgressUpdate.objects.bulk_create(updates, batch_size=1000)
        self.build_costs([*unit_plans, major_op, *personal])
        self.summarise([*unit_plans, major_op, *personal], tasks)

    def schedule_tasks(self, rows: list[PlanTask]) -> list[ProgressUpdate]:
        """Each task's state, progress and completion date as of DEMO_TODAY, and its monthly updates."""
        updates = []
        for index, (task, (outcome, progress)) in enumerate(zip(rows, self.schedule, strict=True)):
            if outcome == "track":
                # On schedule: the elapsed share of the task's span, in fives, never quite finished.
                span = max(1, (task.due - task.start).days)
                progress = min(99, 5 * math.ceil(20 * (DEMO_TODAY - task.start).days / span))
            if outcome == "future" or task.start > DEMO_TODAY:
                task.state, task.progress = TaskState.NOT_STARTED, 0
                continue
            if outcome == "done":
                completed = max(task.start, task.due - datetime.timedelta(days=self.rng.randint(0, 9)))
                task.state, task.progress, task.completed_on = TaskState.DONE, 100, completed
                last = completed.month
            else:
                task.state, task.progress = TaskState.IN_PROGRESS, progress
                last = DEMO_TODAY.month if outcome == "late" else min(task.due.month, DEMO_TODAY.month)
            months = list(range(task.start.month, last + 1))
            for n, month in enumerate(months, start=1):
                value = task.progress if n == len(months) else 5 * round(task.progress * n / len(months) / 5)
                reporter = task.owner
                note = NOTES[outcome] if n == len(months) else "按计划推进"
                updates.append(ProgressUpdate(institution=self.inst, year=YEAR, month=month, progress=value,
                                              note=note, reported_by=reporter))
                updates[-1].task_index = index
        return updates

    def build_costs(self, plans: list[OnePagePlan]) -> None:
        """Costs by budget line (seed 002 表3): 部门一般公用经费, 培训经费 and the plan's own line, in 万元."""
        special = {"unit": "专项建设经费", "major": "实训基地建设经费", "course": "课程建设经费",
                   "teacher": "教师企业实践经费", "class": "班级活动经费"}
        rows = []
        for op in plans:
            scale = 1.0 if op.level == "unit" else 0.1
            for line, low, high in [("部门一般公用经费", 5, 20), ("培训经费", 2, 8), (special[op.level], 10, 60)]:
                amount = round(self.rng.uniform(low, high) * scale * 2) / 2 or 0.5
                spent = round(amount * self.rng.uniform(0.5, 0.95), 2)
                rows.append(Cost(institution=self.inst, plan=op, budget_line=line, amount=Decimal(f"{amount:.2f}"),
                                 spent=Decimal(f"{spent:.2f}")))
        Cost.objects.bulk_create(rows)

    def summarise(self, plans: list[OnePagePlan], tasks: list[PlanTask]) -> None:
        """概述与预测: where each plan stands on DEMO_TODAY."""
        by_plan: dict[int, list[PlanTask]] = {}
        for t in tasks:
            by_plan.setdefault(t.plan_id, []).append(t)
        for op in plans:
            mine = by_plan.get(op.pk, [])
            done = sum(1 for t in mine if t.state == TaskState.DONE)
            late = sum(1 for t in mine if t.state != TaskState.DONE and t.due and t.due < DEMO_TODAY)
            op.summary = (f"截至{DEMO_TODAY.month}月{DEMO_TODAY.day}日，计划任务{len(mine)}项，已完成{done}项"
                          + (f"，逾期未完成{late}项，已制定补救措施" if late else "，其余按计划推进")
                          + "；预计年底前完成年度目标。")
        OnePagePlan.objects.bulk_update(plans, ["summary"])

    # -- PDCA records and the performance scheme ----------------------------------------------------------
    def build_records_and_scheme(self) -> None:
        inst, users = self.inst, self.users
        tasks = self.out.tasks
        plans = self.out.one_page
        quality = users["quality"]

        def find(plan_key: str, title: str) -> PlanTask:
            return next(t for t in tasks if t.plan_id == plans[plan_key].pk and t.title == title)

        teacher_name = users["teacher"].name
        specs = [
            (find(self.college.code, "修订软件技术专业群人才培养方案并通过论证"), users["head"],
             "完成专业群人才培养方案修订并通过专家论证", "《专业人才培养方案制订与实施工作的指导意见》",
             "达成度100%：方案按期通过论证；存在问题：企业参与课程体系设计的深度不够。",
             "下一轮修订前组织合作企业专家参与课程体系论证。", "尚未实施",
             [("开展行业企业调研并形成调研报告", "专业群负责人", "专业调研报告", "调研报告1份", WorkResult.MET),
              ("修订人才培养方案并组织专家论证", "信息工程学院", "论证会议纪要", "方案通过论证", WorkResult.MET),
              ("提交教务处审定备案", "信息工程学院教学办", "审定意见", "已备案", WorkResult.MET)]),
            (find("D03", "3月底前完成各部门一页纸工作计划报表，覆盖率100%"), quality,
             "各部门3月底前完成一页纸工作计划报表", "一页纸任务与目标匹配准确，差错率小于5%",
             "达成度100%：覆盖率100%；存在问题：个别部门任务与目标对应不清。",
             "开展一页纸编制专题培训，增加平台校验。", "第二轮校验后差错率降至3%",
             [("组织一页纸工作计划编制培训", "质量管理办公室", "培训签到表", "培训1次", WorkResult.MET),
              ("审核各部门一页纸工作计划报表", "质量管理办公室", "审核记录", "部分部门退回修改", WorkResult.PARTLY)]),
            (find("teacher", "参加省级教学能力比赛"), users["teacher"],
             "参加省级教学能力比赛并获奖", "比赛规程及学院教师教学能力标准",
             "达成度80%：获省级三等奖；存在问题：信息化教学设计有待加强。",
             "参加信息化教学专题培训，听评课不少于10次。", "尚未实施",
             [("完成参赛教学设计与视频录制", teacher_name, "参赛作品", "参赛作品1套",
               WorkResult.MET),
              ("参加校赛选拔与省赛", teacher_name, "获奖证书", "省级三等奖", WorkResult.PARTLY)]),
        ]
        records = TaskRecord.objects.bulk_create([
            TaskRecord(institution=inst, task=task, goal_text=goal, standard_text=standard, opinion=opinion,
                       measures=measures, effects=effects, updated_by=author)
            for task, author, goal, standard, opinion, measures, effects, _items in specs])
        items = []
        for record, (task, *_rest, entries) in zip(records, specs, strict=True):
            for n, (content, executor, record_name, result, state) in enumerate(entries, start=1):
                items.append(RecordItem(institution=inst, record=record, number=n, content=content,
                                        executor=executor, record_name=record_name, result=result,
                                        result_state=state, deadline=task.due, review_opinion="符合要求" if
                                        state == WorkResult.MET else "基本符合，需持续改进", reviewed_by=quality))
        RecordItem.objects.bulk_create(items)
        PerformanceScheme.objects.create(
            institution=inst, year=YEAR, task_weight=50, qc_weight=30, improvement_weight=20,
            note="任务完成情况占50%，质控点达标占30%，整改闭环占20%；与部门年度绩效考核挂钩。")


def build_goal_chain(builder: Any) -> Built:
    """Write the demo college's goal chain (see the module's docstring)."""
    return GoalChainBuilder(builder).build()
