"""Writing to the access log and the audit trail. The only writers of either.

Appending takes no lock that other writers wait for: the row gets its seq first, then
its keyed MAC (which covers the seq), then one INSERT. The chain is made later by the
sealer (`sealing.seal`, `manage.py seal_audit`), off the request path.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from psycopg.pq import TransactionStatus

from brobygger.lib.rows import add_rows, add_values, insert_rows, insert_statements, mark_added

from .current import note_change
from .keyed import Keys
from .models import (
    HAPPENED_AT,
    AccessAction,
    AccessLogEntry,
    AccessLogList,
    AccessLogListPerson,
    AuditCheck,
    AuditEvent,
    LoggedEntry,
    list_digest,
)
from .verification import AuditReport, verify_chain

__all__ = [
    "append_many",
    "hash_criterion",
    "log_access",
    "log_list",
    "new_access_entry",
    "new_event",
    "record_check",
    "record_event",
    "verify_chain",
]

E = TypeVar("E", bound=LoggedEntry)


def _next_seq(model: type[LoggedEntry]) -> int:
    """Reserve the next seq of `model`'s table; call inside the appending transaction.

    PostgreSQL: the table's own identity sequence, after taking the table's ROW
    EXCLUSIVE lock (the lock every INSERT takes; writers do not wait for each other).
    Holding it from before the seq is drawn until the transaction ends is what lets the
    sealer know when no transaction can still add a row below a given seq.
    SQLite: writers hold the database's write lock (IMMEDIATE transactions), so the
    next seq after the highest one ever given is free.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One round trip: no parameters, so both statements go in one message.
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"LOCK TABLE {quoted} IN ROW EXCLUSIVE MODE; "
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'seq'))"
            )
            cursor.nextset()  # the SELECT's result
            return int(cursor.fetchone()[0])
        if connection.vendor == "sqlite":
            sql = (
                "SELECT MAX(n) FROM (SELECT seq AS n FROM sqlite_sequence WHERE name = %s "  # noqa: S608
                f"UNION ALL SELECT MAX(seq) FROM {connection.ops.quote_name(table)})"
            )
            cursor.execute(sql, [table])
            return int(cursor.fetchone()[0] or 0) + 1
    # Brobygger runs on SQLite and PostgreSQL only (settings.DATABASES).
    raise ImproperlyConfigured(
        f"The audit log runs on SQLite or PostgreSQL, not {connection.vendor}."
    )


def _append(entry: E) -> E:
    """Give `entry` its seq, time and MAC and insert it: no lock shared with other writers.

    Inside a caller's transaction this adds no savepoint; the row commits (or rolls
    back) with the change it records.
    """
    with transaction.atomic(savepoint=False):
        entry.seq = _next_seq(type(entry))
        entry.at = timezone.now()
        entry.mac = entry.compute_mac(Keys.from_settings())
        add_rows([entry])  # one row, its seq given: as save(force_insert=True) would
    return entry


def _next_seqs(model: type[LoggedEntry], count: int) -> list[int]:
    """Reserve `count` seqs of `model`'s table in one round trip (see `_next_seq`)."""
    table = model._meta.db_table
    if connection.vendor != "postgresql":
        first = _next_seq(model)  # SQLite: the write lock is ours until the commit
        return list(range(first, first + count))
    with connection.cursor() as cursor:
        quoted = connection.ops.quote_name(table)
        cursor.execute(  # our own table's name and an int: nothing from outside
            f"LOCK TABLE {quoted} IN ROW EXCLUSIVE MODE; "  # noqa: S608
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'seq')) "
            f"FROM generate_series(1, {int(count)})"
        )
        cursor.nextset()
        return sorted(int(row[0]) for row in cursor.fetchall())


_LIST_BATCH = 500  # digests per statement


def _ids_by_digest(sql: str, mark: str, digests: Sequence[str]) -> dict[str, int]:
    """Run `sql` on the list table (`{table}`) with one `mark` per digest in `{marks}`, a
    batch at a time; its rows are (digest, id)."""
    table = connection.ops.quote_name(AccessLogList._meta.db_table)
    ids: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(digests), _LIST_BATCH):
            batch = list(digests[start : start + _LIST_BATCH])
            cursor.execute(sql.format(table=table, marks=", ".join([mark] * len(batch))), batch)
            ids.update((str(digest), int(pk)) for digest, pk in cursor.fetchall())
    return ids


def _find_lists(digests: Sequence[str]) -> dict[str, int]:
    """The stored lists among `digests`; on PostgreSQL locked FOR KEY SHARE until the
    transaction ends, so that retention cannot delete one before the entry naming it
    commits (`retention.py` takes the table in EXCLUSIVE mode, which waits for them)."""
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    return _ids_by_digest(
        "SELECT digest, id FROM {table} WHERE digest IN ({marks})" + lock,  # noqa: S608
        "%s",
        digests,
    )


