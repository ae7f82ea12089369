"""The push API: token authentication, per-table permission, the importers' validation, history, idempotence."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from zhengai.api import services
from zhengai.api.models import ApiToken
from zhengai.statedata import models as sd

Y = "2024-2025"
ROWS = [{"专业代码": "510201", "在校生数": 120}, {"major": "460104", "students": 80, "当年是否招生": True}]


@pytest.fixture
def token(college):
    _, secret = services.token_create(actor=college.users["steward"], institution=college.institution,
                                      name="教务系统", tables=["majoryear", "attendance"])
    return secret


def push(client, secret, table="majoryear", body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return client.post(f"/api/statedata/{table}/rows", json.dumps(body or {"period": Y, "rows": ROWS}),
                       content_type="application/json", **headers)


def test_a_good_push_writes_once_and_is_recorded(client, college, token):
    response = push(client, token)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    assert sd.MajorYear.objects.get(major=college.majors["mech"]).enrolling is True
    again = push(client, token)
    assert again.status_code == 200 and (again.json()["created"], again.json()["unchanged"]) == (0, 2)
    first, second = sd.ImportRecord.objects.order_by("pk")
    assert (second.source, second.source_name, second.identical_to) == ("api", "教务系统", first)
    assert ApiToken.objects.get().last_used is not None
    assert ApiToken.objects.get().token_hash != token and len(ApiToken.objects.get().token_hash) == 64


def test_wrong_absent_and_revoked_tokens_are_401(client, college, token):
    assert push(client, None).status_code == 401
    assert push(client, "zg_wrong").status_code == 401
    services.token_revoke(actor=college.users["steward"], token=ApiToken.objects.get())
    assert push(client, token).status_code == 401
    assert not sd.MajorYear.objects.exists()


def test_a_table_the_token_may_not_push_is_403(client, token):
    response = push(client, token, table="funding", body={"period": "2025", "rows": [{"学费收入": "1"}]})
    assert response.status_code == 403
    assert push(client, token, table="nothing").status_code == 404


def test_another_colleges_token_cannot_write_here(client, college, other):
    _, secret = services.token_create(actor=other.users["steward"], institution=other.institution, name="x",
                                      tables=["majoryear"])
    # Codes the other college also has land in the other college; ours stay untouched.
    response = push(client, secret, body={"period": Y, "rows": [{"专业代码": "510201", "在校生数": 5}]})
    assert response.status_code == 200
    assert not sd.MajorYear.objects.filter(institution=college.institution).exists()
    assert sd.MajorYear.objects.get().institution == other.institution


def test_a_bad_row_is_400_with_index_and_reason_and_nothing_written(client, college, token):
    rows = [*ROWS, {"专业代码": "999999", "在校生数": 1}, {"专业代码": "510201", "在校生数": "十"},
            {"专业代码": "460104", "不存在的列": 1}]
    response = push(client, token, body={"period": Y, "rows": rows})
    assert response.status_code == 400
    assert [e["index"] for e in response.json()["errors"]] == [4]
    assert "没有名为“不存在的列”的列" in response.json()["errors"][0]["reasons"][0]
    response = push(client, token, body={"period": Y, "rows": rows[:4]})
    found = {e["index"]: "；".join(e["reasons"]) for e in response.json()["errors"]}
    assert "“999999”在本院校不存在" in found[2] and "不是整数" in found[3]
    assert not sd.MajorYear.objects.exists()
    assert set(sd.ImportRecord.objects.values_list("status", flat=True)) == {"refused"}


def test_teaching_process_push_and_tables_listing(client, college, token):
    body = {"period": "2025-2026-1", "rows": [{"学号": "S001", "课程代码": "C001", "上课日期": "2025-09-08",
                                                "节次": 1, "考勤状态": "迟到"}]}
    assert push(client, token, table="attendance", body=body).json()["created"] == 1
    assert push(client, token, table="attendance", body=body).json()["unchanged"] == 1
    listing = client.get("/api/statedata/tables", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    tables = {t["table"]: t for t in listing}
    assert tables["majoryear"]["allowed"] and not tables["funding"]["allowed"]
    assert "考勤状态" in [c["header"] for c in tables["attendance"]["columns"]]


def test_the_schema_is_served_without_a_cdn_to_a_token_or_a_signed_in_user_only(client, college, token, login):
    response = client.get("/api/docs", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and "openapi" in response.json()
    assert "cdn" not in response.content.decode().lower()
    assert login(college.users["teacher"]).get("/api/docs").status_code == 200


def test_the_schema_is_not_shown_to_strangers(client, college, token):
    services.token_revoke(actor=college.users["steward"], token=ApiToken.objects.get())
    assert client.get("/api/docs", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert client.get("/api/docs", HTTP_AUTHORIZATION="Bearer zg_wrong").status_code == 401
    anonymous = client.get("/api/docs")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


def test_the_steward_manages_tokens_and_others_may_not(college, login):
    client = login(college.users["steward"])
    response = client.post(reverse("api:tokens"), {"name": "教务系统", "tables": ["attendance"]})
    assert response.status_code == 200
    page = response.content.decode()
    token = ApiToken.objects.get()
    secret = page.split('id="new-token"')[1].split("<code>")[1].split("</code>")[0]
    assert services.digest(secret) == token.token_hash
    assert secret not in client.get(reverse("api:tokens")).content.decode()
    client.post(reverse("api:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert not token.active
    assert login(college.users["quality"]).get(reverse("api:tokens")).status_code == 403
