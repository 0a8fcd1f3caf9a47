"""The administrator keeps the crisis numbers and the units' contacts for concerns.
Every change goes through services, so it is in the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from brobygger.accounts.admin import AdministratorsOnly

from . import services
from .models import CrisisContact, UnitContact


class AdministratorsMayDelete(AdministratorsOnly):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)


@admin.register(CrisisContact)
class CrisisContactAdmin(AdministratorsMayDelete, admin.ModelAdmin):
    list_display = ("name", "phone", "opening_hours", "unit", "on_duty", "order", "active")
    list_filter = ("unit", "on_duty", "active")
    ordering = ("unit__name", "order", "name")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_crisis_contact(actor=request.user, contact=obj, created=not change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_crisis_contact(actor=request.user, contact=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for contact in queryset:
            services.delete_crisis_contact(actor=request.user, contact=contact)


@admin.register(UnitContact)
class UnitContactAdmin(AdministratorsMayDelete, admin.ModelAdmin):
    list_display = ("unit", "user")
    list_filter = ("unit",)
    autocomplete_fields = ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_unit_contact(actor=request.user, contact=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_unit_contact(actor=request.user, contact=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for contact in queryset:
            services.delete_unit_contact(actor=request.user, contact=contact)
