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
