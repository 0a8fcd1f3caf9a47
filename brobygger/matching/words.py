"""The engine's reasons in the user's language ("shares: psychosis, admission; ...")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from brobygger.people.models import AgeBand, Gender, Language

from .engine import Reason, Suggestion

BLOCKED_WORDS = {
    "role": lambda: _("not the right kind of peer for this person"),
    "paused": lambda: _("not taking new courses"),
    "no_capacity": lambda: _("no free hours"),
    "gender_required": lambda: _("not the gender the person requires"),
    "age_required": lambda: _("not the age the person requires"),
    "language_required": lambda: _("does not speak the language the person requires"),
    "declined": lambda: _("has declined this person before"),
}


def reason_text(reason: Reason, tag_names: Mapping[str, str]) -> str:
    values = reason.values
    if reason.code == "base":
        return _("can take the course")
    if reason.code == "shared_experience":
        names = ", ".join(tag_names.get(str(v), str(v)) for v in values)
        return _("shares: %(experience)s") % {"experience": names}
    if reason.code == "gender":
        return _("is a %(gender)s, as wished") % {
            "gender": str(Gender(str(values[0])).label).lower()
        }
    if reason.code == "age_band":
        return _("is %(age)s, as wished") % {"age": AgeBand(str(values[0])).label}
    if reason.code == "language":
        return _("speaks %(language)s") % {"language": str(Language(str(values[0])).label).lower()}
    if reason.code == "unit":
        return _("works on the person's unit")
    if reason.code == "continuity":
        return _("the person knows this peer already")
    if reason.code == "free_hours":
        hours = float(values[0]) if values else 0.0
        return _("%(hours)s h free a week") % {"hours": f"{hours:g}"}
    if reason.code == "waiting":
        weeks = int(values[0]) if values else 0
        return ngettext("has waited %(n)d week", "has waited %(n)d weeks", weeks) % {"n": weeks}
    if reason.code == "blocked":
        return "; ".join(BLOCKED_WORDS.get(str(v), lambda v=v: str(v))() for v in values)
    return reason.code


def explanation(
    suggestion: Suggestion, tag_names: Mapping[str, str], *, away: Any = None
) -> list[dict[str, str]]:
    """Each part of the score in words, with its points; the points add up to the score.
    `away` (matching.selectors.ComingAbsence) says why the free hours are fewer."""
    lines = []
    for r in suggestion.reasons:
        if not (r.points or r.code == "blocked"):
            continue
        text = reason_text(r, tag_names)
        if r.code == "free_hours" and away is not None:
            text += " " + _("(away %(n)d of the coming %(of)d working days)") % {
                "n": away.absent_days,
                "of": away.working_days,
            }
        lines.append({"text": text, "points": f"{r.points:g}"})
    return lines
