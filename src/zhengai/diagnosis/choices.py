from django.db import models


class DiagnosisKind(models.TextChoices):
    """诊断类型 (seed 003 §三(一)4, §四(二))."""

    SELF = "self", "自主诊断"
    IMPROVEMENT = "improvement", "改进性诊断"
    ASSESSMENT = "assessment", "考核性诊断"
    COMPREHENSIVE = "comprehensive", "综合性诊断"


class Frequency(models.TextChoices):
    """诊断周期."""

    MONTH = "month", "每月"
    SEMESTER = "semester", "每学期"
    YEAR = "year", "每年"
    THREE_YEARS = "three_years", "每三年"


class Gate(models.TextChoices):
    """What a stage demands before the cycle may pass it (enforced by the cycle service)."""

    NONE = "", "无"
    MEASUREMENTS = "measurements", "需有本期测量结果"
    IMPROVEMENTS = "improvements", "预警或不达标的质控点均需记录改进"


class StepOutput(models.TextChoices):
    """What passing a stage must leave behind — what the seed says the step produces, so that a year's loop
    is a record of work and not ten clicks."""

    EVIDENCE = "evidence", "证据（文件或链接）"
    FINDING = "finding", "诊断发现"
    IMPROVEMENT = "improvement", "改进措施"
    CONFIRM = "confirm", "确认即可"


class StageScheme(models.TextChoices):
    """Built-in stage lists an institution starts from (it may then rename, reorder and add)."""

    SEED003 = "seed003", "目标-标准-计划-组织-实施-诊断-激励-学习-创新-改进（十步）"
    SEED001 = "seed001", "目标-标准-运行-诊断-改进（五步）"


# The stages of each scheme with their gates. Seed 003 §一 line 92 names the ten steps (its 计划 is the
# issue's 设计); seed 001 §五(三) names the five.
SCHEMES = {
    StageScheme.SEED003: [("目标", ""), ("标准", ""), ("计划", ""), ("组织", ""), ("实施", ""),
                          ("诊断", Gate.MEASUREMENTS), ("激励", ""), ("学习", ""), ("创新", ""),
                          ("改进", Gate.IMPROVEMENTS)],
    StageScheme.SEED001: [("目标", ""), ("标准", ""), ("运行", ""), ("诊断", Gate.MEASUREMENTS),
                          ("改进", Gate.IMPROVEMENTS)],
}


# What each built-in step produces (seed 003 §二(二), §四; seed 001 §五(三)): 目标, 标准 and 计划 produce
# documents (the goals, the standards, the plan); 实施/运行 the records of the work, 学习 the training
# records and 创新 the new measures, each a file or a link; 诊断 produces the diagnosis findings; 改进 the
# improvement actions. 组织 (the people and bodies in place) and 激励 (the incentive rules applied) are
# confirmed by the owner. A step the institution adds asks for evidence unless the quality office says otherwise.
STAGE_OUTPUTS = {"目标": StepOutput.EVIDENCE, "标准": StepOutput.EVIDENCE, "计划": StepOutput.EVIDENCE,
                 "组织": StepOutput.CONFIRM, "实施": StepOutput.EVIDENCE, "运行": StepOutput.EVIDENCE,
                 "诊断": StepOutput.FINDING, "激励": StepOutput.CONFIRM, "学习": StepOutput.EVIDENCE,
                 "创新": StepOutput.EVIDENCE, "改进": StepOutput.IMPROVEMENT}


class CycleState(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已完成"


class ImprovementKind(models.TextChoices):
    """渐进式 / 突破性 improvement (seed 003 §三(一)4)."""

    INCREMENTAL = "incremental", "渐进式"
    BREAKTHROUGH = "breakthrough", "突破性"


class ImprovementState(models.TextChoices):
    PLANNED = "planned", "待实施"
    IN_PROGRESS = "in_progress", "实施中"
    EFFECTIVE = "effective", "已见效（数据验证）"
    INEFFECTIVE = "ineffective", "未见效"
    NOT_CARRIED_OUT = "not_carried_out", "尚未实施"
