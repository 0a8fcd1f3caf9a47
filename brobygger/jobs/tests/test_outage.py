"""A database outage answers 503 with a calm page (issue 20, "Outages answered calmly")."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse

from brobygger.accounts.models import Role
from brobygger.jobs.outage import outage_response
from brobygger.testing import BaseTestCase, end_backend, make_user

ENSURE = "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection"


def database_down(error: Exception | None = None) -> mock._patch:
    """Every query fails as it does when the server is gone: at connect."""
    return mock.patch(ENSURE, side_effect=error or OperationalError("connection refused"))


class OutageTests(BaseTestCase):
    def setUp(self):
        # The test client re-raises a view's exception by default; a browser gets the page.
        self.client = Client(raise_request_exception=False)

    def test_a_page_answers_503_in_danish_with_retry_after(self):
        self.login(self.coordinator)
        with database_down():
            response = self.client.get(reverse("referrals:queue"))
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.headers["Retry-After"], "30")
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertContains(response, "Brobygger er utilgængelig et øjeblik", status_code=503)
        self.assertContains(response, '<html lang="da">', status_code=503)
        self.assertNotContains(response, "Traceback", status_code=503)
        self.assertNotContains(response, "OperationalError", status_code=503)

    def test_in_english_when_english_is_chosen(self):
        self.login(self.coordinator)
        self.client.cookies["brobygger_language"] = "en"
        with database_down():
            response = self.client.get(reverse("desk:home"))
        self.assertContains(response, "Brobygger is unavailable for a moment", status_code=503)
        self.assertContains(response, '<html lang="en">', status_code=503)

    def test_a_lost_connection_mid_request_is_an_outage_too(self):
        self.login(self.admin)
        with database_down(InterfaceError("connection already closed")):
            response = self.client.get(reverse("jobs:overview"))
        self.assertEqual(response.status_code, 503)

    def test_other_errors_are_still_the_plain_500(self):
        self.login(self.coordinator)
        with mock.patch("brobygger.referrals.views.render", side_effect=RuntimeError("a bug")):
            response = self.client.get(reverse("referrals:queue"))
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "Der skete en fejl", status_code=500)

    def test_the_page_renders_without_the_database(self):
        request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en")
        with database_down() as ensure:
            response = outage_response(request, OperationalError("refused"))
        self.assertEqual(ensure.call_count, 0)
        self.assertContains(response, "Brobygger is unavailable", status_code=503)

    def test_health_answers_json_also_when_a_middleware_meets_the_outage(self):
        self.login(self.admin)  # a session cookie: the session middleware reads first
        with database_down():
            response = self.client.get("/health/")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(
            response.json(),
            {"status": "fail", "database": {"ok": False, "error": "OperationalError"}},
        )

    def test_the_next_request_works_when_the_database_is_back(self):
        with database_down():
            self.assertEqual(self.client.get("/health/").status_code, 503)
        self.assertEqual(self.client.get("/").status_code, 200)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real outage needs PostgreSQL")
def test_postgresql_killed_and_unreachable_answers_503_then_recovers(transactional_db, client):
    """The app's connection is terminated by the server and the server is gone (a closed
    port); pages answer 503 until it is back, then work again without a restart."""
    from django.db import connections

    client.raise_request_exception = False
    client.force_login(make_user("drift", Role.ADMINISTRATOR))
    url = reverse("jobs:overview")
    app = connections["default"]
    end_backend()
    port = app.settings_dict["PORT"]
    try:
        app.settings_dict["PORT"] = 1  # nothing listens there: the server is down
        response = client.get(url)
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert "Brobygger er utilgængelig et øjeblik" in response.content.decode()
        health = client.get("/health/")
        assert health.status_code == 503
        assert health.json()["database"] == {"ok": False, "error": "OperationalError"}
    finally:
        app.settings_dict["PORT"] = port
        app.close()
    # Back: the next requests connect again by themselves.
    assert client.get(url).status_code not in (500, 503)
    assert client.get("/health/").json()["database"]["ok"] is True
