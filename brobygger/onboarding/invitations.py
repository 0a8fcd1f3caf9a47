"""Staff invitations: single-use, expiring links to set up a login.

Two kinds share one mechanism: the invitation a hired peer gets, and the setup link an
administrator makes for an existing account (its first authenticator, or a new one after a
lost phone). These links are the only way an account gets its first authenticator: a
session that has given only the password never does.

Only the sha256 of a link's token is stored. The person chooses a password and sets up
two-factor login in the same sitting; the account gets both together when the code is
confirmed, so no half-set-up account is left behind, and gets recovery codes with them.
Where staff sign in through the region's identity provider (settings.REGION_LOGIN_URL), a
hire's invitation only leads there; a setup link always sets up the local login.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts import services as account_services
from brobygger.accounts.models import User
from brobygger.audit.services import record_event
from brobygger.lib.when import format_when

from .models import Hire, Invitation, InvitationPurpose

logger = logging.getLogger(__name__)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def region_login_url() -> str:
    return str(getattr(settings, "REGION_LOGIN_URL", "") or "")


def create_invitation(*, actor: Any, hire: Hire) -> tuple[Invitation, str]:
    """A new link for the hired peer's account; returns the token, which is kept nowhere."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            hire=hire,
            user_id=hire.peer.user_id,
            token_hash=hash_token(token),
            created_by=actor,
            created_at=now,
            expires_at=now + datetime.timedelta(days=settings.INVITATION_DAYS),
        )
        record_event(
            actor=actor,
            verb="onboarding.invitation_issued",
            obj=invitation,
            data={"hire": hire.pk, "expires": invitation.expires_at.isoformat()},
        )
    return invitation, token


def reissue_invitation(*, actor: Any, hire: Hire) -> tuple[Invitation, str]:
    """Replace the invitation: any earlier link stops working at once."""
    with transaction.atomic():
        locked = Hire.objects.select_for_update().get(pk=hire.pk)
        if locked.invitations.filter(used_at__isnull=False).exists():
            raise ValidationError(
                _("The account is already set up, so no new invitation is needed."),
                code="already_used",
            )
        now = timezone.now()
        replaced = locked.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now
        )
        replaced += _revoke_open_links(locked.peer.user_id, now)
        invitation, token = create_invitation(actor=actor, hire=locked)
        record_event(
            actor=actor, verb="onboarding.invitation_replaced", obj=locked, data={"n": replaced}
        )
    return invitation, token


def _revoke_open_links(user_id: int, now: datetime.datetime) -> int:
    """One open link per account: a new one, of either kind, ends the earlier ones."""
    return Invitation.objects.usable(now).filter(user_id=user_id).update(revoked_at=now)


def create_setup_link(*, actor: Any, user: User) -> tuple[Invitation, str]:
    """An administrator's one-time link for `user` to set up two-factor login: the first
    authenticator, or a new one after a lost phone. Returns the token, kept nowhere."""
    if getattr(actor, "pk", None) == user.pk:
        raise ValidationError(
            _(
                "You cannot make a setup link for yourself. Set up a new authenticator app "
                "on your own two-factor page."
            ),
            code="self",
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            raise ValidationError(_("The account is not active."), code="inactive")
        replaced = _revoke_open_links(locked.pk, now)
        invitation = Invitation.objects.create(
            purpose=InvitationPurpose.SETUP,
            hire=None,
            user=locked,
            token_hash=hash_token(token),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
            expires_at=now + datetime.timedelta(hours=settings.TWO_FACTOR_SETUP_LINK_HOURS),
        )
        record_event(
            actor=actor,
            verb="onboarding.setup_link_issued",
            obj=invitation,
            data={
                "user": locked.pk,
                "expires": invitation.expires_at.isoformat(),
                "replaced": replaced,
            },
        )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("user", "hire")
        .filter(token_hash=hash_token(token))
        .first()
    )


