"""Writing to the access log and the audit trail. The only writers of either."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import Subquery
from django.utils import timezone

from .models import (
    GENESIS,
    AccessAction,
    AccessLogEntry,
    AuditEvent,
    ChainedEntry,
    ChainHead,
)

E = TypeVar("E", bound=ChainedEntry)


def _append(entry: E) -> E:
    """Give `entry` the next seq and the chain's hash, under the chain's lock.

    The chain head is locked, not rewritten, for each row: the previous hash comes from
    the newest row itself. Rewriting one row thousands of times in a long transaction
    (the demo programme, an import) makes PostgreSQL walk an ever longer chain of row
    versions. The head's seq and hash are moved forward once, after the transaction
    commits, so that `verify_chain` can tell when the newest rows have been removed.
    """
    model = type(entry)
    with transaction.atomic():
        ChainHead.objects.select_for_update().get_or_create(name=entry.chain_name)
        newest = model.objects.order_by("-seq").values_list("seq", "hash").first()
        entry.seq, entry.prev_hash = newest if newest else (0, GENESIS)
        entry.seq += 1
        entry.at = timezone.now()
        entry.hash = entry.compute_hash()
        entry.save(force_insert=True)
        _advance_head_on_commit(model)
    return entry


def _advance_head_on_commit(model: type[ChainedEntry]) -> None:
    """Once per transaction and chain: move the head to the newest row after commit.

    The check reads Django's list of pending callbacks (`run_on_commit`, entries of
    (savepoint ids, function, robust)); a callback dropped with a rolled-back savepoint
    is no longer there, so the next append registers it again.
    """
    callback = _HEAD_ADVANCERS[model.chain_name]
    connection = transaction.get_connection()
    if not any(func is callback for _sids, func, _robust in connection.run_on_commit):
        transaction.on_commit(callback, robust=True)


def advance_head(model: type[ChainedEntry]) -> None:
    """Set the chain head to the newest committed row; never moves it backwards.

    One UPDATE with the newest row as a subquery (it runs after every transaction that
    logs, so it is kept to one round trip).
    """
    newest = model.objects.order_by("-seq")
    newest_seq = Subquery(newest.values("seq")[:1])
    ChainHead.objects.filter(name=model.chain_name, seq__lt=newest_seq).update(
        seq=newest_seq, last_hash=Subquery(newest.values("hash")[:1])
    )


_HEAD_ADVANCERS: dict[str, Callable[[], None]] = {
    AccessLogEntry.chain_name: partial(advance_head, AccessLogEntry),
    AuditEvent.chain_name: partial(advance_head, AuditEvent),
}


def hash_criterion(criterion: str) -> str:
    """A keyed hash of a search text: comparable between entries, not readable."""
    normalised = " ".join(criterion.casefold().split())
    key = settings.AUDIT_HASH_KEY.encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def _object_ref(obj: models.Model | None) -> tuple[str, int | None]:
    if obj is None:
        return "", None
    return obj._meta.label_lower, int(obj.pk)


def log_access(
    *,
    user: Any,
    action: str,
    purpose: str,
    person_id: int | None = None,
    criterion: str | None = None,
    obj: models.Model | None = None,
) -> AccessLogEntry:
    """Write exactly one access-log entry for one use of personal data."""
    if action not in AccessAction.values:
        raise ValueError(f"Unknown access action {action!r}")
    object_type, object_id = _object_ref(obj)
    entry = AccessLogEntry(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        purpose=purpose,
        person_id=person_id,
        criterion_hash=hash_criterion(criterion) if criterion is not None else "",
        object_type=object_type,
        object_id=object_id,
    )
    return _append(entry)


def record_event(
    *,
    actor: Any,
    verb: str,
    obj: models.Model,
    person_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event; call inside the transaction that makes the change."""
    object_type, object_id = _object_ref(obj)
    event = AuditEvent(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        person_id=person_id,
        data=data or {},
    )
    return _append(event)


def verify_chain(model: type[ChainedEntry]) -> list[str]:
    """Every problem found in one chain, in words; an empty list means intact."""
    problems: list[str] = []
    expected_prev = "0" * 64
    expected_seq = 1
    for entry in model.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            problems.append(f"{model.__name__}: row(s) missing before seq {entry.seq}")
        if entry.prev_hash != expected_prev:
            problems.append(f"{model.__name__} seq {entry.seq}: link to the previous row broken")
        if entry.compute_hash() != entry.hash:
            problems.append(f"{model.__name__} seq {entry.seq}: content changed")
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    # The head trails the newest row until the transaction that wrote it has committed,
    # so it may be behind; but the row it names must still be there, unchanged.
    head = ChainHead.objects.filter(name=model.chain_name).first()
    last_seq = expected_seq - 1
    if head is not None and head.seq > 0:
        named = model.objects.filter(seq=head.seq).values_list("hash", flat=True).first()
        if head.seq > last_seq or named != head.last_hash:
            problems.append(f"{model.__name__}: the newest row(s) after seq {last_seq} are missing")
    return problems
