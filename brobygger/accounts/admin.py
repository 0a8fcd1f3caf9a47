"""The administrator's pages for users and units. Person data are not here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Membership, Unit, User

# Authenticators come only through the audited one-time links (onboarding's invitations
# and setup links) and the user's own two-factor page. django-otp's admin pages would
# show the secret keys and add devices around that path.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Brobygger"), {"fields": ("role", "language", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Brobygger"), {"fields": ("role", "first_name", "last_name", "email")}),
    )
    inlines = [MembershipInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "sor_code", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "sor_code")
