"""Every write of the api app: tokens (create, revoke) and a push of rows, which goes through the state-data
importer of the table exactly as a file does (same validation, all or nothing, same history)."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zhengai.core import audit
from zhengai.core.choices import AuditAction
from zhengai.core.importing import ImportResult, RowError
from zhengai.core.text import shown
from zhengai.statedata import services as sd_services
from zhengai.statedata.choices import ImportSource
from zhengai.statedata.importers import REGISTRY

from .models import ApiToken

TOKEN_PREFIX = "zg_"  # noqa: S105 — a visible prefix that marks our tokens, not a secret
MAX_ROWS = 100_000   # per request; a business system sends more in several requests


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: Any, institution: Any, name: str, tables: list[str]) -> tuple[ApiToken, str]:
    """A new token; returns it with the secret, which is not stored and cannot be shown again."""
    unknown = set(tables) - set(REGISTRY)
    if not name.strip():
        raise ValidationError("请填写名称")
    if unknown or not tables:
        raise ValidationError("请选择可推送的数据表")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(institution=institution, name=name.strip()[:100], token_hash=digest(secret),
                                    prefix=secret[:10], tables=sorted(tables), created_by=actor)
    audit.record(actor=actor, obj=token, action=AuditAction.CREATE)
    return token, secret


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> None:
    if not token.active:
        return
    before = audit.snapshot(token)
    token.active = False
    token.save(update_fields=["active"])
    audit.record(actor=actor, obj=token, action=AuditAction.RETIRE, before=before)


def token_for(secret: str) -> ApiToken | None:
    """The active token with this secret, marked as used; None for an unknown or revoked one."""
    token = (ApiToken.objects.select_related("institution")
             .filter(token_hash=digest(secret), active=True).first())
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
    return token


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def rows_push(*, token: ApiToken, table: str, period: str, rows: list[dict[str, Any]]) -> tuple[Any, ImportResult]:
    """Run the pushed rows through the table's importer as a sheet: the header row is the union of the names
    the rows use (Chinese header or field name); `period` fills the period column where a row has none.
    Returns the ImportRecord and the result; error rows are numbered from 0 as in the request."""
    importer = REGISTRY[table](token.institution, None)
    importer.source, importer.source_name = ImportSource.API, token.name
    importer.filename = f"API推送：{token.name}"
    # surrogatepass: a lone surrogate in the JSON body is refused by the text cleaner below, not a 500 here.
    importer.checksum = hashlib.sha256(json.dumps({"period": period, "rows": rows}, sort_keys=True,
                                                  ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")
                                       ).hexdigest()
    names: dict[str, str] = {}
    for column in importer.columns:
        names[column.header] = names[column.field] = column.header
        names.setdefault(column.field.removesuffix("_id"), column.header)
    period_header = importer.columns[0].header
    headers: list[str] = [period_header]
    unknown: list[RowError] = []
    for index, row in enumerate(rows, start=2):
        bad = [k for k in row if k not in names]
        if bad:
            unknown.append(RowError(index, [f"没有名为“{shown(k)}”的列" for k in bad]))
        headers += [names[k] for k in row if k in names and names[k] not in headers]
    if unknown:
        result = ImportResult(total=len(rows), errors=unknown, error_count=len(unknown))
        record = sd_services.import_refused(actor=None, institution=token.institution, model=importer.model,
                                            filename=importer.filename, checksum=importer.checksum, result=result,
                                            period_codes=set(), **importer.origin())
        return record, result
    sheet = [headers]
    for row in rows:
        by_header = {names[k]: _cell(v) for k, v in row.items()}
        if not by_header.get(period_header):
            by_header[period_header] = period
        sheet.append([by_header.get(h, "") for h in headers])
    result = importer.run_rows(sheet)
    return importer.record, result
