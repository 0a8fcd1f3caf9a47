"""What /health/ reports: the database, the migrations and the scheduled jobs.

Nothing personal and nothing secret: whether the database answers and how fast, whether
every migration is applied, and per job when it last ran and whether it is overdue or
failed (the error is only the exception's class, heartbeat.py).
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from .outage import OUTAGE_ERRORS
from .selectors import job_states

# The migration graph takes a while to load, and applied migrations stay applied while
# the process runs: once all are applied, later checks skip it.
_all_migrated = False


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def database() -> dict[str, Any]:
    connection = connections[DEFAULT_DB_ALIAS]
    started = time.perf_counter()
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except OUTAGE_ERRORS as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def migrations() -> dict[str, Any]:
    global _all_migrated
    if _all_migrated:
        return {"ok": True, "unapplied": 0}
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    _all_migrated = not plan
    return {"ok": not plan, "unapplied": len(plan)}


def jobs(now: datetime.datetime) -> list[dict[str, Any]]:
    return [
        {
            "name": state.job.name,
            "every_seconds": int(state.job.every.total_seconds()),
            "last_started": _iso(state.beat.last_started_at if state.beat else None),
            "last_finished": _iso(state.beat.last_finished_at if state.beat else None),
            "last_succeeded": _iso(state.beat.last_succeeded_at if state.beat else None),
            "outcome": (state.beat.last_outcome or None) if state.beat else None,
            "overdue": state.overdue(now),
            "failed": state.failed,
        }
        for state in job_states()
    ]


def report() -> tuple[bool, dict[str, Any]]:
    """(all well, the report). The database first: without it nothing else can be read."""
    now = timezone.now()
    db = database()
    if not db["ok"]:
        return False, {"status": "fail", "checked_at": _iso(now), "database": db}
    try:
        migrated = migrations()
        job_list = jobs(now)
    except OUTAGE_ERRORS as error:  # the database went away between the checks
        db = {"ok": False, "error": type(error).__name__}
        return False, {"status": "fail", "checked_at": _iso(now), "database": db}
    ok = migrated["ok"] and not any(j["overdue"] or j["failed"] for j in job_list)
    return ok, {
        "status": "ok" if ok else "fail",
        "checked_at": _iso(now),
        "database": db,
        "migrations": migrated,
        "jobs": job_list,
    }
