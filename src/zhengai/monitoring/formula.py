"""The formula language of QC points: arithmetic over measure names.

    formula  := sum
    sum      := product (("+" | "-") product)*
    product  := unary (("*" | "/") unary)*
    unary    := ("-" | "+") unary | atom
    atom     := NUMBER | NAME | NAME "(" sum ("," sum)* ")" | "(" sum ")"

NAME is a measure of `measures.REGISTRY` (Chinese allowed) or, before "(", one of the functions min, max,
abs. A hand-written tokenizer and recursive-descent parser: user text is never given to eval or Python's ast.
`compile_for` turns the tree into Django expressions: the measures over one table are aggregated in one
GROUP BY per entity of the level and that derived table is joined to the entities, so one query computes the
formula for every entity of a level and reads each table once (not once per entity and measure, which made
a term of attendance take minutes).
"""

from __future__ import annotations

import copy
import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    DateField,
    DateTimeField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Q,
    Value,
)
from django.db.models.functions import Abs, Cast, Coalesce, Greatest, Least, NullIf, TruncMonth
from django.db.models.sql.constants import LOUTER
from django.utils import timezone

from . import measures

FUNCTIONS = {"min": 2, "max": 2, "abs": 1}   # minimum number of arguments (abs takes exactly one)
MAX_LENGTH = 1000
MAX_DEPTH = 50


class FormulaError(ValidationError):
    """A formula that cannot be read or used; the message says where and why, in Chinese."""

    def __init__(self, message: str, position: int | None = None):
        self.position = position
        text = f"第{position + 1}个字符处：{message}" if position is not None else message
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


# ---- tokens --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    kind: str          # "num" | "name" | "op" | "end"
    text: str
    pos: int


_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
# A name: letters (any script, so Chinese), digits and underscores, not starting with a digit; full-width
# brackets inside names are not allowed, so names stay plain words.
_NAME = re.compile(r"[^\W\d]\w*")
_FULLWIDTH = str.maketrans({"（": "(", "）": ")", "，": ",", "＋": "+", "－": "-", "×": "*", "＊": "*",
                            "÷": "/", "／": "/", "　": " "})


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"公式过长（不超过{MAX_LENGTH}个字符）")
    text = text.translate(_FULLWIDTH)
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "+-*/(),":
            tokens.append(Token("op", ch, i))
            i += 1
            continue
        m = _NUMBER.match(text, i)
        if m:
            end = m.end()
            if end < len(text) and (text[end].isalpha() or text[end] == "_"):
                raise FormulaError(f"数字后面不能紧跟名称“{text[i:end + 1]}”", i)
            tokens.append(Token("num", m.group(), i))
            i = end
            continue
        m = _NAME.match(text, i)
        if m:
            tokens.append(Token("name", m.group(), i))
            i = m.end()
            continue
        raise FormulaError(f"不能识别的字符“{ch}”", i)
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---- tree ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Num:
    value: Decimal


@dataclass(frozen=True)
class Ref:
    name: str
    pos: int


