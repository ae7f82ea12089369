from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from zhengai.frameworks.services import BUILTIN_DIR, BUILTIN_FILES, framework_load

MINI = json.loads((Path(__file__).parent / "mini.json").read_text(encoding="utf-8"))
# The built-in tables another engineer writes; tests that need them skip until they exist.
REAL = [name for name in BUILTIN_FILES if (BUILTIN_DIR / name).exists()]


def counts_of(data: dict[str, Any]) -> dict[str, int]:
    """The four counts of a table in its JSON form, computed from the JSON itself."""
    elements = [e for p in data["projects"] for e in p["elements"]]
    points = [pt for e in elements for pt in e["points"]]
    return {"projects": len(data["projects"]), "elements": len(elements), "points": len(points),
            "tasks": sum(len(pt["tasks"]) for pt in points)}


@pytest.fixture
def mini_data() -> dict[str, Any]:
    return copy.deepcopy(MINI)


@pytest.fixture
def mini(db, mini_data):
    """The small test table, loaded as a built-in."""
    return framework_load(data=mini_data)
