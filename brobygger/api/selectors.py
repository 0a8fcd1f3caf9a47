"""Reads of the API's own records."""

from __future__ import annotations

from typing import Any

from .models import ClientKey


def export_person(person: Any) -> dict[str, list[dict[str, Any]]]:
    """The client keys of the person's referrals (which system sent them), GDPR art. 15."""
    from brobygger.lib.export import rows

    return {
        "api.ClientKey": rows(
            ClientKey.objects.filter(referral__person=person)
            .select_related("integration")
            .order_by("created_at", "pk"),
            drop=("payload_hash",),
        )
    }
