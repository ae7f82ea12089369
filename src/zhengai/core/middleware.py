from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from .permissions import access_for

SESSION_KEY = "zhengai_institution"


def current_institution(request: HttpRequest):
    """The institution the user is working in: the one chosen in the session, else their first."""
    user = request.user
    if not user.is_authenticated:
        return None
    from .models import Institution

    access = access_for(user)
    ids = access.institution_ids()
    chosen = request.session.get(SESSION_KEY)
    if chosen in ids or (chosen and access.is_superuser):
        return Institution.objects.filter(pk=chosen).first()
    if ids:
        return Institution.objects.filter(pk__in=ids).order_by("code").first()
    if access.is_superuser:
        return Institution.objects.order_by("code").first()
    return None


def institution_of(request: HttpRequest):
    """`current_institution`, computed once per request."""
    if not hasattr(request, "_zhengai_institution"):
        request._zhengai_institution = current_institution(request)  # type: ignore[attr-defined]
    return request._zhengai_institution  # type: ignore[attr-defined]


class CurrentMembershipMiddleware:
    """Puts `request.access` (the user's memberships, read lazily once) on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.access = SimpleLazyObject(lambda: access_for(request.user))  # type: ignore[attr-defined]
        return self.get_response(request)


# Scripts only from our own files: no inline script, no handler attribute, no eval — an injected
# `<script>` or `onerror=` then does nothing. Styles allow 'unsafe-inline': the templates carry a few
# style attributes and plotly injects its chart styles; a style cannot run code. Images allow data: (plotly's
# "download as PNG" and its mode-bar icons). frame-ancestors 'none' refuses framing (click-jacking), as
# X-Frame-Options DENY does for older browsers.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class SecurityHeadersMiddleware:
    """The Content-Security-Policy on every response, and the Secure flag on every cookie sent over HTTPS.

    Django 5.2 has no CSP of its own (its other headers — nosniff, Referrer-Policy, X-Frame-Options — come from
    SecurityMiddleware and XFrameOptionsMiddleware, configured in settings). A cookie set on an HTTPS request is
    marked Secure whatever ZHENGAI_SECURE_COOKIES says, so a deployer who forgets it still never sends the
    session over plain HTTP. Placed before the session and CSRF middleware, it sees the cookies they set.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.is_secure():
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response
