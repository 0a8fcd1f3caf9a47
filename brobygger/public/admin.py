"""The administrator marks kiosk addresses: a ward's shared device or a clinic's network,
where the public forms allow more per hour (ratelimit.py). Changes go through services,
so they are in the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from brobygger.accounts.admin import AdministratorsOnly

from . import services
from .models import KioskAddress


@admin.register(KioskAddress)
class KioskAddressAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ("label", "network", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("label", "network")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_kiosk_address(actor=request.user, kiosk=obj, created=not change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_kiosk_address(actor=request.user, kiosk=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for kiosk in queryset:
            services.delete_kiosk_address(actor=request.user, kiosk=kiosk)
