"""What a WSGI process does at start (brobygger/lib/startup.py, brobygger/wsgi.py)."""

import gc

from django.test import SimpleTestCase

from brobygger.lib.startup import settle
from brobygger.scheduling.tests.test_sms_backend import GATEWAY, production_env
from brobygger.testing import run_project


class SettleTests(SimpleTestCase):
    def test_what_the_start_made_is_out_of_the_collectors_reach(self):
        walked_before = len(gc.get_objects())
        try:
            settle()
            frozen = gc.get_freeze_count()
            walked_after = len(gc.get_objects())
        finally:
            gc.unfreeze()
        # The views of every app are loaded, then set aside: a full collection walks only
        # what requests make afterwards.
        self.assertGreater(frozen, 50_000)
        self.assertGreater(frozen, walked_before // 2)
        self.assertLess(walked_after, 1_000)

    def test_the_wsgi_application_settles_at_start(self):
        started = run_project(
            [
                "-c",
                "import gc, brobygger.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))",
            ],
            production_env(SMS_BACKEND=GATEWAY),
        )
        self.assertEqual(started.returncode, 0, started.stderr)
        frozen, walked = (int(n) for n in started.stdout.split())
        self.assertGreater(frozen, 50_000)
        self.assertLess(walked, 1_000)
