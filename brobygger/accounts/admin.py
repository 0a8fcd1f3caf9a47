"""The administrator's pages for users and units. Person data are not here.

A user's role and units decide what they may see, so they change only through
`services.change_role_and_units`: by another administrator, with the before and after
in the audit trail (issue 16). Editing yourself, both are shown but cannot be changed.
Django's own groups, permissions and superuser flag are not used for access in
Brobygger and cannot be edited here; an administrator's role opens these pages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .access import is_administrator
from .models import Unit, User

# Authenticators come only through the audited one-time links (onboarding's invitations
# and setup links) and the user's own two-factor page. django-otp's admin pages would
# show the secret keys and add devices around that path.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


def _units_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=Unit.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class BrobyggerUserChangeForm(UserChangeForm):
    units = _units_field()
    actor: Any = None  # set per request by UserAdmin.get_form

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.actor is not None and self.actor.pk == self.instance.pk:
            del self.fields["units"]  # shown read-only: nobody changes their own
        else:
            self.initial["units"] = list(self.instance.units.values_list("pk", flat=True))

    def privileges_changed(self) -> bool:
        return bool({"role", "units"} & set(self.changed_data))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.privileges_changed():
            try:
                services.check_privilege_change(actor=self.actor, user=self.instance)
            except ValidationError as error:
                self.add_error(None, error)
        return data


class BrobyggerUserCreationForm(AdminUserCreationForm):
    units = _units_field()


class AdministratorsOnly:
    """The app's administrator role opens these pages, not Django's permission tables."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request.user)


@admin.register(User)
class UserAdmin(AdministratorsOnly, BaseUserAdmin):
    form = BrobyggerUserChangeForm
    add_form = BrobyggerUserCreationForm
    list_display = ("username", "first_name", "last_name", "role", "is_active", "last_login")
    search_fields = ("username", "first_name", "last_name", "email", "employee_number")
    list_filter = ("role", "is_active")
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Brobygger"), {"fields": ("role", "units", "first_name", "last_name", "email")}),
    )

    def _is_self(self, request: HttpRequest, obj: Any) -> bool:
        return obj is not None and obj.pk == request.user.pk

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return super().get_fieldsets(request, obj)
        units = "unit_names" if self._is_self(request, obj) else "units"
        return (
            (None, {"fields": ("username", "password")}),
            (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
            (_("Brobygger"), {"fields": ("role", units, "language", "phone", "employee_number")}),
            (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
            (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        fields = ["is_staff", "is_superuser", "last_login", "date_joined"]
        if self._is_self(request, obj):
            fields += ["role", "unit_names", "is_active"]
        return fields

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if change:
            return type(form.__name__, (form,), {"actor": request.user})
        return form

    @admin.display(description=_("Units"))
    def unit_names(self, obj: User) -> str:
        return ", ".join(unit.name for unit in obj.units.order_by("name")) or "—"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        units = form.cleaned_data.get("units", ())
        if not change:
            services.register_user(actor=request.user, user=obj, units=units)
            return
        if not form.privileges_changed():
            super().save_model(request, obj, form, change)
            return
        # Save everything else as it was typed, then the role and units through the service.
        role = obj.role
        obj.role = User.objects.values_list("role", flat=True).get(pk=obj.pk)
        super().save_model(request, obj, form, change)
        services.change_role_and_units(actor=request.user, user=obj, role=role, units=units)


@admin.register(Unit)
class UnitAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ("name", "code", "kind", "sor_code", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "code", "sor_code")
