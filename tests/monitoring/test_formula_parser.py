from __future__ import annotations

from decimal import Decimal

import pytest

from zhengai.monitoring import formula as fl


def test_parses_chinese_names_precedence_functions_and_fullwidth():
    tree = fl.parse("（就业数 + 1）× 2 / max(毕业生数, 1) - abs(-3)")
    assert fl.evaluate_tree(tree, {"就业数": Decimal(9), "毕业生数": Decimal(4)}) == Decimal(2)
    assert fl.measure_names("就业数 / 毕业生数 * 100") == ["就业数", "毕业生数"]
    assert fl.evaluate_tree(fl.parse("2 + 3 * 4"), {}) == 14
    assert fl.evaluate_tree(fl.parse("就业数 / 毕业生数"), {"就业数": Decimal(1), "毕业生数": Decimal(0)}) is None


@pytest.mark.parametrize("text, message", [
    ("", "公式为空"),
    ("就业数 +", "第6个字符处：公式不完整"),
    ("(就业数 / 毕业生数", "这里应为“)”"),
    ("就业数 ** 2", "第6个字符处：这里不能出现“*”"),
    ("就业数 # 2", "第5个字符处：不能识别的字符“#”"),
    ("sqrt(就业数)", "未知的函数“sqrt”"),
    ("abs(就业数, 1)", "函数abs只接受一个参数"),
    ("就业数 毕业生数", "多余的“毕业生数”"),
    ("2就业数", "数字后面不能紧跟名称"),
])
def test_bad_text_is_refused_with_a_chinese_message_naming_the_position(text, message):
    with pytest.raises(fl.FormulaError) as exc:
        fl.parse(text)
    assert message in str(exc.value)


def test_unknown_measure_and_wrong_level_are_named():
    with pytest.raises(fl.FormulaError, match="第7个字符处：未知的度量“不存在的数”"):
        fl.check("就业数 / 不存在的数", "major")
    with pytest.raises(fl.FormulaError, match="度量“折合在校生数”不能用于该层面"):
        fl.check("折合在校生数", "major")


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch /tmp/zhengai-pwned')",
    "open('/etc/passwd').read()",
    "(lambda: 1)()",
    "就业数.__class__",
    "[x for x in ()]",
])
def test_python_is_never_evaluated(text):
    with pytest.raises(fl.FormulaError):
        fl.check(text, "school")


def test_deep_nesting_and_long_text_are_refused():
    with pytest.raises(fl.FormulaError, match="嵌套过深"):
        fl.parse("(" * 200 + "1" + ")" * 200)
    with pytest.raises(fl.FormulaError, match="过长"):
        fl.parse("1+" * 600 + "1")
