"""Make or revoke an integration's API token.

    manage.py api_token create --name "EPJ Sundhedsplatformen" --user epj-referrals \
        --scopes referrals:read,referrals:write
    manage.py api_token revoke --name "EPJ Sundhedsplatformen"

The token is printed once; only its SHA-256 is kept. Both are in the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from brobygger.accounts.models import User
from brobygger.api import services
from brobygger.api.models import Integration


class Command(BaseCommand):
    help = "Create (printing the token once) or revoke an API integration."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("--name", required=True)
        parser.add_argument("--user", help="the account the integration acts as (create)")
        parser.add_argument("--scopes", default="", help="comma-separated (create)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "revoke":
            integration = Integration.objects.active().filter(name=options["name"]).first()
            if integration is None:
                raise CommandError("no active integration by that name")
            services.revoke(actor=None, integration=integration)
            self.stdout.write(f"revoked {integration.name}")
            return
        user = User.objects.filter(username=options["user"] or "", is_active=True).first()
        if user is None:
            raise CommandError("--user must name an active account")
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            _integration, token = services.create_integration(
                actor=None, name=options["name"], user=user, scopes=scopes
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(token)
