"""The SMS backend: a real one is required in production, and no phone number is logged."""

import io
import logging
import os
from contextlib import redirect_stdout

import pytest
from django.test import SimpleTestCase, override_settings

from brobygger.notifications import messaging
from brobygger.scheduling import checks
from brobygger.testing import run_project

CONSOLE = messaging.CONSOLE_SMS_BACKEND
GATEWAY = "brobygger.scheduling.tests.gateway.RecordingGateway"
BROKEN = "brobygger.scheduling.tests.gateway.ChattyBrokenGateway"


def production_env(**extra: str) -> dict[str, str]:
    inherited = {
        k: v for k, v in os.environ.items() if k not in {"SMS_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return {
        **inherited,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "production-secret-key-0123456789",
        "ALLOWED_HOSTS": "brobygger.example.dk",
        "DATABASE_URL": "sqlite:////tmp/brobygger-sms-check.sqlite3",
        # Production also needs the audit key and checkpoint folder (docs/audit.md).
        "AUDIT_HMAC_KEY": "y" * 20 + "production-audit-key-0123456789",
        "AUDIT_CHECKPOINT_DIR": "/tmp/brobygger-sms-check-checkpoints",
        **extra,
    }


@pytest.mark.timeless  # the settings at start, not the date: make test-clock skips it
class StartupCheckTests(SimpleTestCase):
    def ids(self) -> list[str]:
        return [message.id or "" for message in checks.sms_backend_check()]

    def test_development_may_use_the_console(self):
        with self.settings(DEBUG=True, BROBYGGER_SMS_BACKEND=CONSOLE):
            self.assertEqual(self.ids(), [])

    def test_production_refuses_no_backend_the_console_and_a_wrong_path(self):
        cases = {
            "": "brobygger.E001",
            CONSOLE: "brobygger.E002",
            messaging.LOCMEM_SMS_BACKEND: "brobygger.E002",
            "brobygger.nowhere.Gateway": "brobygger.E003",
        }
        for path, expected in cases.items():
            with self.subTest(path=path), self.settings(DEBUG=False, BROBYGGER_SMS_BACKEND=path):
                self.assertEqual(self.ids(), [expected])
        with self.settings(DEBUG=False, BROBYGGER_SMS_BACKEND=GATEWAY):
            self.assertEqual(self.ids(), [])

    def test_the_app_does_not_start_without_a_gateway_and_starts_with_one(self):
        refused = run_project(["-c", "import brobygger.wsgi"], production_env())
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("brobygger.E001", refused.stderr)
        started = run_project(["-c", "import brobygger.wsgi"], production_env(SMS_BACKEND=GATEWAY))
        self.assertEqual(started.returncode, 0, started.stderr)

    def test_manage_py_commands_refuse_too(self):
        result = run_project(["manage.py", "check"], production_env(SMS_BACKEND=CONSOLE))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("brobygger.E002", result.stderr + result.stdout)


class PhoneNumbersStayOutOfLogsTests(SimpleTestCase):
    def test_mask_keeps_only_the_last_two_digits(self):
        self.assertEqual(messaging.mask_phone("20304050"), "******50")
        self.assertEqual(messaging.mask_phone("+45 20 30 40 50"), "********50")
        self.assertEqual(
            messaging.scrub_numbers("to +45 2030 4050 or 20304050 at 10:00"),
            "to ********50 or ******50 at 10:00",
        )

    @override_settings(BROBYGGER_SMS_BACKEND=CONSOLE)
    def test_the_console_backend_prints_no_phone_number(self):
        out = io.StringIO()
        number = "20304050"
        # Tests run with DEBUG off, so the console also warns that nothing was sent.
        with redirect_stdout(out), self.assertLogs(level=logging.WARNING) as logs:
            messaging.send("sms", number, "Påmindelse: samtale torsdag kl. 10:00.")
        self.assertIn("SMS to ******50: Påmindelse", out.getvalue())
        for text in (out.getvalue(), "\n".join(logs.output)):
            self.assertNotIn("2030", text)

    @override_settings(BROBYGGER_SMS_BACKEND=BROKEN)
    def test_a_gateways_error_reaches_the_log_without_the_number(self):
        logger = logging.getLogger("brobygger.scheduling.reminders")
        number = "20304050"
        with self.assertLogs(logger, level="ERROR") as logs:
            try:
                messaging.send("sms", number, "x")
            except messaging.SMSSendError:
                logger.exception("Reminder failed; it will be retried.")
        handler = logging.StreamHandler(io.StringIO())
        text = "\n".join(handler.format(record) for record in logs.records)
        self.assertIn("ConnectionError", text)
        self.assertIn("timeout", text)
        for fragment in ("20304050", "2030 4050", "2030"):
            self.assertNotIn(fragment, text)
