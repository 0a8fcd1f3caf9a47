"""lib.prepared: the per-request queries compiled once answer what the ORM answers."""

import datetime

import time_machine
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.backends import DEVICE_FLAG, FIRST_DEVICES, StaffBackend
from brobygger.accounts.models import Role, Session, User
from brobygger.accounts.sessions import SessionStore
from brobygger.lib.prepared import Prepared
from brobygger.notifications.context import UNREAD_AT_LOAD
from brobygger.notifications.models import NotificationKind
from brobygger.notifications.services import notify
from brobygger.testing import make_user

HAS_DEVICE = "has_device"


class PreparedTests(TestCase):
    def test_the_same_rows_as_the_orm_for_each_value_and_one_compilation(self) -> None:
        users = [make_user(f"prep{n}", Role.PEER_WORKER) for n in range(3)]
        by_pk = Prepared(User, lambda pk: User.objects.filter(pk=pk), pk=(int, User._meta.pk))
        for user in users:
            found = by_pk.first(pk=user.pk)
            assert found is not None
            self.assertEqual(
                (found.pk, found.username, found.role, found.date_joined, found.is_active),
                (user.pk, user.username, user.role, user.date_joined, user.is_active),
            )
            # The model's own conversions: an aware datetime, not the driver's text.
            self.assertIsInstance(found.date_joined, datetime.datetime)
            self.assertIsNotNone(found.date_joined.tzinfo)
        self.assertIsNone(by_pk.first(pk=max(user.pk for user in users) + 1000))
        self.assertEqual(len(by_pk._plans), 1)

    def test_annotations_come_converted_as_the_orm_converts_them(self) -> None:
        user = make_user("prepann", Role.COORDINATOR)
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)

        def build(pk: int) -> QuerySet[User]:
            devices = TOTPDevice.objects.filter(user=OuterRef("pk"))
            return User.objects.annotate(**{HAS_DEVICE: Exists(devices)}).filter(pk=pk)

        prepared = Prepared(User, build, pk=(int, User._meta.pk))
        found = prepared.first(pk=user.pk)
        assert found is not None
        self.assertIs(getattr(found, HAS_DEVICE), True)  # SQLite's 1 made a bool, as the ORM does
        self.assertIs(getattr(found, HAS_DEVICE), getattr(build(user.pk).get(), HAS_DEVICE))
        self.assertFalse(found._state.adding)

    def test_select_related_is_refused(self) -> None:
        related = Prepared(
            TOTPDevice,
            lambda pk: TOTPDevice.objects.select_related("user").filter(pk=pk),
            pk=(int, TOTPDevice._meta.pk),
        )
        with self.assertRaisesMessage(ValueError, "select_related"):
            related.first(pk=1)

    def test_a_value_met_twice_in_the_sql_is_refused_when_compiled(self) -> None:
        twice = Prepared(
            User, lambda pk: User.objects.filter(Q(pk=pk) | Q(pk__gt=pk)), pk=(int, User._meta.pk)
        )
        with self.assertRaisesMessage(ValueError, "2 times, not once"):
            twice.first(pk=1)

    def test_a_value_missing_from_the_sql_is_refused(self) -> None:
        def ignores(pk: int) -> QuerySet[User]:
            return User.objects.filter(is_active=True)

        unused = Prepared(User, ignores, pk=(int, User._meta.pk))
        with self.assertRaisesMessage(ValueError, "0 times, not once"):
            unused.first(pk=1)

    def test_the_values_must_be_the_ones_named(self) -> None:
        by_pk = Prepared(User, lambda pk: User.objects.filter(pk=pk), pk=(int, User._meta.pk))
        with self.assertRaises(TypeError):
            by_pk.first(id=1)
        # None (IS NULL in the ORM) or another type would not fit the compiled SQL.
        for wrong in (None, "1"):
            with self.subTest(value=wrong), self.assertRaises(TypeError):
                by_pk.first(pk=wrong)


class RequestUserTests(TestCase):
    def test_the_backend_loads_the_user_with_devices_and_unread_count_in_one_query(self) -> None:
        user = make_user("prepuser", Role.COORDINATOR)
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        TOTPDevice.objects.create(user=user, name="old", confirmed=False)
        for title in ("Ny selvhenvisning", "Endnu en selvhenvisning"):
            notify(kind=NotificationKind.SELF_REFERRAL, recipients=[user], title=title)
        other = make_user("prepother", Role.PEER_WORKER)
        backend = StaffBackend()
        with CaptureQueriesContext(connection) as queries:
            loaded = backend.get_user(user.pk)
            bare = backend.get_user(str(other.pk))
        self.assertEqual(len(queries), 2)
        assert loaded is not None and bare is not None
        self.assertEqual((loaded.pk, loaded.username), (user.pk, user.username))
        self.assertEqual(getattr(loaded, UNREAD_AT_LOAD), 2)
        self.assertTrue(getattr(loaded, DEVICE_FLAG))
        self.assertEqual(
            getattr(loaded, FIRST_DEVICES), {device.persistent_id: (TOTPDevice, device.pk)}
        )
        self.assertEqual(getattr(bare, UNREAD_AT_LOAD), 0)
        self.assertFalse(getattr(bare, DEVICE_FLAG))
        # A key the session could not have stored, or a user gone, is nobody.
        self.assertIsNone(backend.get_user("not-a-number"))
        self.assertIsNone(backend.get_user(other.pk + 1000))
        other.is_active = False
        other.save(update_fields=["is_active"])
        self.assertIsNone(backend.get_user(other.pk))


class SessionStoreTests(TestCase):
    def test_a_session_loads_until_it_expires_with_the_time_of_each_load(self) -> None:
        store = SessionStore()
        store["marker"] = "kaffe"
        store.set_expiry(600)
        store.save()
        key = store.session_key
        assert key is not None
        self.assertEqual(SessionStore(key).load()["marker"], "kaffe")
        expires = Session.objects.get(session_key=key).expire_date
        # The compiled query takes each load's own time: after the expiry, nothing.
        with time_machine.travel(expires + datetime.timedelta(seconds=1), tick=False):
            late = SessionStore(key)
            self.assertEqual(late.load(), {})
            self.assertIsNone(late.session_key)
        with time_machine.travel(expires - datetime.timedelta(seconds=1), tick=False):
            self.assertEqual(SessionStore(key).load()["marker"], "kaffe")

    def test_an_unknown_key_is_forgotten_and_a_made_up_short_key_asks_nothing(self) -> None:
        unknown = SessionStore("x" * 32)
        self.assertEqual(unknown.load(), {})
        self.assertIsNone(unknown.session_key)
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(SessionStore("short").load(), {})
        self.assertEqual(len(queries), 0)
