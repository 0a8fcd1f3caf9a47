"""How long the programme dashboard and the funder report (PDF) take on a big programme.

Run as ``python bench/reports.py [--scale N] [--runs R] [--fresh | --after-change]``. It
uses its own PostgreSQL database (DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/bb_bench_reports),
creates it when missing and loads the demo programme at the given scale (default 100)
when the database holds no persons yet; a database that is already loaded is reused as
it is. Then it signs in as the evaluator (the whole programme: the largest reports) and
prints, per page, the median of R timed requests after one untimed warm-up request:

    dashboard: 0.42 s
    funder report: 1.31 s

and, on other lines, the rows the reports ran over and the queries of each request.
Targets at scale 100: the dashboard under 1 s, the funder report (PDF) under 2 s.

Issue 19 lowers them to 0.5 s and 1 s. Scale 100 on PostgreSQL, 2026-12-03, load average
12-16 on the shared 2 cores (other agents' builds and suites), median of 3 runs (range):

    before (c11f166):  dashboard 4.82 s (3.96-5.50), funder report 10.67 s (10.15-11.67)
    figures kept (8283acb), two runs:
                       dashboard 1.01 s (0.44-1.37) and 1.13 s (1.05-1.33),
                       funder report 0.26 s (0.23-0.29) and 0.17 s (0.16-0.21)

The figures and the PDF are kept while nothing changes (reports/cache.py, keyed by the
newest audit event, 5 minutes at most), so the first request after a change still
computes: 16.6-29.0 s for the dashboard and 29.4-46.1 s for the PDF at that load. What
the dashboard still spent on a kept request was mostly its filter form's select of 700
units, one included template per option; the select now writes its options in place
(templates/django/forms/widgets/select.html): 2.44 s -> 0.88 s a request in a cProfile
run at load 12. With that (commit after 8283acb), load average 8-11:

    dashboard 0.25 s (0.23-0.31), funder report 0.02 s (0.02-0.02): both under the
    targets when kept; first requests 10.9 s and 6.5 s (computed afresh, not met)

Idle (load average ~1-2), commit f3a35ce, same database, three runs: dashboard 0.04 s,
funder report 0.01 s when kept; first requests 2.69 s and 2.51 s (computed afresh, not met).

``--after-change`` (how the reports work since the figures are refreshed in the background,
reports/cache.py): before each timed request a change is recorded through a service (a
referral received), so the request serves the kept figures marked with their time and
enqueues a refresh; then the worker's run of that refresh is timed (`db_worker --batch`,
the computation a request no longer waits for), and one more request, now current.

2026-12-03, lead_r100 (scale 100: 17,043 courses, 221,279 appointments, 177,325 notes),
load average 3-4 (two helpers' test runs on the 2 cores), three runs, medians:

    dashboard after a change 0.13 s (kept figures; 0.06-0.18), the worker's refresh 1.79 s,
    then current 0.09 s; funder report (PDF) after a change 0.01 s, refresh 2.70 s, then
    current 0.01 s. `--fresh` at the same load: dashboard 1.24 s, funder report 2.90 s.

Idle (load average 0.1-0.7), same database, commit 2e47fe2, three runs, medians:

    after a change: dashboard 0.05 s, funder report 0.01 s (kept figures); the worker's
    refresh 1.01 s and 2.33 s; then current 0.05 s and 0.01 s. `--fresh`: dashboard
    1.11 s, funder report 2.27 s (what a request paid before the background refresh).

``--fresh`` empties the cache before each timed request (every request computes, as
before the background refresh).
2026-12-03, h_reports100 (scale 100: 17,038 courses, 223,970 appointments, 179,771 notes,
20,508 scores), main (02fbada) and this branch (d7922b3) run in turn, three timed requests
each, load average 8-11 from other helpers on the 2 cores; medians:

    02fbada:  dashboard 3.59 s, 3.78 s   funder report 8.14 s, 8.53 s
    d7922b3:  dashboard 3.72 s, 3.27 s   funder report 8.01 s, 7.29 s

Not met, and within the noise at that load. The outcome figures are one window-function
pass over the scores now (0.32 s -> 0.13-0.17 s on PostgreSQL; 18 s -> 0.08 s at scale 10
on SQLite, where the old per-course look-ups went quadratic), and the CHIME counts group by
model (0.77 s -> 0.64 s). Where a fresh dashboard still goes (cProfile, same database, 3.3 s
at that load, 1.9 s of it SQL): peers' hours 1.1 s (timesheets.sources.period_totals 0.9 s:
the held appointments of 1,200 peers, and 0.3 s of Python spreading education and
supervision), conversations 0.5 s, recipients 0.37 s, readmissions 0.27 s (Python over
14,828 admissions); the funder report adds the CHIME scan (0.6 s, 180,000 notes joined to
their appointments) and WeasyPrint, about 1 s of CPU for its 7 pages whatever the CSS
(table-layout fixed, separate borders, no tabular figures, a lean UA stylesheet: each
within 15 %, the noise).

2026-12-05, nineteenth session, a faster machine, bench_s19_100k (scale 100 built by
bench/demo_build.py: 17,515 courses, 261,503 appointments, 208,775 notes, 20,747 scores),
``--runs 3``: dashboard 0.04 s and funder report 0.00 s (kept figures); the first
requests, which compute them, 1.98 s and 2.99 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bb_bench_reports"


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="Empty the report cache before each timed request: every request computes "
        "everything (issue 19).",
    )
    parser.add_argument(
        "--after-change",
        action="store_true",
        help="Record a change before each timed request, then time the worker's refresh.",
    )
    args = parser.parse_args()
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if url.startswith(("postgres://", "postgresql://")):
        ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brobygger.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    # One connection across requests, so that its query log survives them.
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")

    import django

    django.setup()
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from brobygger.accounts.models import Unit, User
    from brobygger.admissions.models import Admission
    from brobygger.conversations.models import ConversationRecord
    from brobygger.demo import data
    from brobygger.outcomes.models import Score
    from brobygger.people.models import Person
    from brobygger.referrals.models import Course, Referral
    from brobygger.scheduling.models import Appointment

    call_command("migrate", verbosity=0)
    if not Person.objects.exists():
        started = time.perf_counter()
        cpu = time.process_time()
        call_command("load_demo", "--scale", str(args.scale), "--seed", "1", verbosity=0)
        print(
            f"demo at scale {args.scale} built in {time.perf_counter() - started:.0f} s "
            f"({time.process_time() - cpu:.0f} s of CPU in this process)"
        )
    # A database just loaded in bulk has no planner statistics until autovacuum gets to
    # it; a production database has them. Without them PostgreSQL picks quadratic plans.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    loaded_scale = Unit.objects.count() // len(data.UNITS)
    if loaded_scale != args.scale:
        print(f"note: the database holds the demo at scale {loaded_scale}, not {args.scale}")
    print(
        f"rows: {Person.objects.count()} persons, {Referral.objects.count()} referrals, "
        f"{Course.objects.count()} courses, {Appointment.objects.count()} appointments, "
        f"{ConversationRecord.objects.count()} notes, {Score.objects.count()} scores, "
        f"{Admission.objects.count()} admissions, {Unit.objects.count()} units"
    )

    def record_a_change() -> None:
        """A self-referral received through the service (an audit event in its transaction)."""
        from brobygger.people.models import ConsentKind, ConsentSource, PersonKind
        from brobygger.people.services import create_person, record_consent
        from brobygger.referrals.models import ReferralSource
        from brobygger.referrals.services import create_referral

        actor = User.objects.get(username="koordinator")
        unit = Unit.objects.order_by("pk").first()
        person = create_person(
            actor=actor,
            kind=PersonKind.PATIENT,
            given_name="Bench",
            family_name="Ændring",
            unit=unit,
        )
        record_consent(
            actor=actor, person=person, kind=ConsentKind.CONTACT, source=ConsentSource.VERBAL
        )
        create_referral(
            actor=actor,
            person=person,
            source=ReferralSource.SELF,
            unit=unit,
            consent_source=ConsentSource.VERBAL,
        )

    client = Client()
    client.force_login(User.objects.get(username="evaluator"))
    pages = [
        ("dashboard", "/rapporter/"),
        ("funder report", "/rapporter/bevillingsgiver/rapport.pdf"),
    ]
    for label, path in pages:
        connection.queries_log.clear()  # the log is capped; the demo build filled it
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        first = time.perf_counter() - t0
        if response.status_code != 200:
            raise SystemExit(f"{path}: status {response.status_code}")
        times, refreshes, current = [], [], []
        for _ in range(args.runs):
            if args.fresh:
                caches["reports"].clear()
            if args.after_change:
                record_a_change()
            t0 = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - t0)
            if args.after_change:
                t0 = time.perf_counter()
                call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
                refreshes.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                client.get(path)
                current.append(time.perf_counter() - t0)
        print(
            f"  ({label}: {len(queries)} queries, {len(response.content)} bytes, "
            f"first request {first:.2f} s, runs {', '.join(f'{t:.2f}' for t in times)})"
        )
        if args.after_change:
            print(
                f"{label} (after a change, kept figures): {statistics.median(times):.2f} s; "
                f"the worker's refresh {statistics.median(refreshes):.2f} s; "
                f"then current: {statistics.median(current):.2f} s"
            )
            continue
        kind = " (computed afresh)" if args.fresh else ""
        print(f"{label}{kind}: {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
