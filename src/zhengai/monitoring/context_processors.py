"""The unread-notification count for the page header (the lead adds it to settings and base.html)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    return {"unread_notifications": unread_count(getattr(request, "user", None))}
