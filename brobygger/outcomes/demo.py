"""A year of questionnaire answers for the demo programme, as the services write them.

The courses' schedules (start, discharge, 3 months after, end) were planned by
`sync_schedule` as the demo's courses moved through their phases. Here the people
answer them, as in a real programme: most answer (with their peer, or on their own
phone through a link), some skip a question or two, some save half and never finish,
some decline, and some never answer at all. Nobody without a current consent to
questionnaires answers anything (the services would refuse it).

Scores improve modestly on average from the start to the follow-up, in the spirit of the
Danish QPR trial (DOMAIN.md §6: a difference of about 0.4 standard deviations), with
noise: some people get worse. The rows and audit events are those of the services
(`issue_link`, `decline`, `save_answers`), written in bulk (`_Writer`: at scale 100
one service call at a time took ten minutes on PostgreSQL), dated when the answering
happened (completion time, the score's date, the link's expiry) rather than stamped
with the present moment, consistent with the due dates and the course.
"""

from __future__ import annotations

import datetime
import random
import secrets
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from brobygger.audit.services import append_many, new_event
from brobygger.lib.dates import local_datetime
from brobygger.lib.rows import insert_rows, update_rows
from brobygger.people.models import Consent, ConsentKind
from brobygger.referrals.models import Course

from . import scoring, services
from .models import (
    Administration,
    AdministrationStatus,
    Answer,
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
# A visitor signed in as the demo peer finds the last month's questionnaires open.
DEMO_PEER = "peer"
DEMO_PEER_OPEN_DAYS = 30


@dataclass
class _Person:
    level: float  # where the person starts, as a share of the scale (0..1)
    gain: float  # change per step, as a share of the scale (negative: gets worse)


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
    writer = _Writer()
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
        # The demo peer's questionnaires of the last month are still to be gone through
        # with their persons (the story's last step answers some: demo/notices.py). Drawn
        # like every other, so the rest of the demo stays as it was, and not written.
        recent = (today - administration.due_on).days < DEMO_PEER_OPEN_DAYS
        if course.peer.user.username == DEMO_PEER and recent:
            _answer(_Writer(), rng, administration, person, today)
            continue
        _answer(writer, rng, administration, person, today)
    writer.write()


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
    writer: _Writer,
    rng: random.Random,
    administration: Administration,
    person: _Person,
    today: datetime.date,
) -> None:
    age = (today - administration.due_on).days
    if age < STILL_OPEN_DAYS and rng.random() < 0.6:
        return
    roll = rng.random()
    outcome = OUTCOMES[-1][0]
    for name, share in OUTCOMES:
        if roll < share:
            outcome = name
            break
        roll -= share
    if outcome == "never":
        return
    peer_user = administration.course.peer.user
    via_link = outcome == "link_unanswered" or rng.random() < 0.4
    link_day = administration.due_on
    link_sent = None
    if via_link:
        writer.issue_link(peer_user, administration)
        link_sent = _moment(link_day, rng)
        # Sent on the due day; a recent link may still be usable, an old one has expired.
        administration.link_expires_at = link_sent + datetime.timedelta(days=LINK_DAYS)
    if outcome == "link_unanswered":
        return
    delay = rng.randint(1, LINK_DAYS - 1) if via_link else rng.choice([0, 0, 1, 2, 3, 7])
    answered_on = min(today, administration.due_on + datetime.timedelta(days=delay))
    answered_by = AnsweredBy.PERSON_LINK if via_link else AnsweredBy.WITH_PEER
    actor = None if via_link else peer_user
    if outcome == "declined":
        writer.decline(actor, administration)
        return
    skip = rng.choice([1, 1, 1, 2, 3]) if outcome in ("skipped_items", "partial") else 0
    answers = _answers(rng, administration.version, person, administration.timepoint, skip)
    if outcome == "partial":
        # Saved half-way and never sent: the unanswered questions are simply not there.
        half = dict(list(answers.items())[: max(1, len(answers) // 2)])
        writer.save_answers(actor, administration, half, answered_by, moment=None)
        return
    writer.save_answers(
        actor, administration, answers, answered_by, moment=_moment(answered_on, rng)
    )


class _Writer:
    """What `services.issue_link`, `decline` and `save_answers` write for the demo's
    answers (the rows, the audit events in the same order), gathered and written in a
    few statements by `write`, with the answering already dated back to when it
    happened (completion time, the score's date, the link's expiry).

    The checks of the services are the generator's here: only consenting people's open
    questionnaires are answered, with values on the scale, and a link before its answer.
    """

    def __init__(self) -> None:
        # new_event's arguments, in the services' order: a score has its id only once written.
        self.events: list[dict[str, Any]] = []
        self.answers: list[Answer] = []
        self.scores: list[tuple[Administration, Score]] = []
        self.changed: dict[int, Administration] = {}
        self.locked: dict[int, bool] = dict(InstrumentVersion.objects.values_list("pk", "locked"))

    def _event(self, actor: Any, verb: str, administration: Administration, data: dict) -> None:
        self.events.append(
            {
                "actor": actor,
                "verb": verb,
                "obj": administration,
                "person_id": administration.course.person_id,
                "data": data,
            }
        )
        self.changed[administration.pk] = administration

    def issue_link(self, actor: Any, administration: Administration) -> None:
        administration.token_hash = services.hash_token(secrets.token_urlsafe(32))
        expires = timezone.now() + datetime.timedelta(days=LINK_DAYS)
        administration.link_expires_at = expires
        if administration.status == AdministrationStatus.DUE:
            administration.status = AdministrationStatus.SENT
        self._event(
            actor, "questionnaire.link_issued", administration, {"expires": expires.isoformat()}
        )

    def decline(self, actor: Any, administration: Administration) -> None:
        administration.status = AdministrationStatus.DECLINED
        self._event(actor, "questionnaire.declined", administration, {})

    def save_answers(
        self,
        actor: Any,
        administration: Administration,
        answers: dict[str, int | None],
        answered_by: str,
        *,
        moment: datetime.datetime | None,
    ) -> None:
        """Final when `moment` (when it was answered) is given, else saved half-way."""
        version = administration.version
        cleaned = services._clean_answers(version, answers)
        self.answers.extend(
            Answer(administration=administration, item_key=key, value=value)
            for key, value in cleaned.items()
        )
        administration.answered_by = answered_by
        if moment is None:
            administration.status = AdministrationStatus.PARTIAL
            verb = "questionnaire.saved"
        else:
            self._score(actor, administration, cleaned, moment)
            administration.status = AdministrationStatus.COMPLETED
            administration.completed_at = moment
            verb = "questionnaire.completed"
        self._event(
            actor, verb, administration, {"answered_by": answered_by, "answers": len(cleaned)}
        )

    def _score(
        self,
        actor: Any,
        administration: Administration,
        answers: dict[str, int | None],
        moment: datetime.datetime,
    ) -> None:
        """`services.store_score`, its version locked at the first score as there."""
        version = administration.version
        result = scoring.score(answers, *version.specs())
        recorder = actor if getattr(actor, "is_authenticated", False) else None
        score = Score(
            version=version,
            course=administration.course,
            administered_on=timezone.localdate(moment),
            total=result.total,
            subscales=result.subscales,
            answered=result.answered,
            missing=result.missing,
            prorated=result.prorated,
            reason=result.reason or "",
            recorded_by=recorder,
        )
        self.scores.append((administration, score))
        if not self.locked.get(version.pk):
            self.locked[version.pk] = True
            self.events.append(
                {
                    "actor": actor,
                    "verb": "instrument.locked",
                    "obj": version,
                    "data": {"key": version.instrument.key, "version": version.version},
                }
            )
        self.events.append(
            {
                "actor": actor,
                "verb": "score.stored",
                "obj": score,
                "person_id": administration.course.person_id,
                "data": {
                    "instrument": version.instrument.key,
                    "version": version.version,
                    "answered": result.answered,
                    "missing": result.missing,
                },
            }
        )

    def write(self) -> None:
        insert_rows([score for _a, score in self.scores])
        for administration, score in self.scores:
            administration.score = score
        insert_rows(self.answers)
        update_rows(
            list(self.changed.values()),
            ["status", "token_hash", "link_expires_at", "completed_at", "score", "answered_by"],
        )
        InstrumentVersion.objects.filter(
            pk__in=[pk for pk, locked in self.locked.items() if locked], locked=False
        ).update(locked=True)
        append_many([new_event(**event) for event in self.events])
