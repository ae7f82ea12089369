"""Evidence files (支撑材料, 判定证据) people upload: one set of checks and one way of serving them, for every app
that keeps such files (a task record's evidence in goals, a qualitative judgment's in monitoring).

A file is untrusted: its type is decided from the extension on a short list (never from what the browser
says), files whose first bytes look like a web page or a script are refused whatever their name, it is stored
under a generated name, and it is only ever served as a download.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404

ALLOWED_EXTENSIONS = {"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "jpg", "jpeg", "png", "txt", "csv", "zip"}
# The content type a download is answered with: only these few; everything else is an opaque download.
SAFE_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}
# Signatures of content a browser could run: a page, an SVG, a script. Checked on the (lower-cased) start of
# the file after leading whitespace and a byte-order mark.
ACTIVE_MARKERS = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe",
                  b"<object", b"<embed", b"<meta", b"<a ", b"<img", b"<style", b"<div", b"<form", b"<!--",
                  b"javascript:")
SNIFF_BYTES = 1024


def evidence_max_bytes() -> int:
    return int(getattr(settings, "ZHENGAI_EVIDENCE_MAX_MB", 20)) * 1024 * 1024


def extension_of(name: str) -> str:
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def looks_active(head: bytes) -> bool:
    """Whether the first bytes look like HTML, SVG or script — content a browser might render and run."""
    start = head.lstrip(b"\xef\xbb\xbf").lstrip(b"\xff\xfe").lstrip(b"\xfe\xff").lstrip().lower()
    # UTF-16 text hides markup between zero bytes.
    start = start.replace(b"\x00", b"")
    return any(start.startswith(marker) for marker in ACTIVE_MARKERS) or b"<script" in start[:SNIFF_BYTES]


def check_evidence(name: str, size: int, head: bytes) -> str:
    """The file's extension if it may be kept; a ValidationError (Chinese) otherwise."""
    ext = extension_of(name)
    if ext not in ALLOWED_EXTENSIONS:
        allowed = "、".join(sorted(ALLOWED_EXTENSIONS))
        raise ValidationError(f"不接受“.{ext or '无扩展名'}”类型的文件。可上传的类型：{allowed}")
    if size <= 0:
        raise ValidationError("文件是空的")
    limit = evidence_max_bytes()
    if size > limit:
        raise ValidationError(f"文件太大（{size / 1024 / 1024:.1f} MB），单个文件不能超过 {limit // 1024 // 1024} MB")
    if looks_active(head):
        raise ValidationError("文件内容像网页或脚本，与扩展名不符，已拒绝。请上传原始文档或图片")
    return ext


def content_type_for(name: str) -> str:
    """A safe content type for a download: a few document and image types, else an opaque byte stream."""
    return SAFE_TYPES.get(extension_of(name), "application/octet-stream")


@dataclass
class CheckedUpload:
    """What a model keeping the file stores: the upload (renamed to a random stem and its checked
    extension), the name people gave it (for display only), its size, safe content type and checksum."""

    file: Any
    name: str
    size: int
    content_type: str
    sha256: str


def check_upload(upload: Any) -> CheckedUpload:
    """Check a Django UploadedFile (ValidationError in Chinese when refused) and prepare it for storing."""
    original = os.path.basename((upload.name or "").replace("\\", "/"))[:200]
    size = upload.size or 0
    upload.seek(0)
    ext = check_evidence(original, size, upload.read(SNIFF_BYTES))
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    upload.name = f"{uuid.uuid4().hex}.{ext}"
    return CheckedUpload(file=upload, name=original, size=size, content_type=content_type_for(original),
                         sha256=digest.hexdigest())


def attachment_response(stored: Any, name: str) -> FileResponse:
    """Always a download: a stored page or image could otherwise run or be shown in the platform's origin."""
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("文件已不存在") from exc
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type_for(name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
