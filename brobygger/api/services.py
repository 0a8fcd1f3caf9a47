"""Integrations and their tokens; the referral created once per client key."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts.models import Role, Unit
from brobygger.audit.services import record_event
from brobygger.people.models import ConsentSource
from brobygger.referrals import services as referrals
from brobygger.referrals.models import Referral, ReferralSource

from .models import ClientKey, Integration, Scope

# The roles an integration may act as: a referring system, or a coordinator's system.
ACTING_ROLES = (Role.CLINICIAN, Role.COORDINATOR)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_integration(
    *, actor: Any, name: str, user: Any, scopes: list[str]
) -> tuple[Integration, str]:
    """A new integration and its token (returned once; only its hash is kept)."""
    if getattr(user, "role", None) not in ACTING_ROLES:
        raise ValidationError(_("An integration acts as a clinician or a coordinator account."))
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise ValidationError(_("Unknown scopes: %(s)s") % {"s": ", ".join(sorted(unknown))})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        integration = Integration.objects.create(
            name=name,
            user=user,
            scopes=sorted(set(scopes)),
            token_hash=hash_token(token),
            created_at=timezone.now(),
        )
        record_event(
            actor=actor,
            verb="api.integration_created",
            obj=integration,
            data={"name": name, "scopes": integration.scopes},
        )
    return integration, token


def revoke(*, actor: Any, integration: Integration) -> Integration:
    with transaction.atomic():
        integration.revoked_at = timezone.now()
        integration.save(update_fields=["revoked_at"])
        record_event(actor=actor, verb="api.integration_revoked", obj=integration)
    return integration


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class KeyReused(Exception):
    """The client key was used before for a different referral."""


class KeyForgotten(Exception):
    """The client key's referral was erased: the request is not made again."""


def forget_person(person: Any) -> int:
    """Before a person's erasure (GDPR art. 17): their referrals' client keys keep only the
    key, so that the EPJ's retry of an old request does not create the person again, and
    keep nothing of them (no referral, no hash of the payload). Returns the keys changed."""
    return ClientKey.objects.filter(referral__person=person).update(
        referral=None, payload_hash="", forgotten_at=timezone.now()
    )


def create_referral_once(
    *, integration: Integration, key: str, payload: dict[str, Any], unit: Unit | None
) -> tuple[Referral, bool]:
    """The referral of this client key: created now (True), or the one made before (False).

    The same key with other content is refused (KeyReused): a retry must be the same
    request. A key whose referral was erased is refused (KeyForgotten). Two requests with
    one key at once: the loser sees the winner's referral.
    """
    digest = payload_hash(payload)
    known = _known(integration, key, digest)
    if known is not None:
        return known, False
    user = integration.user
    person_fields = {
        name: payload[name]
        for name in ("kind", "given_name", "family_name", "cpr", "phone", "email")
        if payload.get(name) is not None
    }
    person_fields["contact_channel"] = payload["contact_channel"]
    person_fields["language"] = payload["language"]
    source = ReferralSource.CLINICIAN if user.role == Role.CLINICIAN else ReferralSource.COORDINATOR
    try:
        with transaction.atomic():
            referral = referrals.create_referral(
                actor=user,
                source=source,
                person_fields=person_fields,
                unit=unit,
                consent_source=(
                    ConsentSource.WRITTEN if payload["consent_written"] else ConsentSource.VERBAL
                ),
                referrer_name=f"{user.get_full_name()} ({integration.name})",
                treatment_setting=payload["treatment_setting"],
                expected_discharge=payload.get("expected_discharge"),
                reason=payload["reason"],
                language_wish=payload["language"],
            )
            ClientKey.objects.create(
                integration=integration,
                key=key,
                payload_hash=digest,
                referral=referral,
                created_at=timezone.now(),
            )
    except IntegrityError:
        known = _known(integration, key, digest)
        if known is None:
            raise
        return known, False
    return referral, True


def _known(integration: Integration, key: str, digest: str) -> Referral | None:
    found = ClientKey.objects.filter(integration=integration, key=key).first()
    if found is None:
        return None
    if found.forgotten_at is not None or found.referral_id is None:
        raise KeyForgotten
    if found.payload_hash != digest:
        raise KeyReused
    return found.referral


def touch(integration: Integration) -> None:
    """When the integration was last used, at most once a minute (no write per call)."""
    now = timezone.now()
    last = integration.last_used_at
    if last is None or (now - last).total_seconds() >= 60:
        Integration.objects.filter(pk=integration.pk).update(last_used_at=now)
