"""A real OpenID Connect provider on loopback (oidc-provider-mock), for the SSO tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from oidc_provider_mock import User, run_server_in_thread

ANNE = User(
    sub="region-0042",
    claims={
        "preferred_username": "anne.holm",
        "given_name": "Anne",
        "family_name": "Holm",
        "email": "anne.holm@region.example",
        "groups": ["PSY-PEER-KOORD-R1", "ALLE-ANSATTE"],
    },
)


@contextmanager
def region_provider(*users: User) -> Iterator[str]:
    """The provider's issuer URL while it runs."""
    with run_server_in_thread(user_claims=users or (ANNE,)) as server:
        yield f"http://localhost:{server.server_port}"
