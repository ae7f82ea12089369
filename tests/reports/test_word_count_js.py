"""The browser's live count (static/reports/word_count.js) runs the server's rule: the same table of Word
counts through node, with the pattern the page hands over."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from zhengai.reports import rules

from .test_rules import WORD_COUNTS

SCRIPT = Path(rules.__file__).parent / "static" / "reports" / "word_count.js"


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
def test_the_browser_counts_as_word_does():
    program = (f"const {{ wordCount }} = require({json.dumps(str(SCRIPT))});"
               "const [pattern, table] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
               "console.log(JSON.stringify(table.map(([t]) => wordCount(pattern, t.normalize('NFC')))));")
    data = json.dumps([rules.WORD_PATTERN_JS, WORD_COUNTS])
    out = subprocess.run(["node", "-e", program], input=data, capture_output=True, text=True, check=True, timeout=30)
    assert json.loads(out.stdout) == [n for _, n in WORD_COUNTS]


def test_the_editor_hands_the_pattern_to_the_page():
    html = (Path(rules.__file__).parent / "templates" / "reports" / "report_detail.html").read_text()
    assert 'data-word-pattern="{{ word_pattern }}"' in html
