"""Deploy checks (`manage.py check --deploy`): the audit log's key and checkpoints."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

MIN_KEY_LENGTH = 32


@register(Tags.security, deploy=True)
def audit_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    key = settings.AUDIT_HMAC_KEY
    if key == settings.DEV_AUDIT_HMAC_KEY or len(key) < MIN_KEY_LENGTH:
        errors.append(
            Error(
                "AUDIT_HMAC_KEY is the development key or shorter than "
                f"{MIN_KEY_LENGTH} characters.",
                hint="Set AUDIT_HMAC_KEY to a long random value (e.g. `openssl rand -hex 32`) "
                "and keep a copy with the audit checkpoints.",
                id="audit.E001",
            )
        )
    if not settings.AUDIT_CHECKPOINT_DIR:
        errors.append(
            Error(
                "AUDIT_CHECKPOINT_DIR is not set.",
                hint="A directory outside the database that the administrator keeps; "
                "`manage.py seal_audit` writes signed checkpoints there.",
                id="audit.E002",
            )
        )
    if not settings.AUDIT_ACCESS_LOG:
        errors.append(Error("The access log is switched off (AUDIT_ACCESS_LOG).", id="audit.E003"))
    return errors
