"""Every state change of break the glass: a grant, and its review. Each writes its audit
event in the same transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts import policy
from brobygger.accounts.models import Role
from brobygger.audit.services import record_event
from brobygger.people.models import Person

from .models import GlassAccess, GlassReason


def break_glass(*, actor: Any, person: Person, reason: str, text: str) -> GlassAccess:
    """Grant `actor` read access to `person` for `BREAK_GLASS_HOURS` hours.

    The audit event names the reason code only: the explanation is free text and stays
    in the grant, for the reviewer.
    """
    if not policy.may_break_glass(actor):
        raise ValidationError(_("Your role cannot break the glass."), code="role")
    if reason not in GlassReason.values:
        raise ValidationError({"reason": _("Choose a reason.")}, code="reason")
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"text": _("Describe why you need access.")}, code="text")
    now = timezone.now()
    with transaction.atomic():
        access = GlassAccess.objects.create(
            user=actor,
            person=person,
            reason=reason,
            text=text,
            granted_at=now,
            expires_at=now + datetime.timedelta(hours=policy.glass_hours()),
        )
        record_event(
            actor=actor,
            verb="breakglass.granted",
            obj=access,
            person_id=person.pk,
            data={"reason": reason, "hours": policy.glass_hours()},
        )
    return access


def review(*, actor: Any, access: GlassAccess, comment: str) -> GlassAccess:
    """An administrator marks a grant reviewed, with a comment (required)."""
    if getattr(actor, "role", None) != Role.ADMINISTRATOR:
        raise ValidationError(_("Only an administrator reviews break-the-glass access."))
    comment = " ".join(comment.split())
    if not comment:
        raise ValidationError({"comment": _("Write what you found.")}, code="comment")
    with transaction.atomic():
        # A conditional UPDATE: two administrators reviewing at once, one wins.
        done = GlassAccess.objects.filter(pk=access.pk, reviewed_at__isnull=True).update(
            reviewed_by=actor, reviewed_at=timezone.now(), review_comment=comment
        )
        if not done:
            raise ValidationError(_("This access has already been reviewed."), code="reviewed")
        access.refresh_from_db()
        record_event(
            actor=actor,
            verb="breakglass.reviewed",
            obj=access,
            person_id=access.person_id,
            data={},
        )
    return access
