"""The questionnaires a service installs as drafts (services.template_install). Each is data: sections, and
questions with their options; a question a template's indicators read has a `key`, and an option they count a
`tag`, so a college may reword a copy without breaking its indicators.

Sources: the graduate follow-up's destinations and indicators, the employer judgement and the satisfaction
rule are those of the annual-report reference (§4.1, §4.2; state-data table A7-6-3); the in-school
satisfaction areas follow the 学生反馈表 rows (思政课/公共基础课/专业课 teaching, 课外育人, 学生管理, 后勤服务);
the self-diagnosis questionnaire is built on the student-level diagnosis points of the college's own 诊改
plan (学生层面诊断点: 政治表现、道德品质、学习态度、学习成绩、操作技能、创新素质、身体素质、运动能力、人际关系、
交流能力、学生各类获奖), which gives the points but no items: the items and the five-step self-rating are ours.
"""

from __future__ import annotations

from typing import Any

from .choices import Audience, Counts, QuestionKind, Template

S, D, X = Counts.SATISFIED.value, Counts.DISSATISFIED.value, Counts.EXCLUDED.value


def scale(*items: tuple[str, int | None, str]) -> list[dict[str, Any]]:
    return [{"label": label, "score": score, "counts": counts} for label, score, counts in items]


# The default five-point satisfaction scale; 基本满意 counts as satisfied (A7-6-3 counts 满意或基本满意 together).
LIKERT5 = scale(("很满意", 5, S), ("满意", 4, S), ("基本满意", 3, S), ("不满意", 2, D), ("很不满意", 1, D))
# With the reference's "cannot judge": excluded from satisfied ÷ (satisfied + dissatisfied) and from averages.
LIKERT5_NA = [*LIKERT5, {"label": "无法评估", "score": None, "counts": X}]
# The workbook's employer judgement (A7-6-3): 满意或基本满意 / 一般 / 不满意; 一般 counts against satisfaction,
# as 雇主满意度 = 满意或基本满意 ÷ (满意 + 一般 + 不满意).
EMPLOYER_SCALE = [
    {"label": "满意", "score": 4, "counts": S, "tag": "ok"},
    {"label": "基本满意", "score": 3, "counts": S, "tag": "ok"},
    {"label": "一般", "score": 2, "counts": D, "tag": "fair"},
    {"label": "不满意", "score": 1, "counts": D, "tag": "bad"},
    {"label": "无法评估", "score": None, "counts": X},
]
SELF_SCALE = scale(("优秀", 5, X), ("良好", 4, X), ("中等", 3, X), ("合格", 2, X), ("待改进", 1, X))


def options(*labels: str, tags: dict[str, str] | None = None) -> list[dict[str, Any]]:
    return [{"label": label, **({"tag": tags[label]} if tags and label in tags else {})} for label in labels]


def q(kind: str, text: str, *, required: bool = True, help: str = "", opts: list[dict[str, Any]] | None = None,
      rows: list[str] | None = None, key: str = "") -> dict[str, Any]:
    return {"kind": kind, "text": text, "required": required, "help": help, "options": opts or [],
            "rows": rows or [], "key": key}


# Destinations half a year after graduation (reference §4.1): employed = 受雇全职 + 受雇半职 + 自主创业; those
# preparing for further-study exams leave the base of 就业率.
STATUS = options(
    "受雇全职工作", "受雇半职工作", "自主创业", "升学（专升本、国内读研）", "出国（境）留学", "准备升学考试",
    "未就业，正在求职", "暂不就业",
    tags={"受雇全职工作": "fulltime", "受雇半职工作": "parttime", "自主创业": "self", "准备升学考试": "preparing"})

GRADUATE = {
    "title": "毕业生跟踪调查（毕业半年后）",
    "description": "本调查了解您毕业半年来的就业和发展情况，结果只用于学校改进人才培养工作。约需 5 分钟。",
    "audience": Audience.GRADUATES, "anonymous": True,
    "sections": [
        {"title": "就业情况", "questions": [
            q(QuestionKind.SINGLE, "您目前的状态是", opts=STATUS, key="status"),
            q(QuestionKind.NUMBER, "您目前的月收入（元，税前）", required=False, key="income",
              help="已就业（受雇或自主创业）者填写；包括工资、奖金、津贴等全部收入"),
            q(QuestionKind.SINGLE, "您目前的工作与所学专业是否相关", required=False, key="related",
              opts=options("相关", "不相关", tags={"相关": "yes", "不相关": "no"}), help="受雇全职工作者填写"),
            q(QuestionKind.SINGLE, "您目前的工作是否符合您的职业期待", required=False, key="fit",
              opts=options("符合", "不符合", tags={"符合": "yes", "不符合": "no"}), help="已就业者填写"),
            q(QuestionKind.SINGLE, "毕业后半年内，您是否有过离职", key="left",
              opts=options("没有离职", "主动离职", "被雇主解职", "两者都有", "毕业后未工作过",
                           tags={"没有离职": "stayed", "主动离职": "left", "被雇主解职": "left", "两者都有": "left"})),
            q(QuestionKind.LIKERT, "您对目前就业现状的满意程度", required=False, opts=LIKERT5_NA,
              key="job_satisfaction", help="已就业者填写"),
        ]},
        {"title": "对母校的评价", "questions": [
            q(QuestionKind.LIKERT, "您对母校的总体满意程度", opts=LIKERT5_NA, key="alma_mater"),
            q(QuestionKind.MATRIX, "您对母校以下方面的满意程度", opts=LIKERT5_NA,
              rows=["课程教学", "实习实训", "教师水平", "学生工作", "生活服务", "就业指导"]),
            q(QuestionKind.SINGLE, "您是否愿意推荐亲友报考母校", opts=options("愿意", "不愿意", "不确定")),
            q(QuestionKind.TEXT, "您对母校人才培养工作的建议", required=False),
        ]},
    ],
}

