"""Builders for onboarding tests; they go through the real recruitment and hire services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from brobygger.accounts.models import Unit, User
from brobygger.onboarding import services
from brobygger.onboarding.models import Hire
from brobygger.people.models import PeerKind
from brobygger.recruitment import services as recruitment
from brobygger.recruitment.models import Application, ApplicationStatus, JobPosting

S = ApplicationStatus
PATH_TO_OFFER = (S.SHORTLISTED, S.INTERVIEW, S.OFFERED)


def make_posting(unit: Unit | None, **fields: Any) -> JobPosting:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "unit": unit,
        "peer_kind": PeerKind.PATIENT_PEER,
        "title_da": "Peer-medarbejder i Roskilde",
        "title_en": "Peer worker in Roskilde",
        "hours_min": Decimal(8),
        "hours_max": Decimal(15),
        "period_start": today + datetime.timedelta(days=30),
        "period_end": today + datetime.timedelta(days=400),
        "work_da": "Samtaler med patienter.",
        "work_en": "Conversations with patients.",
        "looking_for_da": "Egne erfaringer.",
        "looking_for_en": "Own experience.",
        "how_to_apply_da": "Søg via formularen.",
        "how_to_apply_en": "Apply through the form.",
        "deadline": today + datetime.timedelta(days=14),
    }
    values.update(fields)
    posting = recruitment.create_posting(actor=None, **values)
    recruitment.set_published(actor=None, posting=posting, published=True)
    return posting


def make_application(
    posting: JobPosting, *, status: str = S.OFFERED, name: str = "Hanne Holm", **fields: Any
) -> Application:
    values: dict[str, Any] = {
        "name": name,
        "email": "hanne@example.org",
        "phone": "",
        "motivation": "Jeg vil gerne give håb videre.",
        "experience": "Indlagt to gange.",
        "consent": True,
    }
    values.update(fields)
    application = recruitment.submit_application(posting=posting, **values)
    for step in PATH_TO_OFFER:
        if application.status == status:
            break
        recruitment.transition_application(actor=None, application=application, to=step)
    return application


def hire_fields(application: Application, **overrides: Any) -> dict[str, Any]:
    posting = application.posting
    values: dict[str, Any] = {
        "username": "hanneh",
        "first_name": "Hanne",
        "last_name": "Holm",
        "email": application.email,
        "language": "da",
        "kind": posting.peer_kind,
        "units": [posting.unit] if posting.unit else [],
        "hours_min": posting.hours_min,
        "hours_max": posting.hours_max,
        "contract_start": posting.period_start,
        "contract_end": posting.period_end,
    }
    values.update(overrides)
    return values


def make_hire(actor: User, application: Application, **overrides: Any) -> tuple[Hire, str]:
    return services.hire(
        actor=actor, application=application, **hire_fields(application, **overrides)
    )


def hire_form(application: Application, **overrides: Any) -> dict[str, Any]:
    """The hire form as the browser posts it."""
    posting = application.posting
    data: dict[str, Any] = {
        "first_name": "Hanne",
        "last_name": "Holm",
        "username": "hanneh",
        "email": application.email,
        "language": "da",
        "kind": posting.peer_kind,
        "units": [posting.unit_id] if posting.unit_id else [],
        "hours_min": str(posting.hours_min),
        "hours_max": str(posting.hours_max),
        "contract_start": posting.period_start.isoformat(),
        "contract_end": posting.period_end.isoformat(),
        "education_status": "none",
        "experience_tags": [],
        "introduction_by": "",
    }
    data.update(overrides)
    return data
