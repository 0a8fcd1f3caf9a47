"""CVs go through Django's storage API to the backend the environment names (issue 16)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse

from brobygger.testing import run_project

from .helpers import PDF_BYTES, TempMediaTestCase, make_application, make_posting

SHOW_STORAGE = (
    "import django; django.setup(); from django.core.files.storage import storages; "
    "s = storages['default']; print(type(s).__name__, s.base_url)"
)


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in {"FILE_STORAGE", "FILE_STORAGE_OPTIONS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return run_project(args, {**inherited, "DJANGO_SETTINGS_MODULE": "brobygger.settings", **env})


@pytest.mark.timeless  # the settings at start, not the date: make test-clock skips it
class StorageSettingTests(TempMediaTestCase):
    def test_the_backend_and_its_options_come_from_the_environment(self) -> None:
        result = run(
            ["-c", SHOW_STORAGE],
            FILE_STORAGE="django.core.files.storage.InMemoryStorage",
            FILE_STORAGE_OPTIONS='{"base_url": "/intern/"}',
        )
        self.assertEqual(result.stdout.strip(), "InMemoryStorage /intern/", result.stderr)

    def test_a_wrong_setting_stops_the_app_at_start_naming_the_variable(self) -> None:
        bad_json = run(["manage.py", "check"], FILE_STORAGE_OPTIONS="[1, 2]")
        self.assertNotEqual(bad_json.returncode, 0)
        self.assertIn("FILE_STORAGE_OPTIONS must be a JSON object", bad_json.stderr)
        for env in (
            {"FILE_STORAGE": "brobygger.nowhere.Storage"},
            {"FILE_STORAGE_OPTIONS": '{"no_such_option": 1}'},
        ):
            with self.subTest(env=env):
                start = run(["-c", "import brobygger.wsgi"], **env)
                self.assertNotEqual(start.returncode, 0)
                self.assertIn("brobygger.E004", start.stderr)

    def test_a_cv_is_stored_and_served_through_the_storage_not_the_local_disk(self) -> None:
        local = tempfile.mkdtemp(prefix="brobygger-no-cv-")
        self.addCleanup(shutil.rmtree, local, ignore_errors=True)
        with override_settings(MEDIA_ROOT=local):
            application = make_application(make_posting(self.unit), cv=True)
            self.assertTrue(default_storage.exists(application.cv.name))
            self.login(self.coordinator)
            response = self.client.get(reverse("recruitment:application_cv", args=[application.pk]))
            self.assertEqual(b"".join(response.streaming_content), PDF_BYTES)  # type: ignore[attr-defined]
        self.assertEqual(list(Path(local).rglob("*")), [])