EMPLOYER = {
    "title": "用人单位满意度调查",
    "description": "感谢贵单位录用我校毕业生。请对我校毕业生的表现作出评价，结果只用于学校改进人才培养工作。",
    "audience": Audience.EMPLOYERS, "anonymous": False,
    "sections": [
        {"title": "单位信息", "questions": [
            q(QuestionKind.SINGLE, "贵单位的性质", opts=options("国有企业", "民营企业", "外资企业", "机关事业单位",
                                                           "其他")),
            q(QuestionKind.NUMBER, "近三年录用我校毕业生人数", required=False),
        ]},
        {"title": "对毕业生的评价", "questions": [
            q(QuestionKind.MATRIX, "请评价我校毕业生以下方面的表现", opts=LIKERT5_NA,
              rows=["职业道德", "专业知识", "专业技能", "学习能力", "沟通与团队协作", "创新能力"]),
            q(QuestionKind.LIKERT, "贵单位对我校毕业生的总体评价", opts=EMPLOYER_SCALE, key="employer_overall"),
            q(QuestionKind.SINGLE, "是否愿意继续录用我校毕业生", opts=options("愿意", "不愿意", "不确定")),
            q(QuestionKind.TEXT, "对我校人才培养的意见和建议", required=False),
        ]},
    ],
}

STUDENT_SATISFACTION = {
    "title": "在校生满意度调查",
    "description": "请根据本学年的亲身感受作答。问卷匿名，任何人都看不到您的答卷。",
    "audience": Audience.STUDENTS, "anonymous": True,
    "sections": [
        {"title": "教学", "questions": [
            q(QuestionKind.MATRIX, "您对以下课程教学的满意程度", opts=LIKERT5_NA, key="teaching",
              rows=["思想政治理论课", "公共基础课", "专业课", "实习实训"]),
        ]},
        {"title": "管理", "questions": [
            q(QuestionKind.MATRIX, "您对以下管理工作的满意程度", opts=LIKERT5_NA, key="management",
              rows=["学生管理", "教学管理", "课外育人活动", "校园安全"]),
        ]},
        {"title": "服务", "questions": [
            q(QuestionKind.MATRIX, "您对以下服务的满意程度", opts=LIKERT5_NA, key="service",
              rows=["食堂", "宿舍", "图书馆", "心理咨询", "就业指导", "资助服务"]),
        ]},
        {"title": "总体评价", "questions": [
            q(QuestionKind.LIKERT, "您对学校的总体满意程度", opts=LIKERT5_NA, key="overall"),
            q(QuestionKind.TEXT, "您最希望学校改进的一件事", required=False),
        ]},
    ],
}

SELF_DIAGNOSIS = {
    "title": "学生自我诊断问卷",
    "description": "对照学生发展标准，对本学期的自己作一次诊断：先自评各方面，再写下要改进的地方和措施。",
    "audience": Audience.STUDENTS, "anonymous": False,
    "sections": [
        {"title": "思想品德", "questions": [
            q(QuestionKind.MATRIX, "请自评以下方面", opts=SELF_SCALE, rows=["政治表现", "道德品质"]),
        ]},
        {"title": "学业与技能", "questions": [
            q(QuestionKind.MATRIX, "请自评以下方面", opts=SELF_SCALE,
              rows=["学习态度", "学习成绩", "操作技能", "创新素质"]),
        ]},
        {"title": "身心与交往", "questions": [
            q(QuestionKind.MATRIX, "请自评以下方面", opts=SELF_SCALE,
              rows=["身体素质", "运动能力", "人际关系", "交流能力"]),
        ]},
        {"title": "获奖", "questions": [
            q(QuestionKind.NUMBER, "本学期获得各类奖励的次数", required=False),
            q(QuestionKind.TEXT, "获奖名称与级别", required=False),
        ]},
        {"title": "诊断与改进", "questions": [
            q(QuestionKind.MULTIPLE, "本学期您认为最需要改进的方面（可多选）",
              opts=options("思想品德", "学习态度", "学习成绩", "操作技能", "创新素质", "身体素质", "人际交往")),
            q(QuestionKind.TEXT, "存在的主要问题及原因"),
            q(QuestionKind.TEXT, "下学期的改进措施"),
        ]},
    ],
}

TEMPLATES: dict[str, dict[str, Any]] = {
    Template.GRADUATE: GRADUATE, Template.EMPLOYER: EMPLOYER,
    Template.STUDENT_SATISFACTION: STUDENT_SATISFACTION, Template.SELF_DIAGNOSIS: SELF_DIAGNOSIS,
}
