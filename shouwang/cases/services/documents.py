"""Case documents: the signed authorisation and other uploads (R-ID-02 step 1)."""

import contextlib
import hashlib
import io
import uuid
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files import File
from django.db import transaction

from shouwang.accounts.access import Forbidden
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases.choices import DocumentKindChoices
from shouwang.cases.models import Case, CaseDocument
from shouwang.cases.services._common import refuse, row_error
from shouwang.cases.services.clues import CLUE_ROLES
from shouwang.common.errors import RowError
from shouwang.common.uploads import CHUNK, upload_limit_message, upload_max_bytes, upload_type_check


def _receive(content: "bytes | BinaryIO | File[Any]", dest: Path) -> tuple[int, str, bool]:
    """Copy the upload to ``dest`` a chunk at a time: (bytes written, sha256, over the limit). Stops at
    the first byte over the limit, so nothing larger than the limit is ever read or written."""
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    limit = upload_max_bytes()
    digest = hashlib.sha256()
    size = 0
    with dest.open("wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                return size, "", True
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest(), False


@transaction.atomic
def case_document_upload(
    *, case: Case, actor: User, kind: str, filename: str, content: "bytes | BinaryIO | File[Any]"
) -> CaseDocument:
    """Store an uploaded file under DATA_DIR/uploads/cases/<case>/ (R-ID-02 step 1: signed authorisation).
    ``content`` is bytes or an open file (a Django upload), read in chunks; its type is decided by its
    content (shouwang.common.uploads). A refused file leaves nothing behind."""
    if actor.role not in CLUE_ROLES:
        raise Forbidden("您的角色无权上传案件材料")
    errors: list[RowError] = []
    if kind not in DocumentKindChoices.values:
        errors.append(row_error("kind", kind, "材料类型无效，可选：" + "、".join(DocumentKindChoices.values)))
    folder = Path(settings.DATA_DIR) / "uploads" / "cases" / str(case.pk)
    folder.mkdir(parents=True, exist_ok=True)
    incoming = folder / f".incoming-{uuid.uuid4().hex}.part"
    try:
        size, digest, over = _receive(content, incoming)
        detected: tuple[str, str] | str = ""
        if size == 0:
            errors.append(row_error("file", filename, "文件为空"))
        elif over:
            errors.append(row_error("file", filename, upload_limit_message()))
        else:
            detected = upload_type_check(incoming)
            if isinstance(detected, str):
                errors.append(row_error("file", filename, detected))
        refuse("上传材料", errors)
        assert isinstance(detected, tuple)
        content_type, suffix = detected
        path = folder / f"{digest}{suffix}"
        if path.exists():
            incoming.unlink()
        else:
            incoming.replace(path)
    finally:
        incoming.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only succeeds if the refusal left the case's folder empty
    doc = CaseDocument.objects.create(
        case=case,
        kind=kind,
        filename=Path(filename or "upload").name[:255],
        content_type=content_type,
        size=size,
        sha256=digest,
        stored_path=str(path),
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditActionChoices.CREATE,
        object_type="case_document",
        object_id=str(doc.pk),
        region_code=case.household.village_id,
        changes={"case": case.pk, "kind": kind, "sha256": digest, "size": size},
        reason="上传案件材料",
    )
    return doc
