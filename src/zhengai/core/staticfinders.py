"""Serves the one browser library the platform uses for charts from the plotly wheel itself.

The wheel ships `plotly.min.js` (no CDN is reachable from a college's intranet). Only that file is exposed,
as `vendor/plotly.min.js`, not the rest of the package's data folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

NAME = "vendor/plotly.min.js"


def _source() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class PlotlyFinder(BaseFinder):
    def check(self, **kwargs: Any) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path != NAME:
            return [] if (find_all or kwargs.get("all")) else None
        found = str(_source())
        return [found] if (find_all or kwargs.get("all")) else found

    def list(self, ignore_patterns: Any):
        storage = FileSystemStorage(location=str(_source().parent))
        storage.prefix = "vendor"
        yield "plotly.min.js", storage
