"""A year of questionnaire answers for the demo programme, through the real services.

The courses' schedules (start, discharge, 3 months after, end) were planned by
`sync_schedule` as the demo's courses moved through their phases. Here the people
answer them, as in a real programme: most answer (with their peer, or on their own
phone through a link), some skip a question or two, some save half and never finish,
some decline, and some never answer at all. Nobody without a current consent to
questionnaires answers anything (the services refuse it anyway).

Scores improve modestly on average from the start to the follow-up, in the spirit of the
Danish QPR trial (DOMAIN.md §6: a difference of about 0.4 standard deviations), with
noise: some people get worse. The services stamp answers with the present moment, so
the dates are then moved back to when the answering happened (completion time, the
score's date, the link's expiry), consistent with the due dates and the course.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from brobygger.lib.dates import local_datetime
from brobygger.people.models import Consent, ConsentKind
from brobygger.referrals.models import Course

from . import services
from .models import (
    Administration,
    AdministrationStatus,
    AnsweredBy,
    InstrumentVersion,
    Score,
)
from .schedule import LINK_DAYS

# How many "steps" of improvement each timepoint stands for, counted from the start.
STEPS = {"start": 0.0, "discharge": 1.0, "end": 1.0, "after_3_months": 1.6}
# Shares of what happens to a due questionnaire of a person who has consented.
OUTCOMES = (
    ("answered", 0.70),
    ("skipped_items", 0.09),
    ("declined", 0.06),
    ("partial", 0.05),
    ("link_unanswered", 0.05),
    ("never", 0.05),
)
# Questionnaires due in the last few days are often not done yet.
STILL_OPEN_DAYS = 4


@dataclass
class _Person:
    level: float  # where the person starts, as a share of the scale (0..1)
    gain: float  # change per step, as a share of the scale (negative: gets worse)


@dataclass
class _Backdate:
    administration_id: int
    moment: datetime.datetime | None  # when it was answered (None: not answered)
    link_sent: datetime.datetime | None


def build_demo(builder: Any) -> None:
    """Answer the demo's due questionnaires; called from DemoBuilder.build()."""
    rng: random.Random = builder.rng
    today: datetime.date = builder.today
    _ensure_schedules(builder)
    consenting = set(
        Consent.objects.current()
        .filter(kind=ConsentKind.QUESTIONNAIRES)
        .values_list("person_id", flat=True)
    )
    due = list(
        Administration.objects.filter(due_on__lte=today, status=AdministrationStatus.DUE)
        .select_related("course__person", "course__peer__user", "version__instrument")
        .order_by("course_id", "due_on", "pk")
    )
    people: dict[int, _Person] = {}
    backdates: list[_Backdate] = []
    for administration in due:
        course = administration.course
        if course.person_id not in consenting:
            continue  # no consent: never asked, stays on the due list as "no consent"
        person = people.setdefault(
            course.person_id,
            _Person(
                level=min(0.9, max(0.1, rng.gauss(0.5, 0.16))),
                gain=rng.gauss(0.065, 0.09),
            ),
        )
        backdate = _answer(builder, rng, administration, person, today)
        if backdate is not None:
            backdates.append(backdate)
    _apply_backdates(backdates)


def _ensure_schedules(builder: Any) -> None:
    """A flushed database has lost the shipped questionnaires: install and plan again."""
    if services._main_version() is not None:
        return
    from .loader import install_shipped

    install_shipped(audit=False)
    for course in Course.objects.select_related("person").order_by("pk"):
        services.sync_schedule(actor=builder.coordinator, course=course)


def _answers(
    rng: random.Random,
    version: InstrumentVersion,
    person: _Person,
    timepoint: str,
    skip: int,
) -> dict[str, int | None]:
    low, high = int(version.scale["min"]), int(version.scale["max"])
    level = person.level + person.gain * STEPS.get(timepoint, 1.0) + rng.gauss(0, 0.05)
    answers: dict[str, int | None] = {}
    for item in version.items:
        share = min(1.0, max(0.0, level + rng.gauss(0, 0.12)))
        value = round(low + share * (high - low))
        # A reverse-scored item is answered the other way round by the same person.
        answers[item["key"]] = high + low - value if item.get("reverse") else value
    for key in rng.sample(list(answers), min(skip, len(answers) - 1)):
        answers[key] = None
    return answers


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return local_datetime(day, datetime.time(rng.randint(9, 19), rng.choice([0, 15, 30, 45])))


def _answer(
    builder: Any,
    rng: random.Random,
    administration: Administration,
    person: _Person,
    today: datetime.date,
) -> _Backdate | None:
    age = (today - administration.due_on).days
    if age < STILL_OPEN_DAYS and rng.random() < 0.6:
        return None
    roll = rng.random()
    outcome = OUTCOMES[-1][0]
    for name, share in OUTCOMES:
        if roll < share:
            outcome = name
            break
        roll -= share
    if outcome == "never":
        return None
    peer_user = administration.course.peer.user
    via_link = outcome == "link_unanswered" or rng.random() < 0.4
    link_day = administration.due_on
    link_sent = None
    if via_link:
        services.issue_link(actor=peer_user, administration=administration)
        link_sent = _moment(link_day, rng)
    if outcome == "link_unanswered":
        return _Backdate(administration.pk, None, link_sent)
    delay = rng.randint(1, LINK_DAYS - 1) if via_link else rng.choice([0, 0, 1, 2, 3, 7])
    answered_on = min(today, administration.due_on + datetime.timedelta(days=delay))
    answered_by = AnsweredBy.PERSON_LINK if via_link else AnsweredBy.WITH_PEER
    actor = None if via_link else peer_user
    if outcome == "declined":
        services.decline(administration=administration, actor=actor, via_link=via_link)
        return _Backdate(administration.pk, None, link_sent)
    skip = rng.choice([1, 1, 1, 2, 3]) if outcome in ("skipped_items", "partial") else 0
    answers = _answers(rng, administration.version, person, administration.timepoint, skip)
    if outcome == "partial":
        # Saved half-way and never sent: the unanswered questions are simply not there.
        half = dict(list(answers.items())[: max(1, len(answers) // 2)])
        services.save_answers(
            administration=administration,
            answers=half,
            final=False,
            answered_by=answered_by,
            actor=actor,
        )
        return _Backdate(administration.pk, None, link_sent)
    services.save_answers(
        administration=administration,
        answers=answers,
        final=True,
        answered_by=answered_by,
        actor=actor,
    )
    return _Backdate(administration.pk, _moment(answered_on, rng), link_sent)


def _apply_backdates(backdates: list[_Backdate]) -> None:
    """Move the service's present-moment stamps back to when the answering happened."""
    rows = {
        a.pk: a
        for a in Administration.objects.filter(
            pk__in=[b.administration_id for b in backdates]
        ).select_related("score")
    }
    administrations: list[Administration] = []
    scores: list[Score] = []
    for backdate in backdates:
        administration = rows[backdate.administration_id]
        if backdate.link_sent is not None:
            # Sent on the due day; a recent link may still be usable, an old one has expired.
            administration.link_expires_at = backdate.link_sent + datetime.timedelta(days=LINK_DAYS)
        if backdate.moment is not None:
            administration.completed_at = backdate.moment
            if administration.score is not None:
                administration.score.administered_on = timezone.localdate(backdate.moment)
                scores.append(administration.score)
        administrations.append(administration)
    Administration.objects.bulk_update(
        administrations, ["completed_at", "link_expires_at"], batch_size=500
    )
    Score.objects.bulk_update(scores, ["administered_on"], batch_size=500)
