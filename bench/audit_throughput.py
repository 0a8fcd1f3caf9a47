"""Do logged reads serialise? Throughput of parallel clients on a logged person page.

Run as ``python bench/audit_throughput.py [--clients 16] [--seconds 10] [--rounds 6]``.
It uses its own PostgreSQL database (DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/bb_bench_audit), creates it when missing, migrates it
and loads the demo programme (scale 1) when it holds no persons yet.

Then, per round, it starts the app twice under gunicorn on a free loopback port
(``--workers`` processes of ``--threads`` threads, persistent database connections,
DEBUG off; settings in bench/audit_bench_settings.py): once with the access log on and
once with it off (the order alternates between rounds). Each of the clients (threads in
this process, one keep-alive HTTP connection each) signs in as a peer worker and asks
for the page of a person in that peer's caseload again and again; after a warm-up the
successful requests of ``--seconds`` are counted, while this process seals the log every
``--seal-every`` seconds as the scheduled job would. It prints the median rates and the
median of the rounds' ratios:

    access log on:  54.0 requests/s (5611 rows written)
    access log off: 51.2 requests/s
    on/off: 100 % (median of the rounds: 97, 102, 93, 115, 127, 79, 125, 65)

(8 rounds on the shared 2-core development machine; the design before issue 16, a chain
head locked per append, gave 73 % there.) The target is at least 80 %. Only loopback is
used; the number of clients (at most 64) and the time (at most 120 s per run) are bounded.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serving import start_gunicorn, stop_server  # noqa: E402 - after the path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bb_bench_audit"
PASSWORD = "brobygger-demo"  # noqa: S105  (every demo user's password, README)
HOST = "127.0.0.1"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Session:
    """One client: a keep-alive connection to the server and its cookies."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> bytes:
        headers = {"Host": f"{HOST}", "Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}{path}"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        self.status = response.status
        return content

    def login(self, login_path: str, username: str) -> None:
        page = self.request("GET", login_path).decode()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if match is None:
            raise SystemExit("no CSRF token on the login page")
        self.request(
            "POST",
            login_path,
            {"csrfmiddlewaretoken": match.group(1), "username": username, "password": PASSWORD},
        )
        if self.status != 302:
            raise SystemExit(f"login as {username} failed: status {self.status}")

    def close(self) -> None:
        self.connection.close()


@dataclass
class Run:
    ok: int = 0
    errors: list[str] = field(default_factory=list)
    sealed: list[int] = field(default_factory=list)


def start_server(port: int, access_log: bool, workers: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="audit_bench_settings",
        BENCH_ACCESS_LOG="on" if access_log else "off",
        DB_CONN_MAX_AGE="600",
        PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
    )
    options = [
        f"--workers={workers}",
        f"--threads={threads}",
        "--worker-class=gthread",
        "--keep-alive=30",
        "--log-level=warning",
    ]
    return start_gunicorn(options, env=env, host=HOST, port=port)


def sealer(stop: threading.Event, every: float, sealed: list[int]) -> None:
    """`manage.py seal_audit` as the scheduled job would run it, only more often."""
    from django.db import connection

    from brobygger.audit.sealing import seal

    try:
        while not stop.wait(every):
            sealed.append(seal(wait=5).sealed.get("access", 0))
    finally:
        connection.close()


def measure(
    port: int,
    pairs: list[tuple[str, str]],
    login_path: str,
    warmup: float,
    seconds: float,
    seal_every: float,
) -> Run:
    """All clients sign in, warm up together, then count their successful requests."""
    run = Run()
    lock = threading.Lock()
    ready = threading.Barrier(len(pairs) + 1)
    start = threading.Event()
    stop = threading.Event()
    counting = threading.Event()

    def client(username: str, path: str) -> None:
        session = Session(port)
        try:
            session.login(login_path, username)
            ready.wait()
            start.wait()
            while not stop.is_set():
                session.request("GET", path)
                if session.status != 200:
                    with lock:
                        run.errors.append(f"{path}: status {session.status}")
                    continue
                if counting.is_set():
                    with lock:
                        run.ok += 1
        except Exception as exc:  # reported, not raised: the others go on
            with lock:
                run.errors.append(f"{username}: {exc!r}")
            ready.abort()
        finally:
            session.close()

    threads = [threading.Thread(target=client, args=pair, daemon=True) for pair in pairs]
    for thread in threads:
        thread.start()
    ready.wait(timeout=120)
    start.set()
    time.sleep(warmup)
    counting.set()
    sealing = threading.Thread(target=sealer, args=(stop, seal_every, run.sealed), daemon=True)
    if seal_every > 0:
        sealing.start()
    time.sleep(seconds)
    counting.clear()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    if seal_every > 0:
        sealing.join(timeout=60)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--seal-every", type=float, default=5.0, help="seconds between seals (0: none)"
    )
    args = parser.parse_args()
    if not 1 <= args.clients <= 64 or not 0 < args.seconds <= 120 or not 1 <= args.rounds <= 10:
        raise SystemExit("--clients 1-64, --seconds up to 120, --rounds 1-10")
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("this benchmark is about PostgreSQL: set DATABASE_URL to postgres://")
    ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brobygger.settings")
    # The seals' checkpoints of this throw-away database go to a throw-away directory.
    os.environ.setdefault("AUDIT_CHECKPOINT_DIR", tempfile.mkdtemp(prefix="bb-bench-audit-"))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from brobygger.audit.models import AccessLogEntry
    from brobygger.people.models import Person
    from brobygger.referrals.models import Course

    call_command("migrate", verbosity=0)
    if not Person.objects.exists():
        started = time.perf_counter()
        call_command("load_demo", "--seed", "1", verbosity=0)
        print(f"demo built in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # One active course per peer worker who can sign in without two-factor (demo mode);
    # the clients share them round robin.
    courses = (
        Course.objects.filter(ended_on__isnull=True, peer__user__is_active=True)
        .select_related("peer__user")
        .order_by("peer_id", "id")
    )
    by_peer: dict[str, str] = {}
    for course in courses:
        by_peer.setdefault(
            course.peer.user.username, reverse("people:person_detail", args=[course.person_id])
        )
    if not by_peer:
        raise SystemExit("the demo has no active courses")
    peers = sorted(by_peer.items())
    pairs = [peers[i % len(peers)] for i in range(args.clients)]
    login_path = reverse("accounts:login")
    connection.close()
    print(
        f"{args.clients} clients as {len(peers)} peer workers, {args.seconds:.0f} s per run, "
        f"gunicorn {args.workers} workers x {args.threads} threads, {args.rounds} round(s)"
    )

    results: dict[bool, list[float]] = {True: [], False: []}
    written: list[int] = []
    for round_no in range(args.rounds):
        order = (True, False) if round_no % 2 == 0 else (False, True)
        for access_log in order:
            port = free_port()
            server = start_server(port, access_log, args.workers, args.threads)
            before = AccessLogEntry.objects.count()
            try:
                run = measure(port, pairs, login_path, args.warmup, args.seconds, args.seal_every)
            finally:
                stop_server(server)
            rows = AccessLogEntry.objects.count() - before
            connection.close()
            rate = run.ok / args.seconds
            label = "on " if access_log else "off"
            print(
                f"  round {round_no + 1}, access log {label}: {rate:.1f} requests/s, "
                f"{rows} access-log rows written, {len(run.errors)} errors, "
                f"sealed meanwhile: {', '.join(map(str, run.sealed)) or '-'}"
            )
            for error in run.errors[:5]:
                print(f"    {error}")
            if access_log:
                written.append(rows)
            elif rows:
                raise SystemExit("the access log was written with logging switched off")
            results[access_log].append(rate)
    on = statistics.median(results[True])
    off = statistics.median(results[False])
    # Each round's two runs are next to each other in time: their ratio is less exposed
    # to the load of whatever else runs on the machine than the ratio of the medians.
    ratios = [a / b for a, b in zip(results[True], results[False], strict=True)]
    print(f"access log on:  {on:.1f} requests/s ({sum(written)} rows written)")
    print(f"access log off: {off:.1f} requests/s")
    print(
        f"on/off: {100 * statistics.median(ratios):.0f} % (median of the rounds: "
        f"{', '.join(f'{100 * r:.0f}' for r in ratios)})"
    )


if __name__ == "__main__":
    main()
