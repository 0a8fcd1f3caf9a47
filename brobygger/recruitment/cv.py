"""Checking an uploaded CV by reading it, not by trusting its name or content type."""

from __future__ import annotations

import zipfile
from pathlib import PurePath
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import CvKind

MAX_CV_BYTES = 5 * 1024 * 1024
DOCX_MEMBERS = ("[Content_Types].xml", "word/document.xml")
CONTENT_TYPES: dict[str, str] = {
    CvKind.PDF: "application/pdf",
    CvKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _is_docx(file: IO[bytes]) -> bool:
    try:
        if not zipfile.is_zipfile(file):
            return False
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return all(member in names for member in DOCX_MEMBERS)


def check_cv(upload: Any) -> str:
    """The CV's kind (pdf or docx), or a ValidationError saying what is wrong."""
    suffix = PurePath(str(upload.name or "")).suffix.lower()
    if suffix not in (".pdf", ".docx"):
        raise ValidationError(_("Upload your CV as a PDF or Word (.docx) file."), code="extension")
    if upload.size is None or upload.size > MAX_CV_BYTES:
        raise ValidationError(_("The CV file is too large. The limit is 5 MB."), code="size")
    if upload.size == 0:
        raise ValidationError(_("The CV file is empty."), code="empty")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    try:
        if suffix == ".pdf":
            if head != b"%PDF-":
                raise ValidationError(
                    _("The file is not a PDF file, even though its name ends in .pdf."),
                    code="content",
                )
            return CvKind.PDF
        if not _is_docx(upload):
            raise ValidationError(
                _("The file is not a Word document, even though its name ends in .docx."),
                code="content",
            )
        return CvKind.DOCX
    finally:
        upload.seek(0)
