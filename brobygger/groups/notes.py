"""Signs that a group note is about one person rather than the group as a whole."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

# DDMMYY-SSSS with or without the dash, not part of a longer number.
CPR_PATTERN = re.compile(r"(?<!\d)\d{6}[- ]?\d{4}(?!\d)")


def named_in(text: str, given_names: Iterable[str]) -> list[str]:
    """The first names (or parts of double names) written in `text` as names.

    Case-sensitive on purpose: Danish first names such as Dag, Per, Bo and Tage are
    also everyday words ("i dag", "per uge"), and names are written with a capital.
    """
    words = {word for name in given_names for word in name.split() if len(word) >= 2}
    return sorted(w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text))


def detail_warnings(text: str, given_names: Iterable[str]) -> list[str]:
    warnings: list[str] = []
    if CPR_PATTERN.search(text):
        warnings.append(_("The note seems to contain a CPR number."))
    found = named_in(text, given_names)
    if found:
        warnings.append(
            _("The note seems to name a participant (%(names)s).") % {"names": ", ".join(found)}
        )
    return warnings
