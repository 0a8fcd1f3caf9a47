"""Every change to postings and applications, each with its audit event."""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.audit.services import record_event

from .models import (
    MAX_CRITERIA,
    Application,
    ApplicationStatus,
    CriterionNote,
    JobPosting,
    PostingCriterion,
)

logger = logging.getLogger(__name__)

S = ApplicationStatus

# The applicant's way through selection. Rejected and withdrawn end it and need a reason code.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.SHORTLISTED, S.REJECTED, S.WITHDRAWN}),
    S.SHORTLISTED: frozenset({S.INTERVIEW, S.REJECTED, S.WITHDRAWN}),
    S.INTERVIEW: frozenset({S.OFFERED, S.REJECTED, S.WITHDRAWN}),
    S.OFFERED: frozenset({S.HIRED, S.REJECTED, S.WITHDRAWN}),
    S.HIRED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
NEEDS_REASON = frozenset({S.REJECTED, S.WITHDRAWN})

POSTING_FIELDS = (
    "unit",
    "peer_kind",
    "title_da",
    "title_en",
    "hours_min",
    "hours_max",
    "period_start",
    "period_end",
    "work_da",
    "work_en",
    "looking_for_da",
    "looking_for_en",
    "how_to_apply_da",
    "how_to_apply_en",
    "deadline",
)


def _check_posting(posting: JobPosting) -> None:
    errors: dict[str, str] = {}
    if posting.hours_min > posting.hours_max:
        errors["hours_max"] = _("The hours 'to' must be at least the hours 'from'.")
    if posting.hours_min <= 0:
        errors["hours_min"] = _("The hours must be more than 0.")
    if posting.period_start > posting.period_end:
        errors["period_end"] = _("The period must end after it starts.")
    if errors:
        raise ValidationError(errors)


Criteria = list[tuple[str, str]]


def _check_criteria(criteria: Criteria) -> None:
    if len(criteria) > MAX_CRITERIA:
        raise ValidationError(
            {"criteria_da": _("Write at most %(n)s criteria.") % {"n": MAX_CRITERIA}}
        )
    for da, en in criteria:
        if not da.strip():
            raise ValidationError({"criteria_da": _("Every criterion needs a Danish text.")})
        if len(da) > 200 or len(en) > 200:
            raise ValidationError({"criteria_da": _("Keep each criterion under 200 characters.")})


def _save_criteria(posting: JobPosting, criteria: Criteria) -> bool:
    """Criteria by position: changed wording is kept, new lines are added at the end.

    A criterion that interview notes are written against cannot be removed.
    """
    _check_criteria(criteria)
    existing = list(PostingCriterion.objects.filter(posting=posting).order_by("position"))
    changed = False
    for position, (da, en) in enumerate(criteria):
        da, en = da.strip(), en.strip()
        if position < len(existing):
            current = existing[position]
            if (current.text_da, current.text_en) != (da, en):
                current.text_da, current.text_en = da, en
                current.save(update_fields=["text_da", "text_en"])
                changed = True
        else:
            PostingCriterion.objects.create(
                posting=posting, position=position, text_da=da, text_en=en
            )
            changed = True
    removed = existing[len(criteria) :]
    if removed:
        if CriterionNote.objects.filter(criterion__in=removed).exists():
            raise ValidationError(
                {
                    "criteria_da": _(
                        "Interview notes are written against a criterion you removed. "
                        "Keep it, or change its wording instead."
                    )
                }
            )
        PostingCriterion.objects.filter(pk__in=[c.pk for c in removed]).delete()
        changed = True
    return changed


