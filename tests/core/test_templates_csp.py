"""The Content-Security-Policy allows scripts only from our static files: no template may carry an inline
script, an on…= handler or a javascript: URL — the browser would refuse it and the page would silently break."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import zhengai

TEMPLATES = sorted(Path(zhengai.__file__).parent.glob("**/templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(Path(zhengai.__file__).parent)))
def test_no_template_holds_script_the_policy_refuses(path):
    text = path.read_text()
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to a static file"
    assert not HANDLER.search(text), "on…= handler: use data-confirm / data-autosubmit / data-print (ui.js)"
    assert "javascript:" not in text.lower()
