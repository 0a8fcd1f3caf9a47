"""Project-wide promises: every URL guarded, headers set, deploy check clean, translations."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from brobygger.testing import BaseTestCase

ROOT = Path(__file__).resolve().parent.parent


def iter_patterns(resolver: URLResolver, namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from iter_patterns(entry, ns)
        elif isinstance(entry, URLPattern):
            yield namespace, entry


@pytest.mark.timeless
def test_every_url_is_public_or_guarded():
    unguarded = []
    for namespace, pattern in iter_patterns(get_resolver()):
        view = pattern.callback
        view = (getattr(view, "view_class", None) and view) or view
        if namespace == "admin":
            continue  # the admin site checks is_staff on every view itself
        public = getattr(view, "brobygger_public", False)
        # A role for a session, or the API's integration token (brobygger/api/urls.py).
        roles = getattr(view, "brobygger_roles", None) or getattr(view, "brobygger_token", False)
        if public == bool(roles):
            unguarded.append(f"{namespace}:{pattern.name} ({pattern.pattern})")
    assert unguarded == []


WALL_CLOCK = re.compile(
    r"\b(?:datetime\.(?:now|today|utcnow)|date\.today|time\.time|time\.localtime)\("
)


@pytest.mark.timeless
def test_time_comes_from_the_django_clock():
    """Code and tests read the time only through django.utils.timezone (now, localdate,
    localtime), which the suite's frozen clock controls; the wall clock read directly would
    make results depend on the day the suite runs."""
    offenders = []
    for folder in ("brobygger", "tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if WALL_CLOCK.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def _imports(folder: str = "brobygger") -> list[tuple[Path, str, list[str]]]:
    """(file, module imported from, names) for every absolute brobygger import."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.append((path, node.module, [alias.name for alias in node.names]))
            elif isinstance(node, ast.Import):
                found.extend((path, alias.name, []) for alias in node.names)
    return [row for row in found if row[1].startswith("brobygger.")]


@pytest.mark.timeless
def test_views_never_write_the_access_log():
    """One door for reads: a view gets person data only through its app's access.py,
    which records the look (brobygger/audit/looks.py); writes log in their services."""
    writers = {"brobygger.audit.services", "brobygger.audit.looks"}
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path, module, _names in _imports()
        if path.name == "views.py" and module in writers
    ]
    assert offenders == []


def test_the_suite_runs_on_the_frozen_clock():
    from django.utils import timezone

    from brobygger.testclock import frozen_instant
    from brobygger.testing import TODAY

    assert timezone.now() == frozen_instant()
    assert timezone.localdate() == TODAY


@pytest.mark.timeless
def test_danish_translation_is_complete():
    catalogue = polib.pofile(str(ROOT / "locale/da/LC_MESSAGES/django.po"))
    missing = [e.msgid for e in catalogue if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert missing == []
    compiled = ROOT / "locale/da/LC_MESSAGES/django.mo"
    assert (
        compiled.stat().st_mtime >= (ROOT / "locale/da/LC_MESSAGES/django.po").stat().st_mtime - 1
    )


@pytest.mark.timeless
@pytest.mark.parametrize("database_url", ["sqlite:////tmp/brobygger-deploy-check.sqlite3"])
def test_check_deploy_is_clean_with_production_settings(database_url):
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "production-secret-key-0123456789",
        "ALLOWED_HOSTS": "brobygger.example.dk",
        "DATABASE_URL": database_url,
        # Production needs a real SMS gateway (issue 16); a test stand-in counts as one.
        "SMS_BACKEND": "brobygger.scheduling.tests.gateway.RecordingGateway",
        "AUDIT_HMAC_KEY": "y" * 20 + "production-audit-key-0123456789",
        "AUDIT_CHECKPOINT_DIR": "/srv/brobygger-audit-checkpoints",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Without the audit log's key from the environment the app does not start at all.
    del env["AUDIT_HMAC_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "Set the environment variable AUDIT_HMAC_KEY." in result.stderr


def test_the_public_urls_are_the_ones_meant_to_be():
    """The views anyone may reach without login; a new one is added here on purpose."""
    public = sorted(
        f"{namespace}:{pattern.name}"
        for namespace, pattern in iter_patterns(get_resolver())
        if namespace != "admin" and getattr(pattern.callback, "brobygger_public", False)
    )
    assert "jobs:health" in public  # /health/: monitoring, nothing personal (jobs/health.py)
    assert not any(name.startswith("jobs:") and name != "jobs:health" for name in public)


class HeaderTests(BaseTestCase):
    def test_security_headers_on_public_pages(self):
        response = self.client.get("/")
        csp = response.headers["Content-Security-Policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(response.headers["X-Frame-Options"], "DENY")
        self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response.headers["Referrer-Policy"], "same-origin")

    def test_accessibility_statement_is_linked_in_the_footer(self):
        response = self.client.get("/")
        self.assertContains(response, "Tilgængelighedserklæring")
        self.assertContains(self.client.get("/tilgaengelighed/"), "WCAG 2.1")

    def test_the_public_pages_link_to_the_staff_sign_in(self):
        response = self.client.get("/")
        self.assertContains(
            response, '<a href="/log-ind/">Log ind for medarbejdere</a>', html=False
        )
