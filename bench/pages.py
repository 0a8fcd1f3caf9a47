"""Query counts and times of the main pages on the demo programme (not a timed test).

Run as ``python bench/pages.py [--scale N]``. It builds the demo programme at the given
scale in a throw-away SQLite database (or uses DATABASE_URL when set and empty), signs
in as each role and prints, per page, the number of SQL queries and the median time of
five requests. The query counts are the budgets the tests pin: they must not grow with
the scale.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        folder = tempfile.mkdtemp(prefix="brobygger-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brobygger.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    # Keep one connection across requests so that its query log survives them.
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from serving import client_for

    from brobygger.people.models import Person
    from brobygger.recruitment.models import JobPosting
    from brobygger.referrals.models import Course, Referral

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not Person.objects.exists():
        call_command("load_demo", "--scale", str(args.scale), "--seed", "1", verbosity=0)
    print(
        f"demo at scale {args.scale}: {Person.objects.count()} persons, "
        f"{Referral.objects.count()} referrals, {Course.objects.count()} courses "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )

    peer_course = Course.objects.filter(peer__user__username="peer", ended_on__isnull=True).first()
    pages = [
        ("koordinator", "coordinator home", "/hjem/"),
        ("koordinator", "referral queue", "/henvisninger/"),
        ("koordinator", "persons", "/personer/"),
        ("koordinator", "peer workers", "/peers/"),
        ("koordinator", "planning", "/planlaegning/"),
        ("koordinator", "recovery groups", "/grupper/"),
        ("koordinator", "batch matching", "/matching/fordeling/"),
        ("koordinator", "workforce overview", "/medarbejdere/"),
        ("koordinator", "supervision groups", "/supervision/"),
        ("koordinator", "timesheets", "/timesedler/"),
        ("koordinator", "new peers' onboarding", "/onboarding/"),
        ("koordinator", "job postings", "/rekruttering/opslag/"),
        ("koordinator", "programme dashboard", "/rapporter/"),
        ("koordinator", "open concerns", "/bekymringer/"),
        ("koordinator", "questionnaires due", "/skemaer/"),
        ("peer", "my hours", "/mine-timer/"),
        ("evaluator", "dashboard (evaluator)", "/rapporter/"),
        ("evaluator", "research exports", "/forskning/eksport/"),
        ("peer", "peer home", "/hjem/"),
        ("peer", "my week", "/min-uge/"),
        ("evaluator", "evaluator home", "/hjem/"),
        ("admin", "administrator home", "/hjem/"),
        ("admin", "setup links", "/administration/to-faktor/"),
    ]
    posting = JobPosting.objects.order_by("-pk").first()
    if posting is not None:
        pages.append(
            ("koordinator", "applications", f"/rekruttering/opslag/{posting.pk}/ansoegninger/")
        )
    if peer_course is not None:
        pages.append(("peer", "course page", f"/forloeb/{peer_course.pk}/"))
    for username, label, url in pages:
        client = client_for(username)
        times = []
        connection.queries_log.clear()  # the log is capped; the demo build filled it
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        for _ in range(5):
            t0 = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - t0)
        print(
            f"{label:<20} {url:<24} status {response.status_code}  "
            f"{len(queries):>3} queries  {statistics.median(times) * 1000:7.1f} ms"
        )


if __name__ == "__main__":
    main()
