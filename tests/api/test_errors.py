"""Every bad body gets a JSON answer naming what is wrong — never an HTML page, never a traceback."""

from __future__ import annotations

import json

import pytest

from tests.api.test_push import Y, token  # noqa: F401 (the fixture)
from zhengai.api import api as api_module
from zhengai.statedata import models as sd

URL = "/api/statedata/majoryear/rows"


def post(client, secret, raw: str | bytes):
    body = raw.encode() if isinstance(raw, str) else raw
    return client.post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")


def _json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()


@pytest.mark.parametrize(("literal", "field"), [
    ("Infinity", "rows[0].在校生数"), ("-Infinity", "rows[0].在校生数"), ("NaN", "rows[0].在校生数"),
    ("1e400", "rows[0].在校生数"),
])
def test_non_finite_numbers_are_422_naming_the_field(client, college, token, literal, field):  # noqa: F811
    raw = f'{{"period": "{Y}", "rows": [{{"专业代码": "510201", "在校生数": {literal}}}]}}'
    response = post(client, token, raw)
    assert response.status_code == 422
    body = _json(response)
    assert body["errors"] == [{"field": field, "reason": f"“{literal}”不是有限的数"}]
    assert "Infinity、NaN" in body["detail"]
    assert not sd.MajorYear.objects.exists()


@pytest.mark.parametrize(("raw", "field", "reason"), [
    ('{"rows": 5}', "rows", "应为数组"),
    ("{}", "rows", "缺少该字段"),
    ("[]", "rows", "缺少该字段"),
    ('{"period": 5, "rows": [{"专业代码": "510201"}]}', "period", "应为文本"),
    (f'{{"period": "{Y}", "rows": [[1, 2]]}}', "rows[0]", "应为对象"),
    (f'{{"period": "{Y}", "rows": [{{"专业代码": {{"a": 1}}, "在校生数": 3}}]}}', "rows[0].专业代码",
     "应为文本、数或布尔值，不能是对象或数组"),
    (f'{{"period": "{Y}", "rows": [{{"专业代码": "510201", "在校生数": [1]}}]}}', "rows[0].在校生数",
     "应为文本、数或布尔值，不能是对象或数组"),
])
def test_a_body_of_the_wrong_shape_is_422_naming_the_field(client, college, token, raw, field, reason):  # noqa: F811
    response = post(client, token, raw)
    assert response.status_code == 422
    assert {"field": field, "reason": reason} in _json(response)["errors"]
    assert not sd.MajorYear.objects.exists()


@pytest.mark.parametrize("raw", ['{"rows": [', b"\xff\xfe\x00", "[" * 100_000, '{"rows": [1,]}', "1" * 5000])
def test_what_is_not_json_is_422_in_json(client, college, token, raw):  # noqa: F811
    response = post(client, token, raw)
    assert response.status_code == 422
    assert _json(response)["detail"].startswith("请求内容不是有效的 JSON")


def test_a_huge_body_is_413_in_json(client, college, token, settings):  # noqa: F811
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    rows = [{"专业代码": "510201", "在校生数": i} for i in range(200)]
    response = post(client, token, json.dumps({"period": Y, "rows": rows}))
    assert response.status_code == 413
    assert "请分批推送" in _json(response)["detail"]


def test_an_unexpected_failure_is_a_json_500_without_a_traceback(client, college, token, monkeypatch):  # noqa: F811
    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api_module.services, "rows_push", boom)
    response = post(client, token, json.dumps({"period": Y, "rows": [{"专业代码": "510201", "在校生数": 1}]}))
    assert response.status_code == 500
    body = _json(response)
    assert "secret internals" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert body["detail"].startswith("服务器处理请求时出错")


def test_good_values_of_every_scalar_kind_still_pass(client, college, token):  # noqa: F811
    rows = [{"专业代码": "510201", "在校生数": 120.0, "当年是否招生": True}, {"major": "460104", "students": "80"}]
    response = post(client, token, json.dumps({"period": Y, "rows": rows}))
    assert response.status_code == 200, response.content
