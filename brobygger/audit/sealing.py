"""Sealing: chain the rows appended since the last seal, then write a signed checkpoint.

Run by `manage.py seal_audit` as a scheduled job (and by tests). Appending never waits
for this, and this waits for no appender: it only takes stretches that no open
transaction can still add a row to.

Why that needs care on PostgreSQL: a seq is drawn when a row is appended but the row
becomes visible only when its transaction commits, so rows commit out of seq order. A
stretch sealed while a transaction holding a lower seq is still open would later gain a
row and no longer match its seal. So the sealer reads the sequence's last value `hi`,
then notes the transactions that hold the table's ROW EXCLUSIVE lock (every appender
takes it before drawing its seq: `services._next_seq`) and waits until each of them has
ended. Every seq up to `hi` then belongs to a committed row or to none, for good. If they
do not end within `wait` seconds (a long import, a demo build), that chain waits for the
next run. On SQLite appenders hold the database's write lock, which the sealer takes too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from .checkpoints import checkpoint_dir, write_checkpoint
from .keyed import GENESIS, Keys, chain_step
from .models import AccessLogEntry, AuditCut, AuditEvent, AuditSeal, LoggedEntry

CHAINED: tuple[type[LoggedEntry], ...] = (AccessLogEntry, AuditEvent)
SEAL_BATCH = 10_000  # rows per seal at most: a removed row is located within one seal
SEALER_LOCK = 0x6272_6F62_7365_616C  # PostgreSQL advisory lock: one sealer at a time


@dataclass
class SealResult:
    sealed: dict[str, int] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)
    checkpoint: Path | None = None


def _writers(cursor: object, table: str) -> set[str]:
    """The open transactions, other than ours, that hold `table`'s appending lock."""
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT virtualtransaction FROM pg_locks WHERE locktype = 'relation' "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND relation = %s::regclass AND mode = 'RowExclusiveLock' AND granted "
        "AND pid IS DISTINCT FROM pg_backend_pid()",
        [table],
    )
    return {row[0] for row in cursor.fetchall()}  # type: ignore[attr-defined]


def _safe_horizons(wait: float) -> dict[type[LoggedEntry], int | None]:
    """Per chain, the highest seq up to which no open transaction can add a row.

    None: transactions that may still add rows did not end within `wait` seconds.
    PostgreSQL only.
    """
    tables = {model: model._meta.db_table for model in CHAINED}
    with connection.cursor() as cursor:
        highest: dict[type[LoggedEntry], int] = {}
        for model, table in tables.items():
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'seq')", [table])
            sequence = cursor.fetchone()[0]  # quoted by PostgreSQL itself
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
            last_value, is_called = cursor.fetchone()
            highest[model] = int(last_value) if is_called else int(last_value) - 1
        # Only after reading the sequences: whoever drew a seq up to `hi` holds the lock.
        open_writers = {model: _writers(cursor, table) for model, table in tables.items()}
        horizons: dict[type[LoggedEntry], int | None] = {}
        deadline = time.monotonic() + wait
        while True:
            for model in list(open_writers):
                if not open_writers[model] & _writers(cursor, tables[model]):
                    horizons[model] = highest[model]
                    del open_writers[model]
            if not open_writers or time.monotonic() >= deadline:
                break
            time.sleep(0.02)
    return horizons | dict.fromkeys(open_writers, None)


def _seal_chain(model: type[LoggedEntry], highest: int | None, batch: int, keys: Keys) -> int:
    """Seal the rows after the last seal, up to `highest` (SQLite: all); return how many."""
    chain = model.chain_name
    last = AuditSeal.objects.filter(chain=chain).order_by("-last_seq").first()
    # After retention cut every seal, the chain goes on from the cut.
    start = last or AuditCut.objects.filter(chain=chain).order_by("-last_seq").first()
    after, previous = (start.last_seq, start.chain_mac) if start else (0, GENESIS)
    rows = model.objects.filter(seq__gt=after)
    if highest is not None:
        rows = rows.filter(seq__lte=highest)
    sealed = 0
    count, value, seq = 0, previous, after
    now = timezone.now()

    def close(last_seq: int) -> None:
        AuditSeal.objects.create(
            chain=chain,
            after_seq=after,
            last_seq=last_seq,
            rows=count,
            prev_mac=previous,
            chain_mac=value,
            sealed_at=now,
        )

    for seq, mac in rows.order_by("seq").values_list("seq", "mac").iterator(chunk_size=2000):
        value = chain_step(keys, value, mac)
        count += 1
        if count == batch:
            close(seq)
            sealed += count
            after, previous, count = seq, value, 0
    if count:
        close(seq)
        sealed += count
    return sealed


def seal(*, wait: float = 30.0, batch: int = SEAL_BATCH) -> SealResult:
    """Seal both chains as far as is safe, then write a checkpoint if anything is new."""
    directory = checkpoint_dir()
    keys = Keys.from_settings()
    result = SealResult()
    postgresql = connection.vendor == "postgresql"
    horizons = _safe_horizons(wait) if postgresql else dict.fromkeys(CHAINED)
    with transaction.atomic():
        if postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK])
        for model in CHAINED:
            highest = horizons[model]
            if postgresql and highest is None:
                result.waiting.append(model.chain_name)
                continue
            result.sealed[model.chain_name] = _seal_chain(model, highest, batch, keys)
    result.checkpoint = write_checkpoint(directory)
    return result
