from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from brobygger.accounts.models import User
from brobygger.onboarding import invitations


class Command(BaseCommand):
    help = (
        "Print a one-time setup link for an account's two-factor login. For the first "
        "administrator, who has nobody to make one on the setup-links page; audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the app is served, e.g. https://brobygger.region.dk",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("No account with that user name.")
        try:
            invitation, token = invitations.create_setup_link(actor=None, user=user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        path = reverse("onboarding:invitation", args=[token])
        self.stdout.write(f"{options['base_url'].rstrip('/')}{path}")
        self.stdout.write(f"Works once, until {invitation.expires_at.isoformat()}.")
