"""Danish CPR numbers: validation by the CPR office's rules, masking for screens.

Numbers without a valid modulus-11 check digit have been issued since 2007 and are
valid (CPR-kontoret), so the check digit never decides validity; python-stdnum's
validator checks format and the embedded birth date (century from digit 7) only.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import (
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.exceptions import (
    ValidationError as StdnumError,
)

MOD11_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def normalise(value: str) -> str:
    """Strip spaces and the dash; keep digits only if that is all there is."""
    return stdnum_cpr.compact(value or "")


def validate(value: str) -> str:
    """Return the 10-digit CPR number or raise a translated ValidationError."""
    number = normalise(value)
    try:
        return stdnum_cpr.validate(number)
    except InvalidLength as exc:
        raise ValidationError(
            _("A CPR number has 10 digits (DDMMYY-SSSS)."), code="length"
        ) from exc
    except InvalidFormat as exc:
        raise ValidationError(
            _("A CPR number may contain only digits and a dash."), code="format"
        ) from exc
    except InvalidComponent as exc:
        raise ValidationError(
            _("The first six digits of a CPR number must be a real birth date (DDMMYY)."),
            code="date",
        ) from exc
    except StdnumError as exc:
        raise ValidationError(_("This is not a valid CPR number."), code="invalid") from exc


def birth_date(number: str) -> datetime.date:
    return stdnum_cpr.get_birth_date(normalise(number))


def has_mod11_check(number: str) -> bool:
    """True when the old check digit holds. Informational only: never reject on it."""
    digits = normalise(number)
    return sum(int(d) * w for d, w in zip(digits, MOD11_WEIGHTS, strict=True)) % 11 == 0


def mask(number: str | None) -> str:
    """Birth date visible, serial hidden: 010190-XXXX."""
    if not number:
        return ""
    digits = normalise(number)
    return f"{digits[:6]}-XXXX"


def formatted(number: str | None) -> str:
    if not number:
        return ""
    digits = normalise(number)
    return f"{digits[:6]}-{digits[6:]}"
