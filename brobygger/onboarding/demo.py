"""Demo: recently hired peers, through the real recruitment and hire services.

One has set up the login through the invitation and is well into the checklist (and is
among the printed demo logins); the other has not opened the invitation yet and has an
overdue step.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password

from brobygger.people.models import EducationStatus, PeerKind
from brobygger.recruitment import services as recruitment
from brobygger.recruitment.models import ApplicationStatus, JobPosting

from . import invitations, selectors, services
from .models import ItemKind, OnboardingItem

S = ApplicationStatus

# (first, last, kind, contract started days ago, education, introduced by, steps done)
NEW_PEERS = (
    (
        "Sofie",
        "Lund",
        PeerKind.PATIENT_PEER,
        12,
        EducationStatus.PLANNED,
        "Afdelingssygeplejerske Lise Holm",
        (ItemKind.CONTRACT, ItemKind.IT_SECURITY, ItemKind.INTRODUCTION),
    ),
    (
        "Jens",
        "Møller",
        PeerKind.RELATIVE_PEER,
        9,
        EducationStatus.NONE,
        "",
        (ItemKind.CONTRACT, ItemKind.INTRODUCTION),
    ),
)


def _posting(builder: Any, unit: Any, kind: str, start: datetime.date) -> JobPosting:
    relative = kind == PeerKind.RELATIVE_PEER
    posting = recruitment.create_posting(
        actor=builder.coordinator,
        unit=unit,
        peer_kind=kind,
        title_da="Pårørende-peer" if relative else "Peer-medarbejder",
        title_en="Relative peer" if relative else "Peer worker",
        hours_min=Decimal(8),
        hours_max=Decimal(12),
        period_start=start,
        period_end=start + datetime.timedelta(days=365),
        work_da="Samtaler og grupper med udgangspunkt i egne erfaringer.",
        work_en="Conversations and groups based on your own experience.",
        looking_for_da="Egne bearbejdede erfaringer og lyst til at give håb videre.",
        looking_for_en="Your own worked-through experience and the wish to pass on hope.",
        how_to_apply_da="Søg via formularen.",
        how_to_apply_en="Apply through the form.",
        # Open today so the application can come in; moved back and closed below.
        deadline=builder.today,
    )
    recruitment.set_published(actor=builder.coordinator, posting=posting, published=True)
    return posting


def build_demo(builder: Any) -> None:
    for copy in range(builder.scale):
        for index, row in enumerate(NEW_PEERS):
            first, last, kind, started_ago, education, introduced_by, done = row
            unit = builder.units[(copy * 7 + index * 2) % len(builder.units)]
            start = builder.today - datetime.timedelta(days=started_ago)
            posting = _posting(builder, unit, kind, start)
            application = recruitment.submit_application(
                posting=posting,
                name=f"{first} {last}",
                email=f"{first.lower()}.{copy + 1}@demo.brobygger.invalid",
                phone="",
                motivation="Jeg vil gerne bruge mine erfaringer til at give håb videre.",
                experience="Jeg har selv været indlagt og ved, hvad en peer kan betyde.",
                consent=True,
            )
            for step in (S.SHORTLISTED, S.INTERVIEW, S.OFFERED):
                recruitment.transition_application(
                    actor=builder.coordinator, application=application, to=step
                )
            record, _token = services.hire(
                actor=builder.coordinator,
                application=application,
                username=selectors.propose_username(first, last),
                first_name=first,
                last_name=last,
                email=application.email,
                language="da",
                kind=kind,
                units=[unit],
                hours_min=posting.hours_min,
                hours_max=posting.hours_max,
                contract_start=posting.period_start,
                contract_end=posting.period_end,
                education_status=education,
                experience_tags=builder.tags[index : index + 2],
                introduction_by=introduced_by,
            )
            recruitment.update_posting(
                actor=builder.coordinator,
                posting=posting,
                deadline=start - datetime.timedelta(days=30),
            )
            recruitment.close_posting(actor=builder.coordinator, posting=posting)
            peer = record.peer
            if index == 0:
                _accept_invitation(builder, record, show_login=copy == 0)
            for item in OnboardingItem.objects.filter(peer=peer, kind__in=done):
                actor = peer.user if item.kind == ItemKind.IT_SECURITY else builder.coordinator
                services.set_done(actor=actor, item=item, done=True)
            builder.peers.append(peer)


def _accept_invitation(builder: Any, record: Any, *, show_login: bool) -> None:
    """The new peer has used the link: a password and a confirmed authenticator."""
    from brobygger.demo.cast import DEMO_PASSWORD

    invitation = record.invitations.get()
    device = invitations.begin_two_factor(invitation=invitation)
    invitations.complete_invitation(
        invitation=invitation, password_hash=make_password(DEMO_PASSWORD), device=device
    )
    if show_login:
        user = record.peer.user
        builder.summary.logins.append((user.username, str(user.get_role_display()), DEMO_PASSWORD))
