"""Hiring and the onboarding checklist: every change here, each with its audit event."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts.models import Role, Unit, User
from brobygger.audit.services import record_event
from brobygger.people import services as people_services
from brobygger.people.models import EducationStatus, ExperienceTag, PeerWorker
from brobygger.recruitment import services as recruitment_services
from brobygger.recruitment.models import Application, ApplicationStatus

from . import invitations
from .models import Hire, Invitation, ItemKind, OnboardingItem, Responsible

# When each step falls due, counted from the first day of the contract, and who does it.
# The contract is signed before the first day; IT security training and the introduction
# happen in the first week; education is planned and the first supervision held within
# four weeks (the peer meets a supervisor from outside the hospital early on).
CHECKLIST_PLAN: tuple[tuple[str, int, str], ...] = (
    (ItemKind.CONTRACT, -1, Responsible.COORDINATOR),
    (ItemKind.IT_SECURITY, 7, Responsible.PEER),
    (ItemKind.INTRODUCTION, 7, Responsible.COORDINATOR),
    (ItemKind.EDUCATION, 28, Responsible.COORDINATOR),
    (ItemKind.SUPERVISION, 28, Responsible.COORDINATOR),
)


def _require_user(actor: Any) -> User:
    if not isinstance(actor, User):
        raise ValueError("Onboarding changes need a signed-in member of staff as actor.")
    return actor


@transaction.atomic
def hire(
    *,
    actor: Any,
    application: Application,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    language: str,
    kind: str,
    units: Sequence[Unit],
    hours_min: Decimal,
    hours_max: Decimal,
    contract_start: datetime.date,
    contract_end: datetime.date | None,
    education_status: str = EducationStatus.NONE,
    experience_tags: Sequence[ExperienceTag] = (),
    introduction_by: str = "",
) -> tuple[Hire, str]:
    """Turn an offered application into a peer with an account, an invitation and a checklist.

    Returns the hire and the invitation's token: the token is kept nowhere, so the caller
    shows it once and sends it.
    """
    actor = _require_user(actor)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status == ApplicationStatus.HIRED or Hire.objects.filter(application=locked).exists():
        raise ValidationError(_("This applicant has already been hired."), code="already_hired")
    if locked.status != ApplicationStatus.OFFERED:
        raise ValidationError(
            _("Only an applicant who has been offered the job can be hired (status now: %(s)s).")
            % {"s": locked.get_status_display()},
            code="not_offered",
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken. Choose another.")})
    if not units:
        raise ValidationError({"units": _("Choose at least one unit.")})
    recruitment_services.transition_application(
        actor=actor, application=locked, to=ApplicationStatus.HIRED
    )
    # No password: the new peer chooses it through the invitation (or signs in through
    # the region's identity provider), so nobody else ever knows it.
    peer = people_services.create_peer_with_account(
        actor=actor,
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        password=None,
        experience_tags=list(experience_tags),
        units=list(units),
        kind=kind,
        hours_min=hours_min,
        hours_max=hours_max,
        contract_start=contract_start,
        contract_end=contract_end,
        education_status=education_status,
    )
    user = peer.user
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    record = Hire.objects.create(application=locked, peer=peer, hired_by=actor)
    record_event(
        actor=actor,
        verb="onboarding.hired",
        obj=record,
        data={"application": locked.pk, "peer": peer.pk, "posting": locked.posting_id},
    )
    create_checklist(
        actor=actor,
        peer=peer,
        introduction_by=introduction_by,
        education_done=education_status in (EducationStatus.COMPLETED, EducationStatus.PLANNED),
    )
    _invitation, token = invitations.create_invitation(actor=actor, hire=record)
    application.status = locked.status
    application.status_changed_at = locked.status_changed_at
    return record, token


def create_checklist(
    *, actor: Any, peer: PeerWorker, introduction_by: str = "", education_done: bool = False
) -> list[OnboardingItem]:
    """The five onboarding steps, due counted from the contract start."""
    actor = _require_user(actor)
    today = timezone.localdate()
    items = []
    for kind, days, responsible in CHECKLIST_PLAN:
        item = OnboardingItem(
            peer=peer,
            kind=kind,
            due_on=peer.contract_start + datetime.timedelta(days=days),
            responsible=responsible,
        )
        if kind == ItemKind.INTRODUCTION and introduction_by.strip():
            item.responsible = Responsible.NAMED
            item.responsible_name = introduction_by.strip()[:120]
        if kind == ItemKind.EDUCATION and education_done:
            item.done_on, item.done_by = today, actor
        items.append(item)
    with transaction.atomic():
        created = OnboardingItem.objects.bulk_create(items)
        record_event(
            actor=actor,
            verb="onboarding.checklist_created",
            obj=peer,
            data={"items": [item.kind for item in items]},
        )
    return created


def set_done(*, actor: Any, item: OnboardingItem, done: bool) -> OnboardingItem:
    """Tick a step off (today, by the actor) or take the tick back."""
    actor = _require_user(actor)
    with transaction.atomic():
        locked = OnboardingItem.objects.select_for_update().get(pk=item.pk)
        if done == locked.is_done:
            return locked
        if done:
            locked.done_on, locked.done_by = timezone.localdate(), actor
        else:
            locked.done_on, locked.done_by = None, None
        locked.save(update_fields=["done_on", "done_by"])
        record_event(
            actor=actor,
            verb="onboarding.item_done" if done else "onboarding.item_reopened",
            obj=locked,
            data={"peer": locked.peer_id, "kind": locked.kind},
        )
    item.done_on, item.done_by = locked.done_on, locked.done_by
    return item


def update_item(
    *,
    actor: Any,
    item: OnboardingItem,
    due_on: datetime.date,
    responsible: str,
    responsible_name: str = "",
) -> OnboardingItem:
    actor = _require_user(actor)
    responsible_name = responsible_name.strip()
    if responsible == Responsible.NAMED and not responsible_name:
        raise ValidationError({"responsible_name": _("Write the name of the responsible person.")})
    if responsible != Responsible.NAMED:
        responsible_name = ""
    values = {"due_on": due_on, "responsible": responsible, "responsible_name": responsible_name}
    changed = sorted(name for name, value in values.items() if getattr(item, name) != value)
    if not changed:
        return item
    with transaction.atomic():
        for name in changed:
            setattr(item, name, values[name])
        item.save(update_fields=changed)
        record_event(
            actor=actor,
            verb="onboarding.item_changed",
            obj=item,
            data={"peer": item.peer_id, "kind": item.kind, "fields": changed},
        )
    return item


def reissue_invitation(*, actor: Any, hire: Hire) -> tuple[Invitation, str]:
    return invitations.reissue_invitation(actor=_require_user(actor), hire=hire)


def issue_setup_link(*, actor: Any, user: User) -> tuple[Invitation, str]:
    """An administrator's one-time setup link for an account (see invitations)."""
    actor = _require_user(actor)
    if actor.role != Role.ADMINISTRATOR:
        raise PermissionDenied
    return invitations.create_setup_link(actor=actor, user=user)
