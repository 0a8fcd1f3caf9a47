"""Refuse to start with a payroll format the payroll file cannot write (issue 19): an
unknown kind of hours, an empty or unknown column, or a separator that is not one of
; , | or a tab. Checked at start (brobygger/lib/startup.py), not when payroll downloads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from brobygger.lib.startup import STARTUP

from .hours import KINDS
from .payroll import COLUMNS, SEPARATORS


@register(STARTUP)
def payroll_format_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    codes = settings.PAYROLL_PAY_CODES
    unknown_kinds = sorted(set(codes) - set(KINDS))
    if unknown_kinds:
        errors.append(
            Error(
                f"PAYROLL_PAY_CODES names unknown kinds of hours: {unknown_kinds}.",
                hint=f"Use these kinds: {', '.join(KINDS)}.",
                id="brobygger.E020",
            )
        )
    empty = sorted(k for k in KINDS if not str(codes.get(k, "")).strip())
    if empty:
        errors.append(Error(f"PAYROLL_PAY_CODES has no pay code for {empty}.", id="brobygger.E021"))
    columns = list(settings.PAYROLL_COLUMNS)
    unknown_columns = [c for c in columns if c not in COLUMNS]
    if not columns or unknown_columns:
        errors.append(
            Error(
                f"PAYROLL_COLUMNS must name known columns, not {unknown_columns or 'none'}.",
                hint=f"Use some of: {', '.join(COLUMNS)}.",
                id="brobygger.E022",
            )
        )
    if settings.PAYROLL_SEPARATOR not in SEPARATORS:
        errors.append(
            Error(f"PAYROLL_SEPARATOR must be one of {sorted(SEPARATORS)!r}.", id="brobygger.E023")
        )
    return errors
