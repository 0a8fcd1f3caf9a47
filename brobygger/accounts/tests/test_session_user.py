"""The session row names its user, and a signed-in request reads both in one statement
(accounts/sessions.py, issue 19): never another user's, never a user the session no
longer has, and a session saved before the column existed still works."""

from __future__ import annotations

import datetime
import importlib

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brobygger.accounts.backends import SESSION_DATA, StaffBackend, users_read_with
from brobygger.accounts.models import Role, Session
from brobygger.accounts.sessions import SessionStore
from brobygger.testing import BaseTestCase, make_user

PING = "/hjem/ping/"


def session_key(client: object) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value  # type: ignore[attr-defined]


class SessionColumnTests(BaseTestCase):
    def test_signing_in_stores_the_user_in_the_session_row_and_signing_out_ends_it(self):
        self.login(self.peer)
        key = session_key(self.client)
        self.assertEqual(Session.objects.get(session_key=key).user_id, self.peer.user.pk)
        self.client.post(reverse("accounts:logout"))
        self.assertFalse(Session.objects.filter(session_key=key).exists())

    def test_a_signed_in_request_reads_session_and_user_in_one_statement(self):
        self.login(self.coordinator)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(PING)
        self.assertContains(response, "Du er logget ind som")
        (statement,) = [q["sql"] for q in queries.captured_queries]
        self.assertIn('"accounts_session"', statement)
        self.assertIn('"accounts_user"', statement)
        # The session's columns are not left on the request's user.
        self.assertNotIn(SESSION_DATA, vars(response.wsgi_request.user))

    def test_a_session_saved_without_the_column_is_read_alone_then_filled_in(self):
        # As a session moved over by the migration: the data names the user, the column
        # does not yet.
        self.login(self.peer)
        key = session_key(self.client)
        Session.objects.filter(session_key=key).update(user=None)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(PING)
        self.assertContains(response, "Du er logget ind som")
        self.assertEqual(len(queries), 3)  # the joined read finds nothing; session; user
        store = SessionStore(key)
        store["kaffe"] = "sort"
        store.save()
        self.assertEqual(Session.objects.get(session_key=key).user_id, self.peer.user.pk)

    def test_a_deleted_user_takes_the_sessions_along(self):
        user = make_user("sessiongone", Role.PEER_WORKER)
        self.client.force_login(user)
        key = session_key(self.client)
        user.delete()
        self.assertFalse(Session.objects.filter(session_key=key).exists())
        self.assertEqual(self.client.get(PING).status_code, 302)

    def test_a_deactivated_user_read_with_the_session_is_nobody(self):
        self.login(self.peer)
        self.peer.user.is_active = False
        self.peer.user.save(update_fields=["is_active"])
        self.assertEqual(self.client.get(PING).status_code, 302)


class ReadWithSessionTests(TestCase):
    def test_the_backend_takes_only_the_sessions_own_user_and_only_inside(self):
        ann = make_user("sessionann", Role.PEER_WORKER)
        bo = make_user("sessionbo", Role.PEER_WORKER)
        store = SessionStore()
        store[SESSION_KEY] = str(ann.pk)
        store.create()
        loaded = SessionStore(store.session_key)
        self.assertEqual(loaded.load()[SESSION_KEY], str(ann.pk))
        self.assertEqual(loaded.user_read_with.pk, ann.pk)  # type: ignore[union-attr]
        backend = StaffBackend()
        with CaptureQueriesContext(connection) as queries, users_read_with(loaded):
            same = backend.get_user(ann.pk)
            other = backend.get_user(bo.pk)  # another user's key: asked for, not taken
        self.assertIs(same, loaded.user_read_with)
        self.assertEqual(other.pk, bo.pk)  # type: ignore[union-attr]
        self.assertEqual(len(queries), 1)
        with CaptureQueriesContext(connection) as queries:
            outside = backend.get_user(ann.pk)
        self.assertIsNot(outside, loaded.user_read_with)
        self.assertEqual(len(queries), 1)

    def test_an_expired_session_reads_no_user(self):
        ann = make_user("sessionold", Role.PEER_WORKER)
        store = SessionStore()
        store[SESSION_KEY] = str(ann.pk)
        store.create()
        Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now())
        late = SessionStore(store.session_key)
        self.assertEqual(late.load(), {})
        self.assertIsNone(late.user_read_with)
        self.assertIsNone(late.session_key)


class MigrationTests(TestCase):
    def test_live_sessions_move_to_the_new_table_and_back(self):
        migration = importlib.import_module("brobygger.accounts.migrations.0003_session_with_user")
        now = timezone.now()
        DjangoSession.objects.create(
            session_key="a" * 32, session_data="x", expire_date=now + datetime.timedelta(hours=1)
        )
        DjangoSession.objects.create(
            session_key="b" * 32, session_data="y", expire_date=now - datetime.timedelta(hours=1)
        )
        forwards = migration.move(("sessions", "Session"), ("accounts", "Session"))
        forwards(global_apps, None)
        self.assertEqual(
            list(Session.objects.values_list("session_key", "session_data", "user_id")),
            [("a" * 32, "x", None)],
        )
        self.assertFalse(DjangoSession.objects.exists())
        backwards = migration.move(("accounts", "Session"), ("sessions", "Session"))
        backwards(global_apps, None)
        self.assertEqual(
            list(DjangoSession.objects.values_list("session_key", "session_data")),
            [("a" * 32, "x")],
        )
        self.assertFalse(Session.objects.exists())
