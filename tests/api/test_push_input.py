"""Pushed rows meet the same cleaner and parsers as files: bad values are 400 with the row and the reason,
never a 500, and nothing is written (issue 10)."""

from __future__ import annotations

import json

import pytest

from zhengai.api import services
from zhengai.statedata import models as sd

Y = "2024-2025"


@pytest.fixture
def token(college):
    _, secret = services.token_create(actor=college.users["steward"], institution=college.institution,
                                      name="教务系统", tables=["majoryear", "attendance"])
    return secret


def push(client, secret, body: str):
    return client.post("/api/statedata/majoryear/rows", body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize("students", ['"Infinity"', '"-inf"', '"sNaN"'])
def test_non_finite_numbers_are_refused_as_json(client, college, token, students):
    body = '{"period": "' + Y + '", "rows": [{"专业代码": "510201", "在校生数": ' + students + "}]}"
    response = push(client, token, body)
    assert response.status_code == 400, response.content
    assert "在校生数" in response.json()["errors"][0]["reasons"][0]
    assert not sd.MajorYear.objects.exists()


@pytest.mark.parametrize("students", ["Infinity", "NaN", "-Infinity"])
def test_non_finite_json_literals_are_a_bad_body(client, college, token, students):
    """Python's JSON parser accepts these literals; the API refuses the body (422) naming the field."""
    body = '{"period": "' + Y + '", "rows": [{"专业代码": "510201", "在校生数": ' + students + "}]}"
    response = push(client, token, body)
    assert response.status_code == 422, response.content
    assert "rows[0].在校生数" in response.content.decode("unicode_escape")
    assert not sd.MajorYear.objects.exists()


@pytest.mark.parametrize("name, code", [("李四娘\x00\x07", "U+0000"), ("abc\u202etxt", "U+202E"),
                                        ("x\ud800", "U+D800")])
def test_invisible_characters_are_refused_naming_the_column(client, college, token, name, code):
    body = json.dumps({"period": Y, "rows": [{"专业代码": "510201", "在校生数": 1, "专业名称": name}]})
    response = push(client, token, body)
    assert response.status_code == 400, response.content
    assert code in response.json()["errors"][0]["reasons"][0]
    assert "专业名称" in response.json()["errors"][0]["reasons"][0]


def test_an_unknown_key_with_a_control_character_is_named_safely(client, college, token):
    body = json.dumps({"period": Y, "rows": [{"专业代码": "510201", "列\x00": 1}]})
    response = push(client, token, body)
    assert response.status_code == 400
    assert "列[U+0000]" in response.json()["errors"][0]["reasons"][0]


def test_full_width_digits_are_read_as_numbers(client, college, token):
    body = json.dumps({"period": Y, "rows": [{"专业代码": "510201", "在校生数": "１２０"}]})
    assert push(client, token, body).status_code == 200
    assert sd.MajorYear.objects.get().students == 120