def _make_lists(digests: Sequence[str]) -> dict[str, int]:
    """Insert the lists `digests`; a digest another transaction stored meanwhile is left
    out (ON CONFLICT DO NOTHING waits for that transaction, so `_find_lists` sees it)."""
    return _ids_by_digest(
        "INSERT INTO {table} (digest) VALUES {marks} "
        "ON CONFLICT (digest) DO NOTHING RETURNING digest, id",
        "(%s)",
        digests,
    )


def _shown_lists(wanted: dict[str, list[int]]) -> dict[str, int]:
    """The `AccessLogList` of each set of persons (`list_digest` -> its sorted ids), made
    with its index rows the first time the set is shown. Call inside the appending
    transaction.

    A set shown before costs one indexed read: a list reloaded does not write its persons'
    index rows again (on SQLite those 25 scattered index pages were most of a list page's
    time under load, bench/throughput.py)."""
    digests = sorted(wanted)  # one order for every writer: no deadlock between two
    found = _find_lists(digests)
    missing = [digest for digest in digests if digest not in found]
    if missing:
        made = _make_lists(missing)
        add_values(
            AccessLogListPerson,
            ("shown_list", "person_id"),
            [(pk, person) for digest, pk in made.items() for person in wanted[digest]],
        )
        found.update(made)
        if len(made) < len(missing):  # stored by another writer meanwhile
            found.update(_find_lists([digest for digest in missing if digest not in made]))
    lost = [digest for digest in digests if digest not in found]
    if lost:  # only if the other writer's list was deleted between our two statements
        raise RuntimeError(f"the access-log list {lost[0]} could not be stored")
    return found


def _name_lists(entries: Sequence[AccessLogEntry]) -> None:
    """Point each list entry at the stored set of its persons."""
    lists = [entry for entry in entries if entry.person_ids]
    if lists:
        persons = [sorted({int(pk) for pk in entry.person_ids}) for entry in lists]
        digests = [list_digest(ids) for ids in persons]
        stored = _shown_lists(dict(zip(digests, persons, strict=True)))
        for entry, digest in zip(lists, digests, strict=True):
            entry.shown_list_id = stored[digest]


def append_many(entries: list[E]) -> list[E]:
    """Append rows of one table as `_append` does, in a few INSERTs: for bulk loads only
    (the demo programme, an admissions file), whose rows are the ones the services would
    have written one at a time. Call it inside the transaction of the change."""
    if not entries:
        return entries
    model = type(entries[0])
    if model is AccessLogEntry and not settings.AUDIT_ACCESS_LOG:  # as `log_access`
        return entries
    keys = Keys.from_settings()
    with transaction.atomic(savepoint=False):
        if model is AccessLogEntry:
            _name_lists([entry for entry in entries if isinstance(entry, AccessLogEntry)])
        at = timezone.now()
        for entry, seq in zip(entries, _next_seqs(model, len(entries)), strict=True):
            entry.seq = seq
            entry.at = at
            entry.mac = entry.compute_mac(keys)
        insert_rows(entries)
        if model is AuditEvent:
            note_change()
    return entries


def hash_criterion(criterion: str) -> str:
    """A keyed hash of a search text: comparable between entries, not readable."""
    normalised = " ".join(criterion.casefold().split())
    key = settings.AUDIT_HASH_KEY.encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def object_ref(obj: models.Model | None) -> tuple[str, int | None]:
    """The type and id an entry names; taken when the object is used (it may be deleted)."""
    if obj is None or obj.pk is None:
        return "", None
    return obj._meta.label_lower, int(obj.pk)


