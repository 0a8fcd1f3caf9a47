"""Refuse to start with a file storage (FILE_STORAGE) that cannot be used.

Otherwise the mistake shows only when the first applicant uploads a CV, as an error page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.files.storage import InvalidStorageError, storages

from brobygger.lib.startup import STARTUP


@register(STARTUP)
def file_storage_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        storages.create_storage(settings.STORAGES["default"])
    except (InvalidStorageError, ImportError, TypeError, ValueError) as error:
        return [
            Error(
                f"The file storage cannot be used: {error}",
                hint="Check FILE_STORAGE (a storage class) and FILE_STORAGE_OPTIONS (JSON).",
                id="brobygger.E004",
            )
        ]
    return []
