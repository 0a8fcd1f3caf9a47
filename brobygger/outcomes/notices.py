"""A questionnaire score that crossed a configured threshold: tell the peer and the
coordinators (settings.NOTIFY_SCORE_THRESHOLDS).

The text names the questionnaire and the score's reference ("S-12") only: not the
person, not the score, not the direction. The link leads to the course's trend, which
the inbox offers only while the reader may still see the person.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy

from brobygger.lib.language import text_language
from brobygger.notifications.models import NotificationKind
from brobygger.notifications.selectors import coordinators_for_unit
from brobygger.notifications.services import notify

from .models import Instrument, Score


def reference(score: Score) -> str:
    """The score's reference in texts that may name no person: "S-12" (skema)."""
    return f"S-{score.pk}"


def _value(score: Score, scale: str) -> float | None:
    value = score.total if scale == "total" else (score.subscales or {}).get(scale)
    return float(value) if isinstance(value, int | float) else None


def crossed(rules: dict[str, Any], value: float, previous: float | None) -> bool:
    """Whether `value` (after `previous`, the course's last score) crosses a rule."""
    below, above, drop = rules.get("below"), rules.get("above"), rules.get("drop")
    if below is not None and value < below and (previous is None or previous >= below):
        return True
    if above is not None and value > above and (previous is None or previous <= above):
        return True
    return drop is not None and previous is not None and previous - value >= drop


def crossed_scales(score: Score) -> list[str]:
    """The configured scales of this score's instrument that it crossed."""
    rules = settings.NOTIFY_SCORE_THRESHOLDS.get(score.version.instrument.key, {})
    if not rules or score.course_id is None:
        return []
    earlier = (
        Score.objects.for_course(score.course_id)
        .of_instrument(score.version.instrument.key)
        .exclude(pk=score.pk)
        .filter(administered_on__lte=score.administered_on)
        .order_by("-administered_on", "-pk")
        .first()
    )
    found = []
    for scale, scale_rules in rules.items():
        value = _value(score, scale)
        if value is None or not isinstance(scale_rules, dict):
            continue
        previous = _value(earlier, scale) if earlier is not None else None
        if crossed(scale_rules, value, previous):
            found.append(scale)
    return found


def _instrument_name(instrument: Instrument) -> str:
    return instrument.name_en if text_language(get_language()) == "en" else instrument.name_da


def notify_threshold(score: Score) -> int:
    """Notify the course's peer and the person's coordinators if the score crossed a
    threshold; once per score. How many notifications were made."""
    if not crossed_scales(score):
        return 0
    course = score.course
    assert course is not None  # crossed_scales needs a course
    person = course.person
    recipients = [course.peer.user]
    if person.unit_id is not None:
        recipients += list(coordinators_for_unit(person.unit_id))
    name = lazy(_instrument_name, str)(score.version.instrument)
    return len(
        notify(
            kind=NotificationKind.SCORE_THRESHOLD,
            recipients=recipients,
            title=format_lazy(
                gettext_lazy("A score crossed the threshold on questionnaire {name} ({ref})"),
                name=name,
                ref=reference(score),
            ),
            link=reverse("outcomes:trend", args=[course.pk]),
            person=person,
            dedupe_key=f"score-threshold:{score.pk}",
        )
    )
