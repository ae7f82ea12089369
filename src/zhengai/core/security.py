"""Who is asking, and how hard they may knock: the client address and the login throttle.

One function answers "the client's address" for everything that needs it (the login throttle; whatever
records an address later must use it too):
`REMOTE_ADDR`, unless the deployer names the header their reverse proxy sets (ZHENGAI_TRUSTED_PROXY_HEADER)
and the proxies in front (ZHENGAI_TRUSTED_PROXIES: how many, or which addresses). A header is only ever read
from a proxy the deployer trusts: otherwise anyone could send `X-Forwarded-For` with someone else's address
and lock them out, or dodge the limit by sending a new address with every guess.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_lockout_parameters
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def _address(value: str) -> str | None:
    """`value` as a normalised IP address, or None when it is none (a port, garbage, `unknown`)."""
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.5:51000"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _networks(items: list[str]) -> list[Any]:
    return [ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip()]


def _trusted(address: str | None, networks: list[Any]) -> bool:
    return address is not None and any(ipaddress.ip_address(address) in net for net in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: from the trusted proxy header when one is configured, else `REMOTE_ADDR`.

    ZHENGAI_TRUSTED_PROXIES = N (a count): N proxies stand in front, each appends the address it saw, so
    the client is the N-th address from the right. A list of addresses/networks: the header counts only when
    the request comes from one of them, and the client is the right-most address that is not a proxy. What
    comes before is whatever the client wrote, never believed.
    """
    remote = _address(request.META.get("REMOTE_ADDR", "")) if request.META.get("REMOTE_ADDR") else None
    header = getattr(settings, "ZHENGAI_TRUSTED_PROXY_HEADER", "")
    if not header:
        return remote
    raw = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
    chain = [_address(part) for part in raw.split(",")] if raw.strip() else []
    proxies = getattr(settings, "ZHENGAI_TRUSTED_PROXIES", 1)
    if isinstance(proxies, int):
        if proxies < 1 or len(chain) < proxies:
            return remote
        return chain[-proxies] or remote
    networks = _networks(list(proxies))
    if not _trusted(remote, networks):
        return remote
    for address in reversed(chain):
        if address is None:
            return remote
        if not _trusted(address, networks):
            return address
    return remote


class LoginThrottle(AxesDatabaseHandler):
    """django-axes' database handler with a limit per lockout rule.

    Axes compares the worst rule's failures with one AXES_FAILURE_LIMIT. The account rule (username + address)
    should stop at 5, but the address rule — which stops one password tried across many usernames — must allow
    more: a classroom or a whole campus reaches the platform from one NAT address, and 5 typos among 50 students
    would lock everyone out. So each rule's failures are scaled to the common limit: `failures × common ÷ own`
    reaches `common` exactly when `failures` reaches the rule's own limit (AXES_FAILURE_LIMITS; a rule not
    named there has the common limit).
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        common = settings.AXES_FAILURE_LIMIT
        limits = getattr(settings, "AXES_FAILURE_LIMITS", {})
        worst = 0
        rules = get_lockout_parameters(request, credentials)
        for rule, attempts in zip(rules, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            own = limits.get(_rule_key(rule), common)
            worst = max(worst, failures * common // own)
        return worst

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """A successful login forgives that account's failures from that address, not the address's.

        Axes would wipe every rule's attempts, so an attacker holding one valid account could spray 19
        passwords, log in to their own account, and spray 19 more.
        """
        rules = get_lockout_parameters(request, credentials)
        count = 0
        for rule, attempts in zip(rules, self.filter_user_attempts(request, credentials), strict=True):
            if "username" in _rule_key(rule):
                count += attempts.delete()[0]
        return count


def _rule_key(rule: str | list[str]) -> str:
    """"username+ip_address" for ["username", "ip_address"], the key of AXES_FAILURE_LIMITS."""
    return rule if isinstance(rule, str) else "+".join(rule)