@transaction.atomic
def create_posting(*, actor: Any, criteria: Criteria | None = None, **fields: Any) -> JobPosting:
    unknown = set(fields) - set(POSTING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown posting fields: {sorted(unknown)}")
    posting = JobPosting(**fields, created_by=actor if getattr(actor, "pk", None) else None)
    _check_posting(posting)
    if criteria is not None:
        _check_criteria(criteria)
    posting.save()
    if criteria:
        _save_criteria(posting, criteria)
    record_event(
        actor=actor,
        verb="recruitment.posting_created",
        obj=posting,
        data={"criteria": len(criteria or [])},
    )
    return posting


@transaction.atomic
def update_posting(
    *, actor: Any, posting: JobPosting, criteria: Criteria | None = None, **fields: Any
) -> JobPosting:
    unknown = set(fields) - set(POSTING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown posting fields: {sorted(unknown)}")
    if posting.closed_at is not None:
        raise ValidationError(_("The posting is closed and can no longer be changed."))
    changed = sorted(name for name, value in fields.items() if getattr(posting, name) != value)
    for name, value in fields.items():
        setattr(posting, name, value)
    _check_posting(posting)
    if criteria is not None and _save_criteria(posting, criteria):
        changed.append("criteria")
    posting.updated_at = timezone.now()
    posting.save(update_fields=[*fields, "updated_at"])
    record_event(
        actor=actor, verb="recruitment.posting_changed", obj=posting, data={"fields": changed}
    )
    return posting


@transaction.atomic
def set_published(*, actor: Any, posting: JobPosting, published: bool) -> JobPosting:
    if posting.closed_at is not None:
        raise ValidationError(_("The posting is closed."))
    posting.published = published
    posting.updated_at = timezone.now()
    posting.save(update_fields=["published", "updated_at"])
    verb = "recruitment.posting_published" if published else "recruitment.posting_unpublished"
    record_event(actor=actor, verb=verb, obj=posting)
    return posting


@transaction.atomic
def close_posting(*, actor: Any, posting: JobPosting) -> JobPosting:
    if posting.closed_at is not None:
        raise ValidationError(_("The posting is already closed."))
    posting.closed_at = timezone.now()
    posting.published = False
    posting.updated_at = posting.closed_at
    posting.save(update_fields=["closed_at", "published", "updated_at"])
    record_event(actor=actor, verb="recruitment.posting_closed", obj=posting)
    return posting


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def submit_application(
    *,
    posting: JobPosting,
    name: str,
    email: str,
    phone: str,
    motivation: str,
    experience: str,
    consent: bool,
    cv: UploadedFile | None = None,
    cv_kind: str = "",
) -> Application:
    """Store an application from the public site; nothing is stored without consent.

    The returned application carries `withdraw_token`, the applicant's private link key
    (only its hash is stored): show it on the receipt and send it in the e-mail.
    """
    if not consent:
        raise ValidationError(
            {"consent": _("We can only receive your application if we may store it.")}
        )
    if not posting.is_open():
        raise ValidationError(_("The deadline for this posting has passed."))
    if not email and not phone:
        raise ValidationError({"email": _("Give an e-mail address or a phone number.")})
    if cv is not None and not cv_kind:
        raise ValueError("A CV needs its checked kind")
    application = Application(
        posting=posting,
        name=name,
        email=email,
        phone=phone,
        motivation=motivation,
        experience=experience,
        consent_at=timezone.now(),
        cv_kind=cv_kind if cv is not None else "",
    )
    token = secrets.token_urlsafe(32)
    application.withdraw_token_hash = hash_token(token)
    if cv is not None:
        application.cv.save("cv", cv, save=False)
    try:
        application.save()
        record_event(
            actor=None,
            verb="recruitment.application_received",
            obj=application,
            data={"posting": posting.pk, "cv": application.cv_kind or None},
        )
    except Exception:
        if application.cv:
            application.cv.delete(save=False)
        raise
    application.withdraw_token = token
    return application


@transaction.atomic
def transition_application(
    *, actor: Any, application: Application, to: str, reason: str = ""
) -> Application:
    current = application.status
    if to not in TRANSITIONS.get(current, frozenset()):
        raise ValidationError(
            _("An application cannot go from “%(from)s” to “%(to)s”.")
            % {"from": S(current).label, "to": S(to).label if to in S.values else to}
        )
    if to in NEEDS_REASON and not reason:
        raise ValidationError({"reason": _("Choose a reason.")})
    application.status = to
    application.status_reason = reason if to in NEEDS_REASON else ""
    application.status_changed_at = timezone.now()
    application.save(update_fields=["status", "status_reason", "status_changed_at"])
    record_event(
        actor=actor,
        verb="recruitment.application_status",
        obj=application,
        data={"from": current, "to": to, "reason": application.status_reason or None},
    )
    return application


def send_receipt(*, application: Application, withdraw_url: str) -> bool:
    """E-mail the applicant a receipt with their private withdraw link, if they gave an
    address. The application is stored either way: a failed e-mail is logged, not raised
    (the receipt page shows the same link)."""
    if not application.email:
        return False
    from brobygger.notifications import messaging

    text = _(
        "Thank you for your application for “%(title)s”. We have received it.\n\n"
        "The coordinator reads all applications after the deadline and contacts you "
        "either way.\n\n"
        "If you want to withdraw your application, use this private link. Your "
        "application and everything you sent are then deleted at once:\n%(url)s\n\n"
        "Keep the link to yourself. The application is deleted automatically when the "
        "hiring is over, unless you are employed."
    ) % {"title": application.posting.title, "url": withdraw_url}
    try:
        messaging.send("email", application.email, text, subject=_("Your application"))
    except Exception:  # Any mail failure: the application itself is stored and safe.
        logger.warning("The receipt e-mail for application %s was not sent.", application.pk)
        return False
    return True
