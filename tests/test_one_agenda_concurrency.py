"""One clash rule under real concurrency: for each pair of paths that share a peer or a
person, the two forms are posted at the same instant to a real server, a few rounds
each. Exactly one wins every round, and the agenda never holds two overlapping rows for
one party.

PostgreSQL only: there the exclusion constraint on agenda_busy is the last word. On
SQLite immediate transactions serialise the writers, so the race cannot happen (and the
in-memory test database cannot be shared with a server thread).
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.test.testcases import _StaticFilesHandler

from brobygger.agenda.models import Busy
from brobygger.scheduling.tests.test_concurrency import BookingServer, NoRedirect

from .agenda_cast import PAIRS, Cast, make_cast, session_cookie

ROUNDS = 3
CSRF_SECRET = "a" * 32  # an unmasked CSRF secret: valid as cookie and as form field

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the race needs PostgreSQL (SQLite serialises writers with immediate transactions)",
)


@pytest.fixture
def live_url(transactional_db):
    server = BookingServer("127.0.0.1", _StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.terminate()


def _post(base_url: str, url: str, fields: dict, cookie: str, barrier: threading.Barrier):
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": CSRF_SECRET, **fields}, doseq=True)
    request = urllib.request.Request(
        base_url + url,
        data=body.encode(),
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
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _race(base_url: str, cast: Cast, first: str, second: str) -> list[int]:
    requests = [cast.request(path) for path in (first, second)]
    cookies = [session_cookie(user) for _url, _fields, user in requests]
    barrier = threading.Barrier(2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(_post, base_url, url, fields, cookie, barrier)
            for (url, fields, _user), cookie in zip(requests, cookies, strict=True)
        ]
        return [f.result() for f in futures]


def _no_overlaps() -> None:
    rows = Busy.objects.order_by("party", "starts_at").values_list("party", "starts_at", "ends_at")
    previous = None
    for row in rows:
        if previous is not None and previous[0] == row[0]:
            assert previous[2] <= row[1], (previous, row)
        previous = row


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_two_paths_at_once_exactly_one_wins(live_url, first, second):
    for number in range(ROUNDS):
        cast = make_cast(f"{first[:3]}{second[:3]}{number}", weeks_ahead=2 + number)
        statuses = _race(live_url, cast, first, second)
        assert all(status < 500 for status in statuses), statuses
        won = [path for path in (first, second) if cast.happened(path)]
        assert len(won) == 1, (number, statuses, won)
    _no_overlaps()


def test_the_constraint_refuses_an_overlapping_raw_insert(transactional_db):
    """The database itself, not only the service: a second row for one party that
    overlaps (half-open ranges, so back to back is fine) is refused."""
    from django.db import IntegrityError, transaction

    cast = make_cast("raw")
    cast.run("conversation")
    row = Busy.objects.get(party=f"peer:{cast.peer.pk}")
    with connection.cursor() as cursor:
        insert = (
            "INSERT INTO agenda_busy (party, starts_at, ends_at, kind, source, source_id, label) "
            "VALUES (%s, %s, %s, 'interview', 'interview', 999999, '')"
        )
        cursor.execute(
            insert, [row.party, row.ends_at, row.ends_at + (row.ends_at - row.starts_at)]
        )
        with pytest.raises(IntegrityError, match="agenda_busy_no_overlap"), transaction.atomic():
            cursor.execute(
                insert.replace("999999", "999998"), [row.party, row.starts_at, row.ends_at]
            )
    assert Busy.objects.filter(party=row.party).count() == 2
