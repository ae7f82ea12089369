"""A college's own Word template is untrusted input: it renders only in a sandbox, and only if it keeps to what a
report template needs.

A .docx template is Jinja source. Left to docxtpl's default environment, `{{ ''.__class__.__mro__ … }}` or
`{{ cycler.__init__.__globals__.os.popen('id').read() }}` runs code on the server. Three walls stand in the way:

1. **An allow-list checked before anything is compiled.** Every source docxtpl renders (body, headers, footers,
   footnotes, document properties) goes through `ReportEnvironment.from_string`, which walks the parsed template
   and refuses, naming each, any call, unknown variable, attribute or key outside the report's own names,
   filter or test outside a short list, `set`, macros, includes, and arithmetic that can build huge values
   (`'x' * 10**9`). Loops nest at most `MAX_LOOP_DEPTH` deep, constants stay small, so a render's work is bounded
   by the report's data.
2. **Jinja's immutable sandbox** underneath, with no globals (no `range`, `cycler`, `lipsum`, `namespace`,
   `dict`, `joiner`): should a construct slip past the list, private attributes and mutation are still refused.
3. **The trial render at upload runs in a child process** with a time and memory limit (`run_bounded`).
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

# The names a template may read: the report context's keys (rendering.context), plus the loop variables a
# template binds itself; and the keys of the dictionaries inside it (rows, signatures) and of Jinja's `loop`.
CONTEXT_NAMES = frozenset({
    "title", "entity_label", "entity_name", "period", "overview_heading", "overview", "columns", "rows",
    "signatures", "notes", "version", "state", "loop",
})
ATTRIBUTES = frozenset({
    # a report row
    "project", "element", "opinion", "achievements", "problems", "measures", "effects", "applicable",
    "project_first",
    # a signature
    "label", "name", "date",
    # Jinja's loop object
    "index", "index0", "revindex", "revindex0", "first", "last", "length", "previtem", "nextitem",
})
FILTERS = frozenset({
    "default", "d", "length", "count", "upper", "lower", "title", "capitalize", "trim", "first", "last", "join",
    "replace", "truncate", "wordcount", "int", "float", "string", "e", "escape", "round", "abs", "center",
    "indent", "wordwrap", "striptags", "list", "batch", "slice", "reverse",
})
TESTS = frozenset({
    "defined", "undefined", "none", "number", "string", "even", "odd", "true", "false", "boolean",
    "eq", "ne", "lt", "gt", "le", "ge", "in", "equalto", "divisibleby",
})
# Node types a report template needs; anything else (Call, Macro, Include, Import, Extends, Assign, Mul, Pow …)
# is refused by name.
ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.Getattr, nodes.Getitem,
    nodes.Filter, nodes.Test, nodes.If, nodes.For, nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not,
    nodes.Neg, nodes.Pos, nodes.Concat, nodes.CondExpr, nodes.Add, nodes.Sub, nodes.List, nodes.Tuple,
    nodes.Slice,
)
MAX_LOOP_DEPTH = 3
MAX_CONSTANT = 10_000          # numbers in a template (`center(…)`, `truncate(…)`, `batch(…)`) stay small
MAX_CONSTANT_TEXT = 10_000     # characters of one string literal
TRIAL_SECONDS = 10
TRIAL_MEMORY = 1024 * 1024 * 1024

NODE_LABELS = {
    "Call": "函数或方法调用", "Macro": "宏（macro）", "CallBlock": "call 块", "Include": "include",
    "Import": "import", "FromImport": "from … import", "Extends": "extends", "Block": "block",
    "Assign": "set 赋值", "AssignBlock": "set 块", "Mul": "乘法", "Pow": "乘方", "Div": "除法",
    "FloorDiv": "整除", "Mod": "取模或格式化（%）", "FilterBlock": "filter 块", "With": "with 块",
    "Scope": "作用域块", "ExprStmt": "do 语句", "Dict": "字典字面量", "Keyword": "关键字参数",
}


class TemplateRefused(ValidationError):
    """The template uses something a report template may not."""


def problems(template: nodes.Template) -> list[str]:
    """Every construct of the parsed template outside the allow-list, in Chinese, in order of appearance."""
    found: list[str] = []

    def note(message: str) -> None:
        if message not in found:
            found.append(message)

    def walk(node: nodes.Node, bound: frozenset[str], depth: int) -> None:
        kind = type(node).__name__
        line = f"第{node.lineno}行" if getattr(node, "lineno", None) else ""
        if not isinstance(node, ALLOWED_NODES):
            note(f"{NODE_LABELS.get(kind, kind)}（{line}）" if line else NODE_LABELS.get(kind, kind))
            return
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name not in bound:
            note(f"未知的变量“{node.name}”")
        elif isinstance(node, nodes.Getattr) and node.attr not in ATTRIBUTES:
            note(f"属性“{node.attr}”")
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            if isinstance(node.arg.value, str) and node.arg.value not in ATTRIBUTES:
                note(f"键“{node.arg.value}”")
        elif isinstance(node, nodes.Getitem) and not isinstance(node.arg, nodes.Slice):
            note("以表达式为键取值")
        elif isinstance(node, (nodes.Filter, nodes.Test)):
            allowed, label = (FILTERS, "过滤器") if isinstance(node, nodes.Filter) else (TESTS, "判断")
            if node.name not in allowed:
                note(f"{label}“{node.name}”")
            if node.kwargs or node.dyn_args or node.dyn_kwargs:
                note(f"{label}“{node.name}”的关键字或展开参数")
            for arg in node.args:
                if not isinstance(arg, nodes.Const):
                    note(f"{label}“{node.name}”的参数只能是常量")
        elif isinstance(node, nodes.Const):
            value = node.value
            if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_CONSTANT:
                note(f"过大的数字 {value}")
            if isinstance(value, str) and len(value) > MAX_CONSTANT_TEXT:
                note("过长的字符串常量")
        elif isinstance(node, nodes.For):
            if node.recursive:
                note("递归循环")
            if depth + 1 > MAX_LOOP_DEPTH:
                note(f"循环嵌套超过{MAX_LOOP_DEPTH}层")
            walk(node.iter, bound, depth)
            targets = [node.target, *node.target.find_all(nodes.Name)]  # find_all skips the node itself
            inner = bound | {n.name for n in targets if isinstance(n, nodes.Name)}
            for child in (node.target, *node.body, *node.else_):
                walk(child, inner, depth + 1)
            if node.test is not None:
                walk(node.test, inner, depth + 1)
            return
        for child in node.iter_child_nodes():
            walk(child, bound, depth)

    walk(template, CONTEXT_NAMES, 0)
    return found


class ReportEnvironment(ImmutableSandboxedEnvironment):
    """The only environment a Word template is rendered in: sandboxed, no globals, checked before compiling."""

    def __init__(self) -> None:
        super().__init__(autoescape=True)
        self.globals.clear()

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:  # noqa: A002
        tree = source if isinstance(source, nodes.Template) else self.parse(source)
        found = problems(tree)
        if found:
            raise TemplateRefused("模板中有报告模板不允许的内容：" + "；".join(found[:20])
                                  + (f"；等共{len(found)}处" if len(found) > 20 else ""))
        return super().from_string(tree, globals, template_class)


def render_docx(template_source: Any, context: dict[str, Any]) -> bytes:
    """Render a docx template (a path or a file-like object) in the sandbox."""
    import io

    from docxtpl import DocxTemplate

    doc = DocxTemplate(template_source)
    doc.render(context, jinja_env=ReportEnvironment(), autoescape=True)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


class BoundExceeded(Exception):
    """The work ran past its time or memory limit, or died."""


def _read_all(fd: int, deadline_seconds: float) -> bytes:
    import time

    chunks: list[bytes] = []
    end = time.monotonic() + deadline_seconds
    while True:
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise BoundExceeded("timeout")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            raise BoundExceeded("timeout")
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def run_bounded(work: Callable[[], Any], *, seconds: float = TRIAL_SECONDS, memory: int = TRIAL_MEMORY) -> Any:
    """Run `work` in a forked child with a wall-clock and address-space limit; return its result or re-raise its
    ValidationError. The child never touches the database (the work gets its data before the fork) and leaves
    with os._exit, so the parent's connections and files are not closed under it."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            try:
                payload = pickle.dumps(("ok", work()))
            except ValidationError as exc:
                payload = pickle.dumps(("refused", exc.messages))
            except MemoryError:
                payload = pickle.dumps(("error", "内存超出限制"))
            except Exception as exc:  # any template error: the message is what the uploader needs
                payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"[:500]))
            view = memoryview(payload)
            while view:
                written = os.write(write_fd, view)
                view = view[written:]
        finally:
            os._exit(0)
    os.close(write_fd)
    try:
        data = _read_all(read_fd, seconds)
    except BoundExceeded:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    if not data:
        raise BoundExceeded("died")
    status, value = pickle.loads(data)  # noqa: S301 — our own child's output through our own pipe
    if status == "ok":
        return value
    if status == "refused":
        raise TemplateRefused(value)
    raise RuntimeError(value)


def check_uploaded(data: bytes, context: dict[str, Any]) -> bytes:
    """The trial render of an uploaded template with sample data, in the sandbox, bounded in time and memory."""
    import io

    try:
        return run_bounded(lambda: render_docx(io.BytesIO(data), context))
    except TemplateRefused:
        raise
    except BoundExceeded as exc:
        reason = "超过时间限制" if str(exc) == "timeout" else "生成过程异常终止（可能超出内存限制）"
        raise ValidationError(f"模板无法用样例数据生成报告：{reason}") from exc
    except RuntimeError as exc:
        raise ValidationError(f"模板无法用样例数据生成报告：{exc}") from exc
