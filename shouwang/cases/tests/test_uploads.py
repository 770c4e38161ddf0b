"""Case documents: the size limit holds while the body streams in (a 200 MB upload is never held in
memory), the type is decided by the content (a PDF must be a PDF, a photo must decode, no file may carry
a web page), and a refused upload stores nothing (docs/cases.md "Documents")."""

import io
import json
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client
from django.test.client import ClientHandler
from django.urls import reverse
from PIL import Image
from reportlab.pdfgen import canvas

from shouwang.audit.models import AuditEntry
from shouwang.cases import services
from shouwang.cases.choices import ChannelChoices
from shouwang.cases.models import CaseDocument
from shouwang.cases.tests.helpers import D0, JPEG, Api, set_today
from shouwang.common.errors import InputRefused
from shouwang.testing.builders import make_household, make_user

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def pdf_bytes() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Authorisation")
    c.save()
    return buf.getvalue()


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 0)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def village(monkeypatch):
    set_today(monkeypatch, D0)
    return make_user("village")


@pytest.fixture
def case(village):
    household = make_household("H_LI")
    clue = services.clue_submit(
        actor=village,
        channel=ChannelChoices.CADRE_VISIT,
        household=household,
        risk_types=["illness"],
        reported_on=D0,
    )
    assert clue.case is not None
    return clue.case


def stored(settings) -> list[Path]:
    root = Path(settings.DATA_DIR) / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(case, village, content: bytes, name: str = "授权书.pdf"):
    return services.case_document_upload(
        case=case, actor=village, kind="authorisation", filename=name, content=content
    )


