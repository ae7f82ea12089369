"""Every answer of the API is JSON, whatever the body: a business system reads `detail` and `errors`, never an
HTML error page, and never a traceback.

* a body that is not JSON, or holds Infinity / NaN (Python's json accepts those literals, and numbers like
  1e400 that overflow to infinity): 422, naming the field;
* a body of the wrong shape (pydantic): 422, one entry per field, in Chinese;
* a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413;
* anything unexpected: 500 with a neutral message; the traceback goes to the server log only.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser

log = logging.getLogger(__name__)


class BadBody(ValueError):
    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None):
        super().__init__(detail)
        self.detail, self.errors = detail, errors or []


class _NonFinite:
    """What an Infinity/NaN literal parses to, so that the walk below can say where it stood."""

    def __init__(self, text: str):
        self.text = text


def _non_finite_float(text: str) -> float | _NonFinite:
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


def field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    """("rows", 0, "在校生数") → "rows[0].在校生数": the field as a reader of the JSON would point at it."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _non_finite_fields(value: Any, loc: tuple[Any, ...] = ()) -> list[tuple[str, str]]:
    if isinstance(value, _NonFinite):
        return [(field_name(loc), value.text)]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _non_finite_fields(item, (*loc, key))]
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in _non_finite_fields(item, (*loc, i))]
    return []


class StrictJsonParser(Parser):
    """json.loads, refusing what JSON itself does not allow: Infinity, -Infinity, NaN and overflowing numbers."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            data = json.loads(request.body, parse_constant=_NonFinite, parse_float=_non_finite_float)
        except (ValueError, RecursionError) as exc:
            where = f"（第{exc.lineno}行第{exc.colno}列）" if isinstance(exc, json.JSONDecodeError) else ""
            raise BadBody(f"请求内容不是有效的 JSON{where}") from exc
        if bad := _non_finite_fields(data):
            raise BadBody("请求内容含有非有限的数（Infinity、NaN 等），不能接受",
                          [{"field": name, "reason": f"“{text}”不是有限的数"} for name, text in bad])
        return data


_PYDANTIC_REASONS = {
    "missing": "缺少该字段",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为布尔值",
    "float_type": "应为数",
    "model_attributes_type": "应为对象",
}
_SCALAR = "应为文本、数或布尔值，不能是对象或数组"


def _validation_error(request: HttpRequest, exc: ValidationError, api: NinjaAPI) -> HttpResponse:
    errors: dict[str, str] = {}
    for error in exc.errors:
        # ninja's loc starts ("body", "payload", …), and a union names its member last ("str", "int"…):
        # the reader knows only the fields of the body.
        loc = [part for part in error.get("loc", ())
               if part not in ("body", "payload", "str", "int", "float", "bool", "none")]
        if len(loc) == 3 and loc[0] == "rows":  # a row's value failed every member of the scalar union
            reason = _SCALAR
        else:
            reason = _PYDANTIC_REASONS.get(error.get("type", ""), str(error.get("msg", "取值无效")))
        errors.setdefault(field_name(loc) or "请求内容", reason)
    listed = [{"field": name, "reason": reason} for name, reason in errors.items()]
    summary = "；".join(f"{e['field']}{e['reason']}" for e in listed[:5])
    return api.create_response(request, {"detail": f"请求内容有误：{summary}", "errors": listed}, status=422)


def _http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, BadBody):  # ninja wraps every parser error in a 400 "Cannot parse request body"
        return api.create_response(request, {"detail": cause.detail, "errors": cause.errors}, status=422)
    if isinstance(cause, RequestDataTooBig):
        return _too_big(request, cause, api)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _too_big(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    from django.conf import settings

    mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return api.create_response(request, {"detail": f"请求内容超过{mb}MB，请分批推送"}, status=413)


def _unexpected(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    log.exception("API request failed: %s %s", request.method, request.path)
    return api.create_response(request, {"detail": "服务器处理请求时出错，已记录；请稍后重试或联系平台管理员"},
                               status=500)


def install(api: NinjaAPI) -> None:
    """Make every error of `api` JSON (its parser is StrictJsonParser, given at construction)."""
    api.add_exception_handler(ValidationError, lambda r, e: _validation_error(r, e, api))
    api.add_exception_handler(HttpError, lambda r, e: _http_error(r, e, api))
    api.add_exception_handler(RequestDataTooBig, lambda r, e: _too_big(r, e, api))
    api.add_exception_handler(Exception, lambda r, e: _unexpected(r, e, api))
