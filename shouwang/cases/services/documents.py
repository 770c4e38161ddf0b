"""Case documents: the signed authorisation and other uploads (R-ID-02 step 1)."""

import hashlib
from pathlib import Path

from django.conf import settings
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

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# Magic numbers of the accepted upload types: a photo of the signed form, or a scan as PDF.
UPLOAD_TYPES = {
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG": ("image/png", ".png"),
    b"%PDF": (
        "application/pdf",
        ".pdf",
    ),
}


@transaction.atomic
def case_document_upload(
    *, case: Case, actor: User, kind: str, filename: str, content: bytes
) -> CaseDocument:
    """Store an uploaded file under DATA_DIR/uploads/cases/<case>/ (R-ID-02 step 1: signed authorisation)."""
    if actor.role not in CLUE_ROLES:
        raise Forbidden("您的角色无权上传案件材料")
    errors: list[RowError] = []
    if kind not in DocumentKindChoices.values:
        errors.append(row_error("kind", kind, "材料类型无效，可选：" + "、".join(DocumentKindChoices.values)))
    if not content:
        errors.append(row_error("file", filename, "文件为空"))
    elif len(content) > UPLOAD_MAX_BYTES:
        errors.append(row_error("file", filename, "文件不能超过10MB"))
    detected = next((v for magic, v in UPLOAD_TYPES.items() if content.startswith(magic)), None)
    if content and detected is None:
        errors.append(row_error("file", filename, "只接受JPEG、PNG照片或PDF扫描件"))
    refuse("上传材料", errors)
    assert detected is not None
    content_type, suffix = detected
    digest = hashlib.sha256(content).hexdigest()
    folder = Path(settings.DATA_DIR) / "uploads" / "cases" / str(case.pk)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{suffix}"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    doc = CaseDocument.objects.create(
        case=case,
        kind=kind,
        filename=Path(filename or "upload").name[:255],
        content_type=content_type,
        size=len(content),
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
        changes={"case": case.pk, "kind": kind, "sha256": digest, "size": len(content)},
        reason="上传案件材料",
    )
    return doc
