"""The forecast rule of 改进效果, in one place for the improvement loop and the self-diagnosis reports alike.

Seeds 003 附件4 note 4 and 004 附件2 note 4 define an effect as "实施改进措施之后已经显现的实际效果，不是预测或
估计成效". Chinese has no spaces, so each forecast word is looked for as a whole substring; phrases that contain
one but report what was observed ("复测达标，达到预期"; "争取到专项经费") are taken out first, so a factual
sentence is not refused. Pure functions, no database: `reports.rules` calls them too.
"""

from __future__ import annotations

# Words that make a sentence a forecast or an estimate, not an observation.
FORECAST_WORDS = ("预计", "预期", "预测", "预估", "估计", "将会", "有望", "可望", "力争", "争取", "计划将", "期望")
# Phrases containing one of those words that report an observation.
FACTUAL_PHRASES = ("未达到预期", "达到预期", "未达预期", "超过预期", "超出预期", "好于预期", "低于预期", "争取到")

SEED_RULE = "实施改进措施之后已经显现的实际效果，不是预测或估计成效"


def forecast_word(text: str) -> str | None:
    """The first forecast word in `text`, or None when the text reads as an observation."""
    cleaned = text or ""
    for phrase in FACTUAL_PHRASES:
        cleaned = cleaned.replace(phrase, "")
    for word in FORECAST_WORDS:
        if word in cleaned:
            return word
    return None


def forecast_problem(text: str) -> str | None:
    """Why `text` cannot stand as an effect (quoting the seed), or None when it may."""
    word = forecast_word(text)
    if word is None:
        return None
    return (f"改进效果应填写“{SEED_RULE}”（诊改报告填写说明第4条）；文中有“{word}”，"
            "读来是预测或估计。措施尚未见效的，请如实写明尚未见效或尚未实施")
