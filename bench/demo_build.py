"""Time the demo programme's build, phase by phase (not a timed test).

Run as ``python bench/demo_build.py [--scale N] [--seed S] [--now ISO]``. It builds the demo on the
configured database (DATABASE_URL; by default a throw-away SQLite file), which must hold
no persons yet, after migrating it. It prints, per phase of the build, the seconds and
the number of SQL statements sent, then the total and the rows made, then what a visitor sees
first (issue 19): the ages of the open referrals and how many active peers' last full
month lies inside their contract band. `--now` builds it as at that instant (the clock
then runs on from there), so runs on different days compare. Scale 100 on
PostgreSQL, 2026-12-03, on the shared 2-core machine (load average 3.5-6), phases up
to groups with commit b36999a, the rest with 2fe6962 (the same code for those phases):

    phase                          seconds   queries
    staff                              2.8       795
    peers                              6.4       337
    persons                           22.5        70
    availability                       2.7      7200
    referrals                        108.2     19373
    relative consents                 14.1     17588
    calendar                          59.0     17629   (b908606: 430 -> 37 at scale 2)
    notes                             30.7       172
    groups                             3.5      1344
    outcomes                         630.3    399125
    admissions                        39.1     40721
    recruitment                        0.8       893
    onboarding                        40.6     24300
    workforce changes                  2.1       412
    education, supervision           313.3    143212
    timesheets                       310.2       446

Before the bulk writers (brobygger/demo/bulk.py) persons alone took 795.7 s there.
Issue 16 asks for scale 100 on PostgreSQL in under 10 minutes. Since then outcomes,
education and supervision are written in bulk too (outcomes/demo.py `_Writer`,
workforce/demo_writer.py), timesheets once complete, per-row updates go through
lib.rows.update_rows instead of bulk_update's CASE, the matching waves prefetch their
referrals' tags, an admissions file appends its events together. Scale 100 with commit
114b07e, 2026-12-03, load average 10-14 (other builds and test suites on the 2 cores:
every phase ran 4-6 times slower than the same code above, e.g. staff 18.5 s, persons
132.8 s, referrals 558.5 s):

    phase                          seconds   queries
    outcomes                         107.0       109   (was 630.3 s, 399125)
    admissions                       181.8     15745
    onboarding                       204.3     24600
    education, supervision           155.3      9503   (was 313.3 s, 143212)
    timesheets                       300.4       434
    total                           2009.0     90198   (was 1586 s, 673617)

Then bulk loads insert through lib.rows.insert_rows (PostgreSQL COPY; the rows sent
through COPY are not counted as statements here). Scale 100 with commit 4880819, the
same day, load average 5.1 falling to 2.6: **425.2 s**, under issue 16's 10 minutes:

    phase                          seconds   queries
    staff                              3.1       795
    peers                              7.4       333
    persons                           35.3        10
    availability                       5.7      7200
    referrals                         94.1       161
    relative consents                 45.6     28232
    calendar                          35.3         9
    notes                             49.0        63
    groups                             2.5      1462
    outcomes                          44.8        10
    admissions                        21.0     16248
    recruitment                        0.6       922
    onboarding                        21.7     24600
    workforce changes                  0.5       269
    education, supervision            13.0      9479
    timesheets                        30.9        75
    total                            425.2     89868   (30000 persons, 17880 courses, 1200 peers)

After the merges of the same day (concerns, notifications, break the glass, retention,
rights, the one agenda's busy rows), commit f57fb23, load average 3.6 rising to 4.9 (a CI
run on PostgreSQL alongside): **522.7 s**, still under 10 minutes. New phases: concerns
0.6 s, rights 0.3 s, break the glass 0.3 s, retention 0.1 s, notifications 33.1 s
(63,278 statements: one `notify` per recipient, the next candidate for a bulk writer).

Issue 19 (a believable story) makes every course's conversations weekly for its first
three months and around a discharge (3.7 times the conversations and notes at scale 1:
551 -> 2022 appointments) and adds a last phase, story dates (one UPDATE per table).
Scale 1 on SQLite, 2026-12-03: 25.5 s before (load average 4-6), 16.4 s after (load
average 7; calendar 1.6 s, notes 1.5 s, story dates 0.4 s). Scale 100 on PostgreSQL,
commit 2174460 (h-demo), load average 6.5-11 falling to 3.4: **838.1 s, over issue 16's
10 minutes** (referrals 207.5 and relative consents 96.7 s ran about twice as slow as
above under the load; the new costs are calendar 171.0 s (was 35.3), notes 86.1 s (was
49.0), education and supervision 39.0 s (sessions every two or three weeks), story dates
50.7 s). The next candidates: the calendar's tries (local_datetime per quarter tried) and
story dates' correlated subquery for the notes.

2026-12-05, seventeenth session, a machine with a noisy neighbour (load average 1-2 of
our own, rounds of the same code 10-40 % apart). Scale 100 on PostgreSQL with 2b1291f:
**635.3 s, over the 10 minutes** (calendar 182.5 s, notes 102.8 s, story dates 57.8 s,
education and supervision 48.6 s, referrals 47.3 s); bench/throughput.py's build of the
same code took 592 s. Two changes: insert_rows hands COPY the attributes that Django's
conversion would give back unchanged (lib/rows._copy_value; the connection looked up once,
not through its proxy per value), and the notes read each course once instead of with
each of its conversations. Scale 10, both in turn on new databases, `/usr/bin/time`:

    before (2b1291f)   total 80.5 s, Python's CPU 87.5 s; calendar 18.2 s, notes 12.7 s
    after              total 75.0 s, Python's CPU 76.5 s; calendar 19.6 s, notes  7.8 s

Scale 100 after: 686.3 s (calendar 211.7 s, notes 95.2 s, story dates 67.5 s), still
over. The calendar is bound by the server: psycopg sends COPY's rows from a thread of its
own, so Python's part overlaps with the server's, which inserts each row into the
appointments' indexes and the agenda's exclusion constraint (a sampling profile of the
phase: 15 % in COPY's write, 9 % local_datetime, 10 % the audit events, 7 % Model
instances). The next step there is loading the agenda's rows before its indexes and
constraint exist and adding them after, in the build's one transaction.

2026-12-05, nineteenth session, a faster machine (load average about 1). The agenda's
exclusion constraint compares the party as an integer key, not as text through
btree_gist (agenda migration 0004; in SQL, 200,000 busy rows: 10.3-13.3 s keyed by text,
3.6-3.7 s by the integer key). Scale 100 on PostgreSQL, new databases one after the other:
before (ee632ae) 408.4 s, calendar 110.3 s; after 339.5 s, calendar 71.6 s (the other
phases within their run-to-run spread: referrals 40.3 and 27.3 s).

What stands out now: referrals (the matching engine, month by month), relative consents
and onboarding (one service call per row), notes. The load (/proc/loadavg) is printed
before and after: on a shared machine the figures are noisy.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load() -> str:
    with open("/proc/loadavg") as f:
        return "load average " + " ".join(f.read().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--now", default="", help="build as at this instant, e.g. 2026-11-25T10:00:00+01:00"
    )
    args = parser.parse_args()
    if args.now:
        import datetime

        import time_machine

        # tick: the clock runs on from there, so the phases still take their time.
        time_machine.travel(datetime.datetime.fromisoformat(args.now), tick=True).start()
    if "DATABASE_URL" not in os.environ:
        folder = tempfile.mkdtemp(prefix="brobygger-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brobygger.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from brobygger.demo.builder import DemoBuilder
    from brobygger.people.models import Person

    call_command("migrate", verbosity=0)
    if Person.objects.exists():
        sys.exit("The database already holds persons: give the benchmark an empty one.")

    sent = 0

    def count(execute, sql, params, many, context):
        nonlocal sent
        sent += 1
        return execute(sql, params, many, context)

    last = 0

    def on_phase(name: str, seconds: float) -> None:
        nonlocal last
        print(f"{name:28s} {seconds:9.1f} {sent - last:9d}", flush=True)
        last = sent

    print(f"scale {args.scale}, seed {args.seed}, {connection.vendor}; {load()}")
    print(f"{'phase':28s} {'seconds':>9s} {'queries':>9s}")
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        summary = DemoBuilder(scale=args.scale, seed=args.seed).build(on_phase=on_phase)
    total = time.perf_counter() - started
    print(
        f"{'total':28s} {total:9.1f} {sent:9d}   ({summary.persons} persons, "
        f"{summary.courses} courses, {summary.peers} peers)"
    )
    figures()
    print(load())


def figures() -> None:
    """The open queue's ages and the active peers' last full month against their band."""
    import statistics

    from django.utils import timezone

    from brobygger.demo.figures import peers_in_band
    from brobygger.referrals.models import Referral

    now = timezone.now()
    for status in ("new", "triaged", "matched"):
        ages = sorted(
            (now - received).days
            for received in Referral.objects.filter(status=status).values_list(
                "received_at", flat=True
            )
        )
        if ages:
            print(
                f"open {status:8s} {len(ages):5d}  days waiting: median "
                f"{statistics.median(ages):.0f}, oldest {ages[-1]}"
            )
    band = peers_in_band()
    print(
        f"last full month {band.year}-{band.month:02d}: {band.inside} of {band.active} active "
        f"peers inside their band ({band.under} under, {band.over} over)"
    )


if __name__ == "__main__":
    main()
