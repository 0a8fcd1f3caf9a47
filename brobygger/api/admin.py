from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Integration


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    """The integrations, read only: tokens are made and revoked with `manage.py api_token`."""

    list_display = ("name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("name", "user", "scopes", "created_at", "last_used_at", "revoked_at")
    exclude = ("token_hash",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
