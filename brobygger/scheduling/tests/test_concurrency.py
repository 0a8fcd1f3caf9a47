"""50 bookings of the same slot fired at once at a real server: exactly one wins.

Runs against PostgreSQL, where the exclusion constraint is the last word; SQLite
serialises writers (immediate transactions), so the race cannot happen there.
"""

from __future__ import annotations

import datetime
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test import Client
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from brobygger.lib.dates import local_datetime
from brobygger.scheduling.models import Appointment
from brobygger.testing import TODAY, make_course, make_peer, make_person, make_unit

ATTEMPTS = 50
CSRF_SECRET = "a" * 32  # an unmasked CSRF secret: valid as cookie and as form field


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs PostgreSQL")
def test_fifty_concurrent_bookings_of_one_slot(transactional_db):
    server = BookingServer("127.0.0.1", _StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    try:
        _fire(f"http://127.0.0.1:{server.port}")
    finally:
        server.terminate()


def _fire(base_url: str) -> None:
    unit = make_unit()
    peer = make_peer("samtidig", units=(unit,))
    courses = [make_course(make_person(f"P{i}", unit=unit), peer) for i in range(ATTEMPTS)]
    day = TODAY + datetime.timedelta(days=14)
    while day.weekday() > 4:
        day += datetime.timedelta(days=1)
    assert local_datetime(day, datetime.time(10))
    cookie = session_cookie(peer.user)
    barrier = threading.Barrier(ATTEMPTS)

    def attempt(course_pk: int) -> tuple[int, str]:
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": CSRF_SECRET,
                "date": day.isoformat(),
                "time": "10:00",
                "minutes": "45",
                "mode": "phone",
            }
        ).encode()
        request = urllib.request.Request(
            f"{base_url}/forloeb/{course_pk}/book/",
            data=body,
            method="POST",
            headers={
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}; "
                f"{settings.CSRF_COOKIE_NAME}={CSRF_SECRET}",
                "Referer": base_url + "/",
            },
        )
        barrier.wait(timeout=30)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        results = list(pool.map(attempt, [c.pk for c in courses]))

    statuses = sorted(status for status, _body in results)
    assert statuses.count(302) == 1, statuses
    assert statuses.count(422) == ATTEMPTS - 1, statuses
    losers = [body for status, body in results if status == 422]
    assert all("allerede en samtale" in body or "et øjeblik siden" in body for body in losers)
    assert Appointment.objects.count() == 1


class BigBacklogServer(ThreadedWSGIServer):
    # 50 connections arrive in the same instant; the default backlog of 5 would reset
    # most of them before Django ever sees them.
    request_queue_size = 128


class BookingServer(LiveServerThread):
    server_class = BigBacklogServer


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
