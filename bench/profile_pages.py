"""Where a page's time goes: cProfile of the request path, page by page (issue 19).

Run as ``python bench/profile_pages.py [--scale 10] [--requests 20] [--top 25]
[--page LABEL]`` (not a timed test). It uses the demo database of bench/throughput.py
(``--dir``, one SQLite file per scale; or DATABASE_URL), production settings and one
persistent database connection, signs in with the test client as the coordinator and as
a peer worker (the two-factor step passed as a real login would), and for each page
prints the queries of one request (grouped by their statement, so that a query repeated
per row stands out), the median time of ``--requests`` requests, and the functions with
the most cumulative time in the profile of those requests.

With ``--layers`` it prints instead, per page, how the profiled time divides between the
layers of the stack (each function's own time, a built-in's shared out over its callers):
the database driver, Django's ORM (building and compiling queries, rows into objects), the
template engine, Brobygger's own code, Django's utilities that all of these use (lazy
objects, escaping, translation), the rest of Django's request path (handlers, middleware,
URL resolving, sessions) and the rest. Profiling slows Python code more than
the database, so the shares are of the profiled time, not of wall time.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--page", action="append", help="only the pages with this label")
    parser.add_argument("--dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--sql", action="store_true", help="print every statement")
    parser.add_argument("--layers", action="store_true", help="time per layer of the stack")
    args = parser.parse_args()

    import throughput

    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    throughput.prepare(args.scale, Path(args.dir))
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse
    from serving import client_for

    from brobygger.referrals.models import Course

    settings.ALLOWED_HOSTS = ["testserver"]

    course = Course.objects.filter(peer__user__username="peer", ended_on__isnull=True).first()
    assert course is not None
    pages = [
        ("ping", "koordinator", reverse("desk:ping")),
        ("coordinator home", "koordinator", reverse("desk:home")),
        ("referral queue", "koordinator", reverse("referrals:queue")),
        ("person list", "koordinator", reverse("people:person_list")),
        ("person page", "koordinator", reverse("people:person_detail", args=[course.person_id])),
        ("peer home", "peer", reverse("desk:home")),
        ("peer week", "peer", reverse("scheduling:my_week")),
        ("course page", "peer", reverse("referrals:course_detail", args=[course.pk])),
    ]
    clients = {name: client_for(name) for name in ("koordinator", "peer")}
    for label, username, url in pages:
        if args.page and label not in args.page:
            continue
        client = clients[username]
        client.get(url)  # warm: templates compiled, the session renewed
        sent: list[tuple[str, float]] = []

        def timed(execute, sql, params, many, context, sent=sent):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                sent.append((sql, time.perf_counter() - started))

        with connection.execute_wrapper(timed):
            status = client.get(url).status_code
        queries = sent
        shapes: collections.Counter[str] = collections.Counter()
        slow: dict[str, float] = collections.defaultdict(float)
        for sql, seconds in sent:
            shape = re.sub(r"\b\d+\b|'[^']*'", "?", sql)
            shapes[shape[:160]] += 1
            slow[shape] += seconds
        times = []
        profile = cProfile.Profile()
        for _ in range(args.requests):
            started = time.perf_counter()
            profile.enable()
            client.get(url)
            profile.disable()
            times.append(time.perf_counter() - started)
        print(
            f"\n=== {label} {url}: status {status}, {len(queries)} queries, "
            f"median {statistics.median(times) * 1000:.1f} ms"
        )
        for shape, n in shapes.most_common():
            if n > 1 or args.sql:
                print(f"  {n:4d} x {shape}")
        for shape, seconds in sorted(slow.items(), key=lambda item: -item[1])[:3]:
            print(f"  slowest: {seconds * 1000:.1f} ms  {shape[:600]}")
        if args.layers:
            print_layers(pstats.Stats(profile))
            continue
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(
            os.environ.get("BENCH_SORT", "cumulative")
        ).print_stats(args.top)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


LAYERS = (
    ("database driver", ("sqlite3", "SQLiteCursorWrapper.execute", "/psycopg/", "psycopg_")),
    ("ORM", ("/django/db/",)),
    ("templates", ("/django/template/", "/templatetags/", "/brobygger/lib/when.py")),
    ("Brobygger code", ("/brobygger/",)),
    ("Django utilities", ("/django/utils/",)),
    ("Django request path", ("/django/",)),
)


def layer_of(function: tuple[str, int, str]) -> str | None:
    """The layer a profiled function belongs to; None for a built-in (shared out)."""
    filename, _line, name = function
    if filename == "~":
        text = name
        if "sqlite3" not in text and "psycopg" not in text and "execute" not in text:
            return None
    else:
        text = filename
    if "/django/test/" in text:
        return "test client"
    for layer, marks in LAYERS:
        if any(mark in text or mark in name for mark in marks):
            return layer
    return "other libraries"


def print_layers(stats: pstats.Stats) -> None:
    """Each function's own time added to its layer; a built-in's own time shared out over
    its callers' layers in proportion to the calls each made."""
    totals: collections.Counter[str] = collections.Counter()
    for function, (_cc, _nc, own, _cum, callers) in stats.stats.items():  # type: ignore[attr-defined]
        layer = layer_of(function)
        if layer is not None:
            totals[layer] += own
            continue
        calls = sum(entry[1] for entry in callers.values()) or 1
        for caller, entry in callers.items():
            totals[layer_of(caller) or "other libraries"] += own * entry[1] / calls
    totals.pop("test client", None)
    whole = sum(totals.values()) or 1.0
    for layer, seconds in totals.most_common():
        print(f"  {layer:22s} {seconds / whole:6.1%}")


if __name__ == "__main__":
    main()
