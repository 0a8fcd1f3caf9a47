"""Who may reach which view. Every URL is either public or guarded by a role."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from .models import Role

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])

STAFF_ROLES: tuple[str, ...] = tuple(Role.values)


def public(view: ViewFunc) -> ViewFunc:
    """Mark a view as reachable without login (the public site, login itself)."""
    view = login_not_required(view)
    view.brobygger_public = True  # type: ignore[attr-defined]
    return view


def role_required(*roles: str) -> Callable[[ViewFunc], ViewFunc]:
    """Allow only signed-in users with one of `roles`; others get 403.

    Object-level checks (a peer sees only their own caseload) live in each app's
    access.py and answer 404, so that nobody learns what exists.
    """
    allowed = frozenset(roles)
    unknown = allowed - set(Role.values)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated or getattr(user, "role", None) not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.brobygger_roles = allowed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def any_staff(view: ViewFunc) -> ViewFunc:
    """Any signed-in staff user, whatever the role (home, language, logout)."""
    return role_required(*STAFF_ROLES)(view)


def has_role(user: Any, roles: Iterable[str]) -> bool:
    return bool(user.is_authenticated and getattr(user, "role", None) in set(roles))


# Set on a session signed in through the region's identity provider (brobygger/sso): the
# provider did its own second factor, so the session passes the code step.
SSO_SESSION_KEY = "brobygger_sso_issuer"


class TwoFactorState:
    """Where a signed-in session stands with the second factor."""

    VERIFIED = "verified"  # the code step is passed
    NOT_NEEDED = "not_needed"  # demo mode, a role for which two-factor is optional, no device
    CODE_NEEDED = "code_needed"  # the password is given; the code is not (yet)
    SETUP_NEEDED = "setup_needed"  # two-factor is required and there is no device at all


def has_second_factor(user: Any, *, as_loaded: bool = False) -> bool:
    """A confirmed authenticator app or recovery codes: something the code step can check.

    `as_loaded`: as when the request loaded the user (accounts/backends.py reads it with the
    user), for the two-factor gate before the view; a view asks the database."""
    from django_otp import devices_for_user

    from .backends import DEVICE_FLAG

    known = getattr(user, DEVICE_FLAG, None) if as_loaded else None
    if known is not None:
        return bool(known)

    return any(True for _device in devices_for_user(user, confirmed=True))


def two_factor_state(user: Any, *, as_loaded: bool = False) -> str:
    """Decides the code step for a signed-in user. A user with a device always gives a
    code, whatever the role; a user who needs two-factor and has none is not signed in
    at all, since the first authenticator comes only through a one-time link."""
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return TwoFactorState.VERIFIED
    if has_second_factor(user, as_loaded=as_loaded):
        return TwoFactorState.CODE_NEEDED
    if user.needs_two_factor():
        return TwoFactorState.SETUP_NEEDED
    return TwoFactorState.NOT_NEEDED


def is_administrator(user: Any) -> bool:
    """An active administrator (or a superuser made on the server with createsuperuser)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and (
            getattr(user, "role", None) == Role.ADMINISTRATOR
            or getattr(user, "is_superuser", False)
        )
    )
