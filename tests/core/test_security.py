"""Login throttling and the client address: spraying from one address is stopped, a classroom behind one NAT
is not locked out by a few typos, and the address comes from a proxy header only when the deployer says so."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings

from tests.personas import PASSWORD
from zhengai.core.security import client_ip

LOCKED = "登录已暂时锁定"


def _try(client: Client, username: str, password: str = "wrong-password", **meta) -> str:
    response = client.post("/login/", {"username": username, "password": password}, **meta)
    return response.content.decode() if response.status_code != 302 else "302"


def test_five_failures_lock_the_account_from_that_address_only(college):
    client = Client()
    for _ in range(5):
        _try(client, "teacher", REMOTE_ADDR="198.51.100.1")
    assert LOCKED in _try(client, "teacher", PASSWORD, REMOTE_ADDR="198.51.100.1")
    # The teacher at another address still gets in: nobody can lock an account from afar.
    assert _try(Client(), "teacher", PASSWORD, REMOTE_ADDR="198.51.100.2") == "302"


def test_one_password_across_many_usernames_is_stopped_at_the_address_limit(college):
    client = Client()
    for i in range(19):
        page = _try(client, f"user{i}", REMOTE_ADDR="198.51.100.7")
        assert LOCKED not in page, f"locked after {i + 1} failures"
    # The 20th failure locks the address; from then on every try, even the right password of a real
    # account, is refused from that address.
    assert LOCKED in _try(client, "user19", REMOTE_ADDR="198.51.100.7")
    assert LOCKED in _try(client, "leader", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert _try(Client(), "leader", PASSWORD, REMOTE_ADDR="198.51.100.8") == "302"


def test_a_classroom_behind_one_address_survives_a_few_typos_each(college):
    client = Client()
    for name in ("teacher", "student", "head", "leader"):
        for _ in range(3):
            _try(client, name, REMOTE_ADDR="198.51.100.9")
    assert _try(client, "teacher", PASSWORD, REMOTE_ADDR="198.51.100.9") == "302"


def test_a_success_does_not_forgive_the_addresss_failures(college):
    """A sprayer holding one valid account cannot reset the address counter by logging in."""
    client = Client()
    for i in range(19):
        _try(client, f"user{i}", REMOTE_ADDR="198.51.100.10")
    assert _try(Client(), "teacher", PASSWORD, REMOTE_ADDR="198.51.100.10") == "302"
    _try(Client(), "user-next", REMOTE_ADDR="198.51.100.10")
    assert LOCKED in _try(Client(), "student", PASSWORD, REMOTE_ADDR="198.51.100.10")


def test_without_a_trusted_proxy_a_spoofed_forwarded_for_is_ignored(college):
    client = Client()
    for i in range(5):
        # A new forged address with every guess would dodge the limit if the header were believed.
        _try(client, "teacher", REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert LOCKED in _try(client, "teacher", PASSWORD, REMOTE_ADDR="198.51.100.20",
                          HTTP_X_FORWARDED_FOR="203.0.113.99")
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.20"}


@override_settings(ZHENGAI_TRUSTED_PROXY_HEADER="X-Forwarded-For", ZHENGAI_TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_each_client_is_counted_apart(college):
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        _try(Client(), "teacher", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert LOCKED in _try(Client(), "teacher", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    # Another client through the same proxy is not locked out with the attacker.
    assert _try(Client(), "teacher", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy) == "302"
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


@pytest.mark.parametrize(("proxies", "remote", "header", "expected"), [
    ("", "198.51.100.1", "1.2.3.4", "198.51.100.1"),                      # no header configured
    (1, "10.0.0.2", "1.2.3.4, 203.0.113.5", "203.0.113.5"),               # one proxy: the right-most
    (2, "10.0.0.3", "1.2.3.4, 203.0.113.5, 10.0.0.2", "203.0.113.5"),     # two proxies
    (2, "10.0.0.3", "203.0.113.5", "10.0.0.3"),                           # fewer hops than proxies
    (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
    (1, "10.0.0.2", "", "10.0.0.2"),
    (["10.0.0.0/8"], "10.0.0.2", "1.2.3.4, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
    (["10.0.0.0/8"], "198.51.100.1", "203.0.113.5", "198.51.100.1"),      # not from the proxy: ignored
    (1, "10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
])
def test_client_ip(settings, proxies, remote, header, expected):
    settings.ZHENGAI_TRUSTED_PROXY_HEADER = "X-Forwarded-For" if proxies != "" else ""
    settings.ZHENGAI_TRUSTED_PROXIES = proxies or 1
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=header)
    assert client_ip(request) == expected


# ---- headers and cookies ----------------------------------------------------------------------------------

def _login_cookies(client: Client, **extra) -> dict:
    response = client.post("/login/", {"username": "teacher", "password": PASSWORD}, **extra)
    assert response.status_code == 302
    return {name: morsel["secure"] for name, morsel in response.cookies.items()}


def test_cookies_over_https_are_secure_without_any_setting(college):
    assert _login_cookies(Client(), secure=True) == {"sessionid": True, "csrftoken": True}


def test_cookies_over_plain_http_are_not_secure_unless_forced(college, settings):
    assert _login_cookies(Client()) == {"sessionid": "", "csrftoken": ""}
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True  # ZHENGAI_SECURE_COOKIES=1
    assert _login_cookies(Client()) == {"sessionid": True, "csrftoken": True}


def test_forwarded_proto_counts_only_behind_a_configured_proxy(college, settings):
    assert _login_cookies(Client(), HTTP_X_FORWARDED_PROTO="https") == {"sessionid": "", "csrftoken": ""}
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # set with the proxy header
    assert _login_cookies(Client(), HTTP_X_FORWARDED_PROTO="https") == {"sessionid": True, "csrftoken": True}


def test_every_page_carries_the_security_headers(college, login):
    for response in (Client().get("/login/"), login(college.users["teacher"]).get("/")):
        assert response.status_code == 200
        csp = response["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"


def test_the_account_limit_follows_its_setting_and_the_address_limit_its_own(college, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(2):
        _try(client, "teacher", REMOTE_ADDR="198.51.100.30")
    assert LOCKED in _try(client, "teacher", REMOTE_ADDR="198.51.100.30")
    settings.AXES_FAILURE_LIMITS = {"ip_address": 4}
    for i in range(3):
        assert LOCKED not in _try(client, f"user{i}", REMOTE_ADDR="198.51.100.31")
    assert LOCKED in _try(client, "user3", REMOTE_ADDR="198.51.100.31")