@dataclass(frozen=True)
class Neg:
    operand: Any


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple
    pos: int


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        if self.tok.text != text or self.tok.kind != "op":
            found = f"“{self.tok.text}”" if self.tok.kind != "end" else "公式结尾"
            raise FormulaError(f"这里应为“{text}”，却是{found}", self.tok.pos)
        self.take()

    def parse(self) -> Any:
        if self.tok.kind == "end":
            raise FormulaError("公式为空")
        node = self.sum()
        if self.tok.kind != "end":
            raise FormulaError(f"多余的“{self.tok.text}”", self.tok.pos)
        return node

    def sum(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError("公式嵌套过深", self.tok.pos)
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take().text
            node = BinOp(op, node, self.product())
        self.depth -= 1
        return node

    def product(self) -> Any:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.take().text
            node = BinOp(op, node, self.unary())
        return node

    def unary(self) -> Any:
        if self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take().text
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FormulaError("公式嵌套过深", self.tok.pos)
            operand = self.unary()
            self.depth -= 1
            return Neg(operand) if op == "-" else operand
        return self.atom()

    def atom(self) -> Any:
        tok = self.tok
        if tok.kind == "num":
            self.take()
            return Num(Decimal(tok.text))
        if tok.kind == "name":
            self.take()
            if self.tok.kind == "op" and self.tok.text == "(":
                return self.call(tok)
            return Ref(tok.text, tok.pos)
        if tok.kind == "op" and tok.text == "(":
            self.take()
            node = self.sum()
            self.expect(")")
            return node
        if tok.kind == "end":
            raise FormulaError("公式不完整：结尾缺少数字、度量名称或右括号", tok.pos)
        raise FormulaError(f"这里不能出现“{tok.text}”", tok.pos)

    def call(self, name: Token) -> Any:
        function = name.text.lower()
        if function not in FUNCTIONS:
            raise FormulaError(f"未知的函数“{name.text}”（可用：min、max、abs）", name.pos)
        self.expect("(")
        args = [self.sum()]
        while self.tok.kind == "op" and self.tok.text == ",":
            self.take()
            args.append(self.sum())
        self.expect(")")
        if function == "abs" and len(args) != 1:
            raise FormulaError("函数abs只接受一个参数", name.pos)
        if len(args) < FUNCTIONS[function]:
            raise FormulaError(f"函数{function}至少需要{FUNCTIONS[function]}个参数", name.pos)
        return Call(function, tuple(args), name.pos)


def parse(text: str) -> Any:
    """The formula's tree; FormulaError with the position for anything it cannot read."""
    return _Parser(tokenize(text or "")).parse()


def refs(node: Any) -> list[Ref]:
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, Neg):
        return refs(node.operand)
    if isinstance(node, BinOp):
        return refs(node.left) + refs(node.right)
    if isinstance(node, Call):
        return [r for a in node.args for r in refs(a)]
    return []


def measure_names(text: str) -> list[str]:
    """The measures a formula uses, in order of first use."""
    return list(dict.fromkeys(r.name for r in refs(parse(text))))


def check(text: str, level: str) -> list[str]:
    """Parse and check every name against the registry and the level; the names used."""
    tree = parse(text)
    for ref in refs(tree):
        measure = measures.get(ref.name)
        if measure is None:
            raise FormulaError(f"未知的度量“{ref.name}”", ref.pos)
        if level not in measure.paths:
            raise FormulaError(f"度量“{ref.name}”不能用于该层面（可用于：{'、'.join(_level_labels(measure))}）",
                               ref.pos)
    return list(dict.fromkeys(r.name for r in refs(tree)))


def _level_labels(measure: measures.Measure) -> list[str]:
    from zhengai.standards.choices import Level

    return [Level(level).label for level in measure.paths]


