"""The HTTP API for business systems (django-ninja): push rows of a state-data table, list the tables.

Authentication: `Authorization: Bearer <token>` with a token the data steward created (接口令牌). The token
decides the institution; it may push only the tables it names. A push goes through the table's importer, so
it is validated exactly as a file is: all or nothing, every bad row with its index (from 0) and the reasons in
Chinese, idempotent, recorded in the import history with source "API" and the token's name.

The OpenAPI schema is served as JSON at /api/docs, to a signed-in user or a valid token only (it maps every
table and column an attacker would want); there is no Swagger page, which would load its scripts from a CDN
(the deployments have no internet). Every error is JSON (errors.py).
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from ninja import NinjaAPI, Schema, Status
from ninja.security import HttpBearer

from zhengai.statedata.importers import REGISTRY

from . import errors, services, views
from .models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return services.token_for(token)


class Api(NinjaAPI):
    def _get_urls(self) -> list:
        # The steward's token pages live under /api/ too, in the same URL namespace.
        return [*super()._get_urls(),
                path("tokens/", views.token_list, name="tokens"),
                path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke")]


def signed_in_or_token(view: Any) -> Any:
    """The schema for a signed-in user or a bearer of a valid token; a browser is sent to the login page."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, secret = header.partition(" ")
            if scheme.lower() == "bearer" and secret.strip() and services.token_for(secret.strip()):
                return view(request, *args, **kwargs)
            response = JsonResponse({"detail": "令牌无效或已停用"}, status=401)
            response["WWW-Authenticate"] = "Bearer"
            return response
        return redirect_to_login(request.get_full_path())

    return guarded


api = Api(title="诊改平台数据接口", version="1.0", urls_namespace="api", docs_url=None, openapi_url="/docs",
          auth=TokenAuth(), parser=errors.StrictJsonParser(), docs_decorator=signed_in_or_token)
errors.install(api)

# One value of a row: what a spreadsheet cell holds. An object or a list is refused by the schema (422 naming
# the field) rather than reaching the importer as its text.
Cell = str | int | float | bool | None


class PushIn(Schema):
    period: str = ""
    rows: list[dict[str, Cell]]


class PushOut(Schema):
    record: int
    rows: int
    created: int
    updated: int
    unchanged: int
    message: str


class RowProblem(Schema):
    index: int
    reasons: list[str]


class PushRefused(Schema):
    detail: str
    errors: list[RowProblem] = []
    error_count: int = 0
    record: int | None = None


class Problem(Schema):
    detail: str


class ColumnOut(Schema):
    header: str
    field: str
    required: bool
    help: str
    choices: list[str] | None = None


class TableOut(Schema):
    table: str
    name: str
    allowed: bool
    columns: list[ColumnOut]


@api.get("/statedata/tables", response=list[TableOut], summary="可推送的数据表及其列")
def tables(request: HttpRequest) -> list[dict[str, Any]]:
    token: ApiToken = request.auth
    return [{"table": name, "name": importer.name, "allowed": name in token.tables,
             "columns": [{"header": c.header, "field": c.field, "required": c.required, "help": c.help,
                          "choices": c.choices} for c in importer.columns if "__" not in c.field]}
            for name, importer in REGISTRY.items()]


@api.post("/statedata/{table}/rows", response={200: PushOut, 400: PushRefused, 403: Problem, 404: Problem},
          summary="推送一张数据表的数据行（全部通过才写入）")
def push(request: HttpRequest, table: str, payload: PushIn) -> Status:
    token: ApiToken = request.auth
    if table not in REGISTRY:
        return Status(404, {"detail": f"没有名为“{table}”的数据表"})
    if table not in token.tables:
        return Status(403, {"detail": f"该令牌不能推送“{REGISTRY[table].name}”"})
    if not payload.rows:
        return Status(400, {"detail": "没有数据行"})
    if len(payload.rows) > services.MAX_ROWS:
        return Status(400, {"detail": f"一次最多推送{services.MAX_ROWS}行，请分批推送"})
    record, result = services.rows_push(token=token, table=table, period=payload.period, rows=payload.rows)
    if not result.ok:
        return Status(400, {"detail": result.file_error or record.summary, "record": record.pk,
                     "error_count": getattr(result, "error_count", len(result.errors)),
                     "errors": [{"index": e.row - 2, "reasons": e.messages} for e in result.errors]})
    return Status(200, {"record": record.pk, "rows": result.total, "created": result.created, "updated": result.updated,
                 "unchanged": result.unchanged, "message": record.summary})