def test_real_pdf_png_and_jpeg_are_accepted(case, village, settings):
    for content, name, kind in [
        (pdf_bytes(), "a.pdf", "application/pdf"),
        (png_bytes(), "b.png", "image/png"),
        (JPEG, "c.jpg", "image/jpeg"),
    ]:
        doc = upload(case, village, content, name)
        assert doc.content_type == kind and Path(doc.stored_path).read_bytes() == content
    assert len(stored(settings)) == 3


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF\n", "结构不完整"),
        (
            pdf_bytes().replace(b"%%EOF", b"<html><script>alert(document.cookie)</script></html>\n%%EOF"),
            "网页或脚本",
        ),
        (pdf_bytes() + b"\n<!DOCTYPE html><iframe src=x>", "网页或脚本"),
        (pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript >>"), "脚本"),
        (pdf_bytes()[: len(pdf_bytes()) // 2], "结构不完整"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4, "无法识别"),
        (JPEG + b"<svg onload=alert(1)>", "网页或脚本"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "无法识别"),
        (b"<html>%PDF-1.4", "只接受JPEG"),
        (b"", "文件为空"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused_and_nothing_is_stored(
    case, village, settings, content, reason
):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(InputRefused, match=reason):
        upload(case, village, content)
    assert CaseDocument.objects.count() == 0
    assert stored(settings) == []
    assert not (Path(settings.DATA_DIR) / "uploads" / "cases" / str(case.pk)).exists()
    assert AuditEntry.objects.count() == audit_before


def test_an_upload_over_the_limit_is_refused_after_reading_only_the_limit(case, village, settings):
    class Counting(io.BytesIO):
        served = 0

        def read(self, size: int | None = -1) -> bytes:
            data = super().read(size)
            self.served += len(data)
            return data

    big = Counting(b"%PDF-1.4\n" + b"0" * (11 * MB))
    with pytest.raises(InputRefused, match="文件不能超过10MB"):
        upload(case, village, big)  # type: ignore[arg-type]
    assert big.served <= settings.SHOUWANG_UPLOAD_MAX_BYTES + 64 * 1024
    assert CaseDocument.objects.count() == 0 and stored(settings) == []


class LazyMultipart:
    """A multipart body of ``size`` file bytes, made as it is read: the test never holds it either."""

    BOUNDARY = "shouwang-test-boundary"

    def __init__(self, size: int) -> None:
        b = self.BOUNDARY
        self.head = (
            f'--{b}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nauthorisation\r\n'
            f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        ).encode()
        self.tail = f"\r\n--{b}--\r\n".encode()
        self.size = size
        self.length = len(self.head) + size + len(self.tail)
        self.pos = 0

    def read(self, n: int = -1) -> bytes:
        n = self.length - self.pos if n is None or n < 0 else min(n, self.length - self.pos)
        out = bytearray()
        while len(out) < n:
            p = self.pos + len(out)
            if p < len(self.head):
                out += self.head[p : p + n - len(out)]
            elif p < len(self.head) + self.size:
                out += b"0" * min(n - len(out), len(self.head) + self.size - p)
            else:
                q = p - len(self.head) - self.size
                out += self.tail[q : q + n - len(out)]
        self.pos += len(out)
        return bytes(out)

    def readline(self, size: int = -1) -> bytes:  # part of the WSGI input interface; unused here
        raise AssertionError("multipart parsing never reads lines")


def _post_lazily(case: Any, village: Any, size: int) -> tuple[Any, int]:
    """POST a ``size``-byte upload through the whole WSGI stack; the response and Python's peak memory."""
    token = Api(village).headers["Authorization"]
    body = LazyMultipart(size)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/api/v1/cases/{case.pk}/documents",
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": f"multipart/form-data; boundary={LazyMultipart.BOUNDARY}",
        "CONTENT_LENGTH": str(body.length),
        "HTTP_AUTHORIZATION": token,
        "wsgi.input": body,
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    tracemalloc.start()
    try:
        response: Any = ClientHandler()(environ)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return response, peak


def _count_spooled(monkeypatch: Any) -> dict[str, int]:
    """What the spooling handlers after the limit handler ever receive (memory, then a temporary file)."""
    spooled = {"MemoryFileUploadHandler": 0, "TemporaryFileUploadHandler": 0}
    for cls in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = cls.receive_data_chunk

        def counting(self, raw_data, start, _original=original):
            spooled[type(self).__name__] += len(raw_data)
            return _original(self, raw_data, start)

        monkeypatch.setattr(cls, "receive_data_chunk", counting)
    return spooled


def test_a_200_mb_api_upload_is_refused_by_its_announced_length_before_any_is_read(
    case, village, settings, monkeypatch
):
    spooled = _count_spooled(monkeypatch)
    response, peak = _post_lazily(case, village, 200 * MB)
    assert response.status_code == 413, response.content
    assert json.loads(response.content)["errors"][0]["column"] == "Content-Length"
    assert peak < 32 * MB, f"peak {peak / MB:.0f} MB"
    assert max(spooled.values()) == 0
    assert CaseDocument.objects.count() == 0 and stored(settings) == []


def test_a_200_mb_api_upload_is_refused_while_streaming_without_being_held(
    case, village, settings, monkeypatch
):
    # A proxy that allows large bodies (or a body whose length was not announced): the upload handler itself
    # stops at the document limit.
    settings.SHOUWANG_API_MAX_UPLOAD_BYTES = 1024 * MB
    spooled = _count_spooled(monkeypatch)
    response, peak = _post_lazily(case, village, 200 * MB)
    assert response.status_code == 422, response.content
    assert json.loads(response.content)["errors"][0]["reason"] == "文件不能超过10MB"
    assert peak < 32 * MB, f"peak {peak / MB:.0f} MB"
    assert 0 < max(spooled.values()) <= settings.SHOUWANG_UPLOAD_MAX_BYTES
    assert CaseDocument.objects.count() == 0 and stored(settings) == []


def test_the_console_refuses_an_oversized_upload_in_chinese(case, village, settings):
    client = Client()
    client.force_login(village)
    big = SimpleUploadedFile(
        "授权书.pdf", b"%PDF-1.4\n" + b"0" * (10 * MB + 1), content_type="application/pdf"
    )
    response = client.post(
        reverse("console:case_document", args=[case.pk]), {"kind": "authorisation", "file": big}
    )
    assert response.status_code == 413
    assert "文件不能超过10MB" in response.content.decode()
    assert CaseDocument.objects.count() == 0 and stored(settings) == []


def test_the_api_refuses_a_pdf_with_a_web_page_inside(case, village, settings):
    api = Api(village)
    polyglot = b"%PDF-1.4\n1 0 obj<<>>endobj\n<html><script>alert(1)</script></html>\nstartxref\n0\n%%EOF\n"
    response = api.upload(f"/api/v1/cases/{case.pk}/documents", polyglot, name="授权书.pdf")
    assert response.status_code == 422
    assert "网页或脚本" in response.json()["detail"]
    assert CaseDocument.objects.count() == 0 and stored(settings) == []
