"""Uploads: a size limit enforced while the request body streams in, and content checks by file type.

``LimitedUploadHandler`` is the first of ``FILE_UPLOAD_HANDLERS``: it counts each file's bytes as they
arrive and skips a file the moment it passes ``SHOUWANG_UPLOAD_MAX_BYTES``, so an oversized upload is
never held (in memory or in a temporary file) beyond the limit; the rest of the form still parses, so the
view can answer with a Chinese reason instead of a bare 400. ``upload_type_check`` decides the type of a
stored file by its content, never by its name or the client's Content-Type.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from PIL import Image, UnidentifiedImageError

CHUNK = 64 * 1024

# Markers of markup or script that have no business in a scan or a photo: a file carrying them is a
# polyglot that a browser or viewer might render as a page.
ACTIVE_MARKERS = (
    b"<html",
    b"<!doctype",
    b"<head",
    b"<body",
    b"<script",
    b"<iframe",
    b"<svg",
    b"<object",
    b"<embed",
    b"<meta",
    b"javascript:",
)
# PDF actions that run code or open other programs: a signed form needs none.
PDF_ACTIVE = (b"/javascript", b"/launch", b"/js ", b"/js(", b"/js<")

TYPES = {
    b"\xff\xd8\xff": ("image/jpeg", ".jpg", "JPEG"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png", "PNG"),
    b"%PDF-": ("application/pdf", ".pdf", ""),
}


def upload_max_bytes() -> int:
    return int(settings.SHOUWANG_UPLOAD_MAX_BYTES)


def upload_limit_message() -> str:
    return f"文件不能超过{upload_max_bytes() // (1024 * 1024)}MB"


class LimitedUploadHandler(FileUploadHandler):
    """Counts every file's bytes while they stream in and drops the file at the limit. The dropped
    field's name lands in ``request.uploads_refused`` (see ``uploads_refused``)."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > upload_max_bytes():
            assert self.request is not None
            refused = getattr(self.request, "_uploads_refused", [])
            refused.append(self.field_name)
            self.request._uploads_refused = refused  # type: ignore[attr-defined]
            # The parser closes (and so deletes) what later handlers received and discards the rest.
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def uploads_refused(request: HttpRequest) -> list[str]:
    """Names of the file fields dropped for being over the limit (parses the body if not yet done)."""
    if request.method == "POST":
        _ = request.FILES
    return list(getattr(request, "_uploads_refused", []))


def _contains(path: Path, markers: tuple[bytes, ...]) -> bool:
    """Case-insensitive search of the whole file, a chunk at a time (with overlap for split markers)."""
    overlap = max(len(m) for m in markers)
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            window = (tail + chunk).lower()
            if any(m in window for m in markers):
                return True
            tail = window[-overlap:]
    return False


def _pdf_problem(path: Path, size: int) -> str:
    with path.open("rb") as f:
        head = f.read(16)
        f.seek(max(0, size - 2048))
        end = f.read()
    if not (head.startswith((b"%PDF-1.", b"%PDF-2.")) and b"%%EOF" in end and b"startxref" in end):
        return "PDF文件结构不完整或已损坏，请重新扫描"
    if _contains(path, PDF_ACTIVE):
        return "PDF文件含有脚本或外部程序动作，不能接受"
    return ""


def _image_problem(path: Path, expected: str) -> str:
    try:
        with Image.open(path) as img:
            if img.format != expected:
                return "照片格式与文件内容不符"
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return "照片无法识别或已损坏，请重新拍摄"
    return ""


def upload_type_check(path: Path) -> tuple[str, str] | str:
    """``(content_type, suffix)`` of an accepted file, or the Chinese reason it is refused: JPEG or PNG
    that decodes, or a PDF with its header, cross-reference and end marker; none may carry markup."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(16)
    found = next((v for magic, v in TYPES.items() if head.startswith(magic)), None)
    if found is None:
        return "只接受JPEG、PNG照片或PDF扫描件"
    content_type, suffix, image_format = found
    problem = _image_problem(path, image_format) if image_format else _pdf_problem(path, size)
    if not problem and _contains(path, ACTIVE_MARKERS):
        problem = "文件内含网页或脚本内容，不能接受"
    return problem or (content_type, suffix)
