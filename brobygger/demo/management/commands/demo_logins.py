import base64
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import User
from brobygger.demo.cast import DEMO_PASSWORD

# sofiel set up two-factor through the demo's invitation, so she is asked for a code too.
DEMO_USERS = [
    "koordinator",
    "peer",
    "paarorendepeer",
    "sygeplejerske",
    "evaluator",
    "admin",
    "sofiel",
]


class Command(BaseCommand):
    help = "Print the demo logins (demo mode only), with the current two-factor codes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000", help="The port the app is served on.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            self.stdout.write("Not in demo mode: no demo logins to show.")
            return
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
        devices = {
            d.user_id: d for d in TOTPDevice.objects.filter(user__in=users.values(), confirmed=True)
        }
        self.stdout.write("")
        self.stdout.write(f"Brobygger demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"Open http://127.0.0.1:{options['port']}/log-ind/")
        for name in DEMO_USERS:
            user = users.get(name)
            if user is None:
                continue
            line = f"  {name:<16} {user.get_role_display()}"
            device = devices.get(user.pk)
            if device is not None:
                key = base64.b32encode(device.bin_key).decode()
                code = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
                line += f"  two-factor key {key} (code now: {code}; `make code USER={name}`)"
            self.stdout.write(line)
        self.stdout.write("")