def begin_two_factor(*, invitation: Invitation) -> TOTPDevice:
    """A fresh authenticator key for this sitting: a key shown in an earlier, abandoned
    sitting is never the one that ends up confirmed."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=invitation.user_id, confirmed=False).delete()
        return account_services.pending_totp_device(user=invitation.user)


def _claim(invitation: Invitation, now: datetime.datetime) -> None:
    """Mark the link used with a conditional UPDATE: of two sittings, only one wins."""
    claimed = Invitation.objects.usable(now).filter(pk=invitation.pk).update(used_at=now)
    if claimed != 1:
        raise ValidationError(
            _("This invitation has already been used or has expired."), code="link_closed"
        )
    invitation.used_at = now


class Completed(NamedTuple):
    user: User
    recovery_codes: list[str]
    replaced: bool  # the account had an authenticator before, which now stops working


def complete_invitation(
    *, invitation: Invitation, password_hash: str, device: TOTPDevice
) -> Completed:
    """The account gets its password, its confirmed second factor and fresh recovery
    codes together."""
    now = timezone.now()
    with transaction.atomic():
        _claim(invitation, now)
        user = User.objects.select_for_update().get(pk=invitation.user_id)
        if device.user_id != user.pk or device.confirmed:
            raise ValidationError(_("Start again from the link."), code="wrong_device")
        user.password = password_hash
        user.save(update_fields=["password"])
        # A new sitting replaces any earlier authenticator: the old phone stops working.
        earlier = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
        replaced = earlier.exists()
        earlier.delete()
        account_services.confirm_totp_device(user=user, device=device)
        codes = account_services.make_recovery_codes(actor=user, user=user)
        record_event(
            actor=user,
            verb="onboarding.invitation_used",
            obj=invitation,
            data={
                "hire": invitation.hire_id,
                "login": "password",
                "purpose": invitation.purpose,
                "replaced": replaced,
            },
        )
    return Completed(user, codes, replaced)


def use_for_region_login(*, invitation: Invitation) -> None:
    """With the region's identity provider the account is ready; the link is spent."""
    with transaction.atomic():
        _claim(invitation, timezone.now())
        record_event(
            actor=None,
            verb="onboarding.invitation_used",
            obj=invitation,
            data={"hire": invitation.hire_id, "login": "region"},
        )


def invitation_message(invitation: Invitation, *, url: str) -> tuple[str, str]:
    """Subject and text of the invitation e-mail, in the person's language."""
    user = invitation.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        expires = format_when(invitation.expires_at, "datetime")
        if invitation.is_setup_link:
            subject = _("Set up two-factor login for Brobygger")
            opening = _(
                "An administrator has made a link for you to set up your login again: you "
                "choose a new password and set up an authenticator app on your phone."
            )
            ask = _(
                "If it has expired, ask an administrator for a new one. If you did not ask "
                "for this, tell an administrator at once."
            )
        else:
            subject = _("Your login for the peer-support programme")
            opening = (
                _(
                    "Welcome to the peer-support programme. Your account is ready: "
                    "open this link to see how you sign in:"
                )
                if region_login_url()
                else _(
                    "Welcome to the peer-support programme. Open this link to set up your login:"
                )
            )
            ask = _("If it has expired, ask your coordinator for a new one.")
        lines = [
            _("Dear %(name)s,") % {"name": user.first_name or user.username},
            "",
            opening,
            url,
            "",
            _("Your user name is %(username)s.") % {"username": user.username},
            _("The link can be used once and works until %(expires)s.") % {"expires": expires},
            ask,
        ]
    return subject, "\n".join(lines)


def send_invitation(invitation: Invitation, *, url: str) -> bool:
    """E-mail the link to the new peer; False if there is no address or sending failed."""
    to = invitation.user.email
    if not to:
        return False
    subject, text = invitation_message(invitation, url=url)
    try:
        send_mail(subject, text, None, [to], fail_silently=False)
    except Exception:
        # The coordinator still has the link on screen and is told it was not sent.
        logger.exception("The invitation e-mail for invitation %s failed.", invitation.pk)
        return False
    with transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(emailed_to=to)
        record_event(actor=None, verb="onboarding.invitation_sent", obj=invitation)
    invitation.emailed_to = to
    return True
