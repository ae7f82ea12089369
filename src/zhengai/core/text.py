"""The one text cleaner every entrance uses: spreadsheet cells (every importer), API pushes (which run through
the same importers) and form fields (`core.forms.CleanTextMixin`).

What it refuses, and why:

* control characters other than tab and newline (C0, DEL and the C1 range U+0080–U+009F): invisible, they make
  two equal-looking codes differ, XML (so .xlsx and .docx exports) cannot hold most of them — one stored
  "\\x07" made every export answer 500 — and PostgreSQL refuses NUL outright;
* the bidirectional controls — embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, and the marks
  U+200E, U+200F and U+061C: an override makes "txt.exe" read as "exe.txt" on a page or in Word. The marks do
  not reorder text by themselves, but they are just as invisible, have no use in Chinese or English records,
  and would make "S001" and "S001\\u200e" two different students; refusing them costs a clerk nothing;
* lone surrogates and the non-characters U+FFFE/U+FFFF, which a JSON body can carry and no database or XML
  file can store.

Line endings are not refused: CR LF and a bare CR become LF. The text is NFC-normalised, so the same name typed
with a combining accent and with a composed letter is stored once.

A refusal is a ValueError in Chinese naming the character and its position; the caller adds the row and column
(a file) or the field (a form).
"""

from __future__ import annotations

import re
import unicodedata

# Tab (\x09) and LF (\x0a) are allowed; CR (\x0d) is turned into LF before the search.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_INVALID = "\ud800-\udfff\ufffe\uffff"
_REFUSED = re.compile(f"[{_CONTROLS}{_BIDI}{_INVALID}]")
_BIDI_SET = re.compile(f"[{_BIDI}]")
_INVALID_SET = re.compile(f"[{_INVALID}]")


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if _BIDI_SET.fullmatch(char):
        return f"改变文字方向的不可见字符 {code}"
    if _INVALID_SET.fullmatch(char):
        return f"无效字符 {code}"
    return f"不可见的控制字符 {code}"


def problem(value: str) -> str | None:
    """The Chinese reason `value` would be refused, or None."""
    found = _REFUSED.search(value.replace("\r", "\n"))
    if found is None:
        return None
    return f"含有{_describe(found.group())}（第{found.start() + 1}个字符）"


def clean(value: str) -> str:
    """`value` as it may be stored: line endings as LF, NFC; ValueError (Chinese) for a refused character."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if value.isascii():
        # The common case of codes and numbers: only the C0 controls and DEL can be wrong.
        if _REFUSED.search(value) is not None:
            raise ValueError(problem(value))
        return value
    if _REFUSED.search(value) is not None:
        raise ValueError(problem(value))
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def shown(value: str) -> str:
    """`value` safe to echo in a message: each refused character written as [U+XXXX]."""
    return _REFUSED.sub(lambda m: f"[U+{ord(m.group()):04X}]", value)


# Full-width forms a Chinese input method types where a number is wanted, and the minus signs Word and web
# pages substitute for a hyphen.
_HALF = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)},
                       "＋": "+", "－": "-", "−": "-", "．": ".", "，": ",", "／": "/", "：": ":", "\u3000": " ",
                       "ｅ": "e", "Ｅ": "E"})


def half_width(value: str) -> str:
    """Full-width digits, signs, decimal point, comma, slash and colon read as their half-width forms."""
    return value.translate(_HALF).strip() if not value.isascii() else value
