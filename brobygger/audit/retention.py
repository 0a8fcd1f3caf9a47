"""Retention of the access log and the audit trail: cut whole sealed stretches, oldest first.

The log keeps a chain from its first row; deleting old rows one by one would break it.
So retention deletes only whole sealed stretches from the start of a chain, up to the
last seal whose rows are all older than the cutoff, and records the cut (`AuditCut`: the
removed seal's `last_seq` and `chain_mac`, and how many rows were sealed up to there,
under the key). Verification then starts the chain at the cut. Rows not yet sealed are
never cut. The sets of persons (`AccessLogList`) that no remaining entry names go with
them. On PostgreSQL the deleting is done by `brobygger_audit_cut`, the one path the
append-only triggers let through (migrations 0005, 0006); it refuses rows under six
months old.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from .keyed import Keys
from .models import AccessLogEntry, AuditCut, AuditEvent, AuditSeal, LoggedEntry

# Datatilsynet: an access log is kept at least six months; the PostgreSQL function
# enforces the same floor, so a wrong setting cannot empty the log.
MINIMUM_AGE = datetime.timedelta(days=180)


def last_cut(chain: str) -> AuditCut | None:
    return AuditCut.objects.filter(chain=chain).order_by("-last_seq").first()


def _delete_through(model: type[LoggedEntry], last_seq: int) -> int:
    chain = model.chain_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT brobygger_audit_cut(%s, %s)", [chain, last_seq])
            return int(cursor.fetchone()[0])
        # SQLite has no triggers here; the models refuse deletes, so plain SQL it is.
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE seq <= %s", [last_seq])  # noqa: S608
        deleted = cursor.rowcount
        if model is AccessLogEntry:  # the sets of persons no remaining entry names
            for table, key in (
                ("audit_accessloglistperson", "list_id"),
                ("audit_accessloglist", "id"),
            ):
                cursor.execute(
                    f"DELETE FROM {table} WHERE {key} NOT IN "  # noqa: S608 (our own names)
                    "(SELECT list_id FROM audit_accesslogentry WHERE list_id IS NOT NULL)"
                )
        cursor.execute(
            "DELETE FROM audit_auditseal WHERE chain = %s AND last_seq <= %s", [chain, last_seq]
        )
        return int(deleted)


def cut_chain(model: type[LoggedEntry], *, cutoff: datetime.datetime) -> int:
    """Delete the chain's sealed stretches whose rows are all older than `cutoff`."""
    if cutoff > timezone.now() - MINIMUM_AGE:
        raise ValueError("The access log is kept for at least six months.")
    chain = model.chain_name
    first_young = (
        model.objects.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
    )
    seals = AuditSeal.objects.filter(chain=chain)
    if first_young is not None:
        seals = seals.filter(last_seq__lt=first_young)
    last = seals.order_by("-last_seq").first()
    if last is None:
        return 0
    previous = last_cut(chain)
    removed_sealed = (
        AuditSeal.objects.filter(chain=chain, last_seq__lte=last.last_seq).aggregate(n=Sum("rows"))[
            "n"
        ]
        or 0
    )
    with transaction.atomic():
        deleted = _delete_through(model, last.last_seq)
        cut = AuditCut(
            chain=chain,
            last_seq=last.last_seq,
            rows=(previous.rows if previous else 0) + removed_sealed,
            chain_mac=last.chain_mac,
            cut_at=timezone.now(),
        )
        cut.mac = cut.compute_mac(Keys.from_settings())
        cut.save()
    return deleted


def cut_log(*, cutoff: datetime.datetime) -> int:
    """Both chains: the rows deleted in all."""
    return sum(cut_chain(model, cutoff=cutoff) for model in (AccessLogEntry, AuditEvent))
