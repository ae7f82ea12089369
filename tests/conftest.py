from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import College, build_college


@pytest.fixture
def college(db) -> College:
    """The personas' college: a person in every role."""
    return build_college("10001", "测试职业技术学院", "")


@pytest.fixture
def other(db) -> College:
    """Another college: its people and objects must stay invisible (404) to the first college's users."""
    return build_college("10002", "另一所职业学院", "x_")


@pytest.fixture
def login(client: Client):
    """`login(user)` → a client logged in as that user."""

    def _login(user) -> Client:
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    """Tests hash passwords cheaply and run background tasks immediately."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
