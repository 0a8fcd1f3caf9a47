"""Changes to the public site's settings kept by the administrator: the kiosk addresses
(ratelimit.py). Each writes its audit event in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from brobygger.audit.services import record_event

from .models import KioskAddress


def save_kiosk_address(*, actor: Any, kiosk: KioskAddress, created: bool) -> KioskAddress:
    kiosk.full_clean()
    with transaction.atomic():
        kiosk.save()
        record_event(
            actor=actor,
            verb="kiosk_address.created" if created else "kiosk_address.changed",
            obj=kiosk,
            data={"network": kiosk.network, "label": kiosk.label, "active": kiosk.active},
        )
    return kiosk


def delete_kiosk_address(*, actor: Any, kiosk: KioskAddress) -> None:
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="kiosk_address.deleted",
            obj=kiosk,
            data={"network": kiosk.network, "label": kiosk.label},
        )
        kiosk.delete()
