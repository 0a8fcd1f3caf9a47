"""Backup and restore drill (issue 18): prove that a dump of the database restores whole.

Loads the demo into a fresh PostgreSQL database, seals and verifies the audit log, counts
the rows of every table, backs the database up with `pg_dump -Fc`, drops it, creates it
again, restores the dump with `pg_restore`, counts again, compares, and verifies the audit
chain (the keyed MACs, the seals and the signed checkpoints kept outside the database).
The last line is `restored and verified in N s` (from the drop to a verified restore).

    python ops/drill.py            # make drill
    PGHOST=... PGPORT=... PGUSER=... python ops/drill.py --keep

PostgreSQL must be reachable with the client tools of the server's major version on PATH.
See docs/operations.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def fail(message: str) -> None:
    print(f"DRILL FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def admin_connection(args: argparse.Namespace) -> psycopg.Connection:
    return psycopg.connect(
        host=args.host, port=args.port, user=args.user, dbname="postgres", autocommit=True
    )


def drop(args: argparse.Namespace, db: str) -> None:
    with admin_connection(args) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))


def create(args: argparse.Namespace, db: str) -> None:
    with admin_connection(args) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))


def manage(env: dict[str, str], *command: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        fail(f"manage.py {' '.join(command)}:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def row_counts(args: argparse.Namespace, db: str) -> dict[str, int]:
    """Exact row counts of every table in the public schema."""
    with psycopg.connect(host=args.host, port=args.port, user=args.user, dbname=db) as c:
        tables = [
            name
            for (name,) in c.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        counts = {}
        for table in tables:
            row = c.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            counts[table] = int(row[0]) if row else 0
    return counts


def run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"{what}:\n{result.stdout}{result.stderr}")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("PGPORT", "5432"))
    parser.add_argument("--user", default=os.environ.get("PGUSER", "postgres"))
    parser.add_argument("--db", default=f"brobygger_drill_{os.getpid()}")
    parser.add_argument("--keep", action="store_true", help="keep the database and the dump")
    args = parser.parse_args()
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            fail(f"{tool} is not on PATH: apt-get install postgresql-client-15")

    work = Path(tempfile.mkdtemp(prefix="brobygger-drill-"))
    dump = work / "brobygger.dump"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{args.user}@{args.host}:{args.port}/{args.db}",
        # Media and the audit checkpoints live outside the database, as in production.
        "BROBYGGER_VAR_DIR": str(work / "var"),
        "AUDIT_CHECKPOINT_DIR": str(work / "checkpoints"),
    }
    (work / "checkpoints").mkdir()
    pg = ["--host", args.host, "--port", str(args.port), "--username", args.user]
    try:
        started = time.perf_counter()
        drop(args, args.db)
        create(args, args.db)
        manage(env, "migrate", "--no-input")
        print(manage(env, "load_demo").splitlines()[-1])
        manage(env, "seal_audit")
        print("before:", manage(env, "verify_audit"))
        before = row_counts(args, args.db)
        print(
            f"loaded in {time.perf_counter() - started:.0f} s: {len(before)} tables, "
            f"{sum(before.values())} rows"
        )

        t = time.perf_counter()
        run(["pg_dump", *pg, "--format=custom", "--file", str(dump), args.db], "pg_dump")
        print(f"backed up in {time.perf_counter() - t:.1f} s: {dump.stat().st_size} bytes")

        restore_started = time.perf_counter()
        drop(args, args.db)
        create(args, args.db)
        run(
            [
                "pg_restore",
                *pg,
                "--dbname",
                args.db,
                "--exit-on-error",
                "--single-transaction",
                str(dump),
            ],
            "pg_restore",
        )
        after = row_counts(args, args.db)
        differ = {
            table: (before.get(table), after.get(table))
            for table in sorted(set(before) | set(after))
            if before.get(table) != after.get(table)
        }
        if differ:
            fail(f"row counts differ after the restore (before, after): {differ}")
        print(f"row counts match: {len(after)} tables, {sum(after.values())} rows")
        print("after:", manage(env, "verify_audit"))
        print(f"restored and verified in {time.perf_counter() - restore_started:.1f} s")
    finally:
        if not args.keep:
            drop(args, args.db)
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept: database {args.db}, dump {dump}", file=sys.stderr)


if __name__ == "__main__":
    main()