def evaluate_tree(node: Any, values: dict[str, Decimal | None]) -> Decimal | None:
    """The formula over known measure values, in Python (for showing how a stored value follows from its
    inputs); NULL in → NULL out, division by zero → NULL, as in the database."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Ref):
        v = values.get(node.name)
        return None if v is None else Decimal(str(v))
    if isinstance(node, Neg):
        v = evaluate_tree(node.operand, values)
        return None if v is None else -v
    if isinstance(node, Call):
        args = [evaluate_tree(a, values) for a in node.args]
        if any(a is None for a in args):
            return None
        return abs(args[0]) if node.function == "abs" else (min if node.function == "min" else max)(args)
    left, right = evaluate_tree(node.left, values), evaluate_tree(node.right, values)
    if left is None or right is None:
        return None
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    return None if right == 0 else left / right


# ---- compiling to the ORM -------------------------------------------------------------------------------

FLOAT = FloatField()
# The source columns of a grouped table (their names carry no underscore: see sources_of).
SOURCE_AT, SOURCE_IMPORT, SOURCE_START = "zsat", "zsimp", "zsstart"
SOURCE_FIELDS = {SOURCE_AT: DateTimeField(), SOURCE_IMPORT: IntegerField(), SOURCE_START: DateField()}


class _GroupedRows:
    """The rows of one table for one level and period basis, aggregated once per entity of the level: every
    measure of the formula over that table is a column of one GROUP BY (its own filter inside the aggregate,
    `COUNT(…) FILTER (WHERE …)`), so the table is read once per query, whatever the number of entities."""

    def __init__(self, name: str, model: type, path: str, rows_filter: Q):
        self.name, self.model, self.path, self.rows_filter = name, model, path, rows_filter
        self.columns: dict[str, measures.Measure] = {}

    def column(self, measure: measures.Measure) -> str:
        for column, known in self.columns.items():
            if known.name == measure.name:
                return column
        column = f"m{len(self.columns)}"
        self.columns[column] = measure
        return column

    def source_columns(self) -> dict[str, Any]:
        """How new the rows feeding the measures are, as three more columns of the same GROUP BY: the newest
        import that brought or changed one (time and id: ids grow with time) and the latest period start.
        Only the rows some measure reads (the OR of their filters), so a row no measure counts is no input."""
        filters = [m.filter for m in self.columns.values()]
        reads = None if not filters or any(not f for f in filters) else Q()
        if reads is not None:
            for f in filters:
                reads |= f
        extra = {"filter": reads} if reads else {}
        # A teaching-process row's own period is the month of its date (a lesson of April belongs to April,
        # which began after a measure started in March), finer than the semester it is filed under.
        date_field = getattr(self.model, "date_field", "")
        start = TruncMonth(date_field, output_field=DateField()) if date_field else F("period__start")
        out = {SOURCE_START: Max(start, **extra)}
        if any(f.name == "last_import" for f in self.model._meta.get_fields()):
            out[SOURCE_AT] = Max("last_import__at", **extra)
            out[SOURCE_IMPORT] = Max("last_import_id", **extra)
        return out

    def queryset(self) -> Any:
        return (self.model.objects.filter(self.rows_filter).order_by().annotate(zk=F(self.path)).values("zk")
                .annotate(**{c: m.aggregate_expression(filtered=True) for c, m in self.columns.items()},
                          **self.source_columns()))


class _GroupedJoin:
    """`LEFT OUTER JOIN (<the grouped rows>) alias ON alias.zk = entity.pk`, an entry of the outer query's
    alias_map (the interface of django.db.models.sql.datastructures.Join that the query and its compiler use).
    An entity without rows gets NULL, as a scalar subquery over no rows did."""

    join_type = LOUTER
    nullable = True
    filtered_relation = None

    def __init__(self, group: _GroupedRows, parent_alias: str, parent_column: str):
        self.group = group
        self.table_name = group.name
        self.parent_alias = parent_alias
        self.parent_column = parent_column
        self.table_alias: str | None = None

    @property
    def identity(self) -> tuple:
        return self.__class__, id(self.group), self.parent_alias, self.parent_column

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _GroupedJoin):
            return NotImplemented
        return self.identity == other.identity

    def __hash__(self) -> int:
        return hash(self.identity)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        sql, params = self.group.queryset().query.get_compiler(connection=connection).as_sql()
        qn = compiler.quote_name_unless_alias
        alias = qn(self.table_alias)
        return (f"LEFT OUTER JOIN ({sql}) {alias} ON ({alias}.{qn('zk')} = "
                f"{qn(self.parent_alias)}.{qn(self.parent_column)})"), list(params)

    def relabeled_clone(self, change_map: dict[str, str]) -> _GroupedJoin:
        clone = copy.copy(self)
        clone.parent_alias = change_map.get(self.parent_alias, self.parent_alias)
        clone.table_alias = change_map.get(self.table_alias, self.table_alias)
        return clone

    def demote(self) -> _GroupedJoin:
        return self      # always an outer join: an entity without rows keeps its row

    def promote(self) -> _GroupedJoin:
        return self


class _GroupedColumn(Expression):
    """One measure's column of a `_GroupedRows`; resolving it joins the grouped rows to the entity query
    (once per query: every use of a measure of the same table reuses the join)."""

    def __init__(self, group: _GroupedRows, column: str, output_field: Any = None):
        super().__init__(output_field=output_field or FLOAT)
        self.group, self.column, self.alias = group, column, None

    def resolve_expression(self, query: Any = None, allow_joins: bool = True, reuse: Any = None,
                           summarize: bool = False, for_save: bool = False) -> _GroupedColumn:
        clone = self.copy()
        clone.alias = query.join(_GroupedJoin(self.group, query.get_initial_alias(), query.model._meta.pk.column))
        return clone

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        qn = compiler.quote_name_unless_alias
        return f"{qn(self.alias)}.{qn(self.column)}", []

    def relabeled_clone(self, change_map: dict[str, str]) -> _GroupedColumn:
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def get_group_by_cols(self) -> list:
        return [self]


def measure_column(measure: measures.Measure, group: _GroupedRows) -> Any:
    """One measure as its column of the grouped rows of its table, cast to float; a count over no rows is 0,
    a sum or average over no rows stays NULL."""
    expression: Any = Cast(_GroupedColumn(group, group.column(measure)), FLOAT)
    if measure.missing == "zero":
        expression = Coalesce(expression, Value(0.0), output_field=FLOAT)
    return expression


def compile_tree(node: Any, inputs: dict[str, Any]) -> Any:
    if isinstance(node, Num):
        return Value(float(node.value), output_field=FLOAT)
    if isinstance(node, Ref):
        return inputs[node.name]
    if isinstance(node, Neg):
        return ExpressionWrapper(Value(-1.0, output_field=FLOAT) * compile_tree(node.operand, inputs),
                                 output_field=FLOAT)
    if isinstance(node, Call):
        args = [compile_tree(a, inputs) for a in node.args]
        if node.function == "abs":
            return Abs(args[0], output_field=FLOAT)
        return (Least if node.function == "min" else Greatest)(*args, output_field=FLOAT)
    left, right = compile_tree(node.left, inputs), compile_tree(node.right, inputs)
    if node.op == "/":
        right = NullIf(right, Value(0.0, output_field=FLOAT), output_field=FLOAT)
    combined = {"+": left + right, "-": left - right, "*": left * right, "/": left / right}[node.op]
    return ExpressionWrapper(combined, output_field=FLOAT)


@dataclass
class Compiled:
    value: Any
    inputs: dict[str, Any]       # measure name → expression
    aliases: dict[str, str]      # measure name → annotation alias
    sources: dict[str, Any] = field(default_factory=dict)  # annotation alias → a source column (see sources_of)


def sources_of(row: dict[str, Any]) -> tuple[datetime.datetime | None, int | None]:
    """(data as of, newest import id) of an entity's row annotated with a Compiled's `sources`: the newest of
    its tables' import times and period starts, and the largest import id."""
    moments, imports = [], []
    for alias, value in row.items():
        if value is None or not alias.startswith("src_"):
            continue
        kind = alias.rsplit("_", 1)[1]
        if kind == SOURCE_AT:
            moments.append(value)
        elif kind == SOURCE_START:
            moments.append(timezone.make_aware(datetime.datetime.combine(value, datetime.time.min)))
        elif kind == SOURCE_IMPORT:
            imports.append(value)
    return (max(moments) if moments else None), (max(imports) if imports else None)


def compile_for(text: str, level: str, filters: dict[str, Q]) -> Compiled:
    """The formula for one level as an annotation; `filters[basis]` restricts each measure's rows to the
    institution and the periods of the measurement."""
    tree = parse(text)
    names = check(text, level)
    groups: dict[tuple, _GroupedRows] = {}
    inputs = {}
    for n in names:
        measure = measures.REGISTRY[n]
        key = (measure.model, measure.paths[level], measure.basis)
        if key not in groups:
            groups[key] = _GroupedRows(f"zm{len(groups)}", measure.model, measure.paths[level],
                                       measures.rows_q(filters[measure.basis], measure.model))
        inputs[n] = measure_column(measure, groups[key])
    aliases = {n: f"in_{i}" for i, n in enumerate(names)}
    sources = {}
    for g, group in enumerate(groups.values()):
        for column in group.source_columns():
            sources[f"src_{g}_{column}"] = _GroupedColumn(group, column, SOURCE_FIELDS[column])
    return Compiled(value=compile_tree(tree, inputs), inputs=inputs, aliases=aliases, sources=sources)