def log_access(
    *,
    user: Any,
    action: str,
    purpose: str,
    person_id: int | None = None,
    person_ids: Iterable[int] = (),
    criterion: str | None = None,
    obj: models.Model | None = None,
    ref: tuple[str, int | None] | None = None,
) -> AccessLogEntry:
    """Write exactly one access-log entry for one use of personal data.

    `person_id` is the person the use is about; `person_ids` every further person the
    response shows (a list, a relative on the person's page). One entry carries them
    all, and each is found by that person's "who looked at me" report.
    """
    if action not in AccessAction.values:
        raise ValueError(f"Unknown access action {action!r}")
    if not settings.AUDIT_ACCESS_LOG:  # bench/audit_throughput.py only; a deploy check
        return AccessLogEntry()  # refuses it switched off in production
    entry = new_access_entry(
        user=user,
        action=action,
        purpose=purpose,
        person_id=person_id,
        person_ids=person_ids,
        criterion=criterion,
        obj=obj,
        ref=ref,
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        _append_on_its_own(entry)
    else:
        with transaction.atomic(savepoint=False):
            _name_lists([entry])
            _append(entry)
    return entry


def _append_on_its_own(entry: AccessLogEntry) -> None:
    """PostgreSQL, outside any transaction (a page that only reads): `_name_lists` and
    `_append` in a transaction of the entry's own, in two messages to the server instead
    of five round trips (BEGIN, the stored set, the seq, the INSERT, COMMIT: most of what
    a kept page cost beyond the smallest page, bench/throughput.py). The first begins the
    transaction, looks up the stored set of the persons the entry names (FOR KEY SHARE)
    and draws the seq under the table's ROW EXCLUSIVE lock; the second inserts the entry
    and commits. The same statements, locks and order as the other path; a set shown for
    the first time is stored in between, in the same transaction. On any error the
    transaction is rolled back before the error goes on: nothing is left half-written or
    open on the connection."""
    persons = sorted({int(pk) for pk in entry.person_ids})
    digest = list_digest(persons) if persons else None
    table = AccessLogEntry._meta.db_table
    quote = connection.ops.quote_name
    statements = ["BEGIN"]
    if digest is not None:
        statements.append(
            f"SELECT id FROM {quote(AccessLogList._meta.db_table)} WHERE digest = %s FOR KEY SHARE"  # noqa: S608 (our own name)
        )
    statements += [
        f"LOCK TABLE {quote(table)} IN ROW EXCLUSIVE MODE",
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'seq'))",
    ]
    with connection.cursor() as cursor:
        try:
            cursor.execute("; ".join(statements), [digest] if digest is not None else None)
            stored = None
            if digest is not None:
                cursor.nextset()  # the stored set, if any
                found = cursor.fetchone()
                stored = int(found[0]) if found else None
            cursor.nextset()  # LOCK TABLE
            cursor.nextset()  # the seq
            entry.seq = int(cursor.fetchone()[0])
            if digest is not None:
                entry.shown_list_id = stored or _shown_lists({digest: persons})[digest]
            entry.at = timezone.now()
            entry.mac = entry.compute_mac(Keys.from_settings())
            ((insert, params),) = insert_statements([entry])
            cursor.execute(insert + "; COMMIT", params)
        except BaseException:
            _roll_back_own(cursor)
            raise
    mark_added([entry])


def _roll_back_own(cursor: Any) -> None:
    """End the transaction `_append_on_its_own` began, if the server still has it open."""
    raw = connection.connection
    if raw is None or raw.closed or raw.info.transaction_status == TransactionStatus.IDLE:
        return
    with contextlib.suppress(DatabaseError):  # a connection gone: the error says so already
        cursor.execute("ROLLBACK")


def new_access_entry(
    *,
    user: Any,
    action: str,
    purpose: str,
    person_id: int | None = None,
    person_ids: Iterable[int] = (),
    criterion: str | None = None,
    obj: models.Model | None = None,
    ref: tuple[str, int | None] | None = None,
) -> AccessLogEntry:
    """The entry `log_access` writes, not yet appended (for `append_many`)."""
    if action not in AccessAction.values:
        raise ValueError(f"Unknown access action {action!r}")
    object_type, object_id = ref or object_ref(obj)
    shown = {int(pk) for pk in person_ids if pk is not None}
    if person_id is not None:
        shown.add(int(person_id))
    if person_id is None and len(shown) == 1:
        person_id = next(iter(shown))
    return AccessLogEntry(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        purpose=purpose,
        person_id=person_id,
        person_ids=sorted(shown) if len(shown) > 1 else [],
        criterion_hash=hash_criterion(criterion) if criterion is not None else "",
        object_type=object_type,
        object_id=object_id,
    )


def log_list(
    *,
    user: Any,
    purpose: str,
    person_ids: Iterable[int],
    action: str = AccessAction.VIEW,
    criterion: str | None = None,
    obj: models.Model | None = None,
) -> AccessLogEntry | None:
    """One entry for a response that shows a list of persons; none if it shows nobody.

    A search is logged even when it finds nobody: the search text was a use of data.
    """
    ids = {int(pk) for pk in person_ids if pk is not None}
    if not ids and criterion is None:
        return None
    return log_access(
        user=user,
        action=action,
        purpose=purpose,
        person_ids=ids,
        criterion=criterion,
        obj=obj,
    )


def record_event(
    *,
    actor: Any,
    verb: str,
    obj: models.Model,
    person_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event; call inside the transaction that makes the change."""
    event = new_event(actor=actor, verb=verb, obj=obj, person_id=person_id, data=data)
    note_change()
    return _append(event)


def happened(moment: datetime.datetime) -> dict[str, str]:
    """The data that dates an event recorded after the change (a bulk load of past
    events): its own `at` stays the time of writing, as the chain requires, and
    `AuditEvent.happened_at` reads this for the history pages."""
    return {HAPPENED_AT: moment.isoformat()}


def new_event(
    *,
    actor: Any,
    verb: str,
    obj: models.Model,
    person_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """The event `record_event` writes, not yet appended (for `append_many`)."""
    object_type, object_id = object_ref(obj)
    return AuditEvent(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        person_id=person_id,
        data=data or {},
    )


def record_check(*, report: AuditReport) -> AuditCheck:
    """Keep the outcome of one `verify_audit` run for the administrator's home page."""
    return AuditCheck.objects.create(
        at=timezone.now(),
        ok=not report.problems,
        problems=len(report.problems),
        rows=report.rows,
        unsealed=report.unsealed,
        checkpoints=report.good_checkpoints,
    )
