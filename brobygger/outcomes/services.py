"""Every change to outcomes data: locking a version, storing a score."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.audit.services import record_event
from brobygger.people.models import ConsentKind
from brobygger.people.services import (
    current_stop,
    ensure_may_start,
    has_current_consent,
    withdrew_consent,
)
from brobygger.referrals.models import Course

from . import notices, scoring
from .models import (
    Administration,
    AdministrationStatus,
    Answer,
    AnsweredBy,
    InstrumentVersion,
    Score,
)
from .schedule import LINK_DAYS, MAIN_INSTRUMENT_KEYS, planned


def lock_version(*, actor: Any, version: InstrumentVersion) -> InstrumentVersion:
    """Mark a version as answered: from now on it may never change (the loader never edits one)."""
    with transaction.atomic():
        updated = InstrumentVersion.objects.filter(pk=version.pk, locked=False).update(locked=True)
        if updated:
            record_event(
                actor=actor,
                verb="instrument.locked",
                obj=version,
                data={"key": version.instrument.key, "version": version.version},
            )
    version.locked = True
    return version


def store_score(
    *,
    actor: Any,
    version: InstrumentVersion,
    course: Course | None,
    answers: Mapping[str, int | None],
    administered_on: datetime.date,
) -> Score:
    """Score `answers` by the version's rule and keep the result with that version.

    The answers themselves are not stored here (a later issue adds responses) and never
    go into the audit trail.
    """
    items, scale, rule = version.specs()
    try:
        result = scoring.score(answers, items, scale, rule)
    except ValueError as exc:
        raise ValidationError(
            _("The answers do not fit the questionnaire: %(problem)s") % {"problem": exc},
            code="invalid_answers",
        ) from exc
    with transaction.atomic():
        score = Score.objects.create(
            version=version,
            course=course,
            administered_on=administered_on,
            total=result.total,
            subscales=result.subscales,
            answered=result.answered,
            missing=result.missing,
            prorated=result.prorated,
            reason=result.reason or "",
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        lock_version(actor=actor, version=version)
        record_event(
            actor=actor,
            verb="score.stored",
            obj=score,
            person_id=course.person_id if course is not None else None,
            data={
                "instrument": version.instrument.key,
                "version": version.version,
                "answered": result.answered,
                "missing": result.missing,
            },
        )
        notices.notify_threshold(score)
    return score


# --- Questionnaire administrations: schedule, links, answers -----------------------------


def _main_version() -> InstrumentVersion | None:
    for key in MAIN_INSTRUMENT_KEYS:
        version = InstrumentVersion.objects.latest_of(key)
        if version is not None:
            return version
    return None


# Withdrawn, these stop every questionnaire (lifecycle.ending.for_consent), so none is planned.
WITHDRAWN_STOPS_PLANNING = (ConsentKind.CONTACT, ConsentKind.QUESTIONNAIRES)


def sync_schedule(*, actor: Any, course: Course) -> list[Administration]:
    """Create the administrations the course's phase and dates call for; idempotent.

    Call it whenever a course starts, changes dates or ends. Existing administrations are
    never moved or removed: once planned (or answered) they stay as they were.
    """
    version = _main_version()
    if version is None:
        return []
    if current_stop(course.person_id) is not None:
        # Dead, moved away or restricted: no questionnaire is planned (issue 18).
        return []
    if any(withdrew_consent(course.person_id, kind) for kind in WITHDRAWN_STOPS_PLANNING):
        return []  # a withdrawal takes effect everywhere: nothing new is planned
    wanted = planned(course)
    if not wanted:
        return []
    created: list[Administration] = []
    with transaction.atomic():
        existing = set(
            Administration.objects.filter(course=course, version=version).values_list(
                "timepoint", flat=True
            )
        )
        for timepoint, due_on in wanted:
            if timepoint in existing:
                continue
            administration = Administration.objects.create(
                course=course, version=version, timepoint=timepoint, due_on=due_on
            )
            record_event(
                actor=actor,
                verb="questionnaire.planned",
                obj=administration,
                person_id=course.person_id,
                data={"instrument": version.instrument.key, "timepoint": timepoint},
            )
            created.append(administration)
    return created


def move_series(*, actor: Any, source: Course, target: Course) -> int:
    """The person's questionnaires go on in `target`, the course that continues `source`
    with a new peer (matching.services.hand_over_course); returns how many moved.

    Every administration moves, answered, declined or open alike, with its answers and
    score, and so do the source's other scores: one series per person, so there is one
    "start" and the change from it is measured within one course (reports.effects). A
    link already sent keeps working: the token belongs to the administration. One the
    target already has (same version and timepoint) stays with the source, so the unique
    constraint holds. Call `sync_schedule` on the target afterwards for what is missing.
    """
    if source.person_id != target.person_id:
        raise ValueError("Questionnaires move only between courses of the same person.")
    with transaction.atomic():
        taken = set(
            Administration.objects.filter(course=target).values_list("version_id", "timepoint")
        )
        rows = list(
            Administration.objects.select_for_update()
            .filter(course=source)
            .values_list("pk", "version_id", "timepoint", "score_id")
        )
        moving = [
            pk for pk, version_id, timepoint, _score in rows if (version_id, timepoint) not in taken
        ]
        staying_scores = [
            score_id
            for _pk, version_id, timepoint, score_id in rows
            if (version_id, timepoint) in taken and score_id is not None
        ]
        count = Administration.objects.filter(pk__in=moving).update(course=target)
        scores = (
            Score.objects.filter(course=source).exclude(pk__in=staying_scores).update(course=target)
        )
        if count or scores:
            record_event(
                actor=actor,
                verb="questionnaire.moved",
                obj=target,
                person_id=target.person_id,
                data={"from_course": source.pk, "count": count, "scores": scores},
            )
    return count


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_consent(course: Course) -> None:
    if not has_current_consent(course.person, ConsentKind.QUESTIONNAIRES):
        raise ValidationError(
            _("The person has not agreed to answer questionnaires. Record the consent first."),
            code="no_consent",
        )


def _locked(administration: Administration) -> Administration:
    """Re-read under a row lock, so two submissions of one link cannot both count."""
    return (
        Administration.objects.select_for_update()
        .select_related("course__person", "version__instrument")
        .get(pk=administration.pk)
    )


def issue_link(*, actor: Any, administration: Administration) -> str:
    """A new single-use link token for the person; only its hash is kept.

    A new link replaces any earlier one, which then stops working.
    """
    with transaction.atomic():
        current = _locked(administration)
        if not current.is_open:
            raise ValidationError(
                _("This questionnaire has already been answered or declined."), code="closed"
            )
        _require_consent(current.course)
        ensure_may_start(current.course.person_id)
        token = secrets.token_urlsafe(32)
        current.token_hash = hash_token(token)
        current.link_expires_at = timezone.now() + datetime.timedelta(days=LINK_DAYS)
        if current.status == AdministrationStatus.DUE:
            current.status = AdministrationStatus.SENT
        current.save(update_fields=["token_hash", "link_expires_at", "status"])
        record_event(
            actor=actor,
            verb="questionnaire.link_issued",
            obj=current,
            person_id=current.course.person_id,
            data={"expires": current.link_expires_at.isoformat()},
        )
    administration.token_hash = current.token_hash
    administration.link_expires_at = current.link_expires_at
    administration.status = current.status
    return token


def withdraw_unsent_link(*, administration: Administration, token_hash: str) -> bool:
    """The link `token_hash` could not be sent: take it back, so that the questionnaire is
    due again and the next run sends a new one. False if it was replaced or used since."""
    with transaction.atomic():
        current = _locked(administration)
        if current.token_hash != token_hash or not current.is_open:
            return False
        current.token_hash = ""
        current.link_expires_at = None
        if current.status == AdministrationStatus.SENT:
            current.status = AdministrationStatus.DUE
        current.save(update_fields=["token_hash", "link_expires_at", "status"])
        record_event(
            actor=None,
            verb="questionnaire.link_not_sent",
            obj=current,
            person_id=current.course.person_id,
        )
    return True


def link_is_usable(administration: Administration, *, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(
        administration.is_open
        and administration.token_hash
        and administration.link_expires_at is not None
        and administration.link_expires_at > now
    )


def _clean_answers(
    version: InstrumentVersion, answers: Mapping[str, int | None]
) -> dict[str, int | None]:
    keys = {item["key"] for item in version.items}
    low, high = int(version.scale["min"]), int(version.scale["max"])
    cleaned: dict[str, int | None] = {}
    for key, value in answers.items():
        if key not in keys:
            raise ValidationError(_("The questionnaire has no such question."), code="unknown")
        if value is not None and not (low <= int(value) <= high):
            raise ValidationError(
                _("Choose one of the answers shown for each question."), code="out_of_scale"
            )
        cleaned[key] = None if value is None else int(value)
    return cleaned


def save_answers(
    *,
    administration: Administration,
    answers: Mapping[str, int | None],
    final: bool,
    answered_by: str,
    actor: Any = None,
) -> Administration:
    """Keep the answers given so far; with `final`, score them and close the questionnaire.

    A missing or empty value is a skipped question. Answers are never written to the
    audit trail, only how many there are.
    """
    with transaction.atomic():
        current = _locked(administration)
        if answered_by == AnsweredBy.PERSON_LINK:
            if not link_is_usable(current):
                raise ValidationError(_("This link can no longer be used."), code="link_closed")
        elif not current.is_open:
            raise ValidationError(
                _("This questionnaire has already been answered or declined."), code="closed"
            )
        _require_consent(current.course)
        # Answering is processing: not for a person who died, moved away or is restricted.
        ensure_may_start(current.course.person_id)
        cleaned = _clean_answers(current.version, answers)
        if cleaned:
            Answer.objects.bulk_create(
                [
                    Answer(administration=current, item_key=key, value=value)
                    for key, value in cleaned.items()
                ],
                update_conflicts=True,
                unique_fields=["administration", "item_key"],
                update_fields=["value", "updated_at"],
            )
        person_id = current.course.person_id
        if final:
            stored = dict(current.answers.values_list("item_key", "value"))
            if not any(value is not None for value in stored.values()):
                raise ValidationError(
                    _("Answer at least one question, or choose that you do not want to answer."),
                    code="empty",
                )
            now = timezone.now()
            score = store_score(
                actor=actor,
                version=current.version,
                course=current.course,
                answers=stored,
                administered_on=timezone.localdate(now),
            )
            current.status = AdministrationStatus.COMPLETED
            current.completed_at = now
            current.score = score
            current.answered_by = answered_by
            current.save(update_fields=["status", "completed_at", "score", "answered_by"])
            verb = "questionnaire.completed"
        else:
            current.status = AdministrationStatus.PARTIAL
            current.answered_by = answered_by
            current.save(update_fields=["status", "answered_by"])
            verb = "questionnaire.saved"
        record_event(
            actor=actor,
            verb=verb,
            obj=current,
            person_id=person_id,
            data={"answered_by": answered_by, "answers": len(cleaned)},
        )
    return current


def decline(
    *, administration: Administration, actor: Any = None, via_link: bool = False
) -> Administration:
    """The person does not want to answer: close it and forget what was answered so far."""
    with transaction.atomic():
        current = _locked(administration)
        usable = link_is_usable(current) if via_link else current.is_open
        if not usable:
            raise ValidationError(_("This link can no longer be used."), code="link_closed")
        current.answers.all().delete()
        current.status = AdministrationStatus.DECLINED
        current.save(update_fields=["status"])
        record_event(
            actor=actor,
            verb="questionnaire.declined",
            obj=current,
            person_id=current.course.person_id,
            data={},
        )
    return current


def stop(*, actor: Any, administration: Administration, reason: str) -> Administration:
    """The person will not be asked: the support ended or consent was withdrawn
    (lifecycle.ending). The link stops working and no reminder goes out for it; what was
    partly answered stays as it was (a health record is never removed here)."""
    with transaction.atomic():
        current = _locked(administration)
        if not current.is_open:
            return current
        current.status = AdministrationStatus.EXPIRED
        current.token_hash = ""
        current.link_expires_at = None
        current.save(update_fields=["status", "token_hash", "link_expires_at"])
        record_event(
            actor=actor,
            verb="questionnaire.stopped",
            obj=current,
            person_id=current.course.person_id,
            data={"reason": reason},
        )
    return current
