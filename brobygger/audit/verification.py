"""Checking the access log and the audit trail: rows, seals and checkpoints.

Run by `manage.py verify_audit` (a scheduled job); never part of a web request, since
it reads every row. It needs AUDIT_HMAC_KEY: with another key nothing verifies.

What it finds:
- a row whose content, seq or time was changed (its MAC does not match);
- rows removed from, added to or reordered in a sealed stretch (the recomputed chain or
  the count does not match the seal);
- a seal removed or changed (the seals no longer follow each other);
- sealed rows removed from the end together with their seals, and any rewriting of
  the sealed log, by comparison with the signed checkpoints outside the database;
- rows left unsealed for too long (the sealer is not running).
Rows appended since the last seal can only be checked one by one: removing one of them
before it is sealed goes unnoticed. Seal often (README: every minute).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .checkpoints import Checkpoint, checkpoint_dir, read_checkpoints
from .keyed import GENESIS, Keys, chain_step
from .models import (
    AccessLogEntry,
    AccessLogListPerson,
    AuditCut,
    AuditEvent,
    AuditSeal,
    LoggedEntry,
)

MAX_LISTED = 50  # problems listed per chain; a wrong key would otherwise list every row


@dataclass
class ChainReport:
    model: type[LoggedEntry]
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0
    rows: int = 0
    sealed_rows: int = 0
    last_sealed_seq: int = 0
    unsealed: int = 0
    oldest_unsealed: datetime.datetime | None = None
    # seq at the end of a seal -> (chain value recomputed from the rows, sealed rows so far)
    seal_ends: dict[int, tuple[str, int]] = field(default_factory=dict)
    cut_seq: int = 0  # the chain starts after this seq (retention's cut; 0: none)

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_LISTED:
            self.problems.append(f"{self.model.__name__}: {text}")
        else:
            self.more_problems += 1

    def all_problems(self) -> list[str]:
        if self.more_problems:
            return [*self.problems, f"{self.model.__name__}: {self.more_problems} more problem(s)"]
        return list(self.problems)


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    """One transaction for the long read on PostgreSQL (a cursor that streams the rows);
    none on SQLite, where a transaction would take the write lock."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            yield
    else:
        yield


def _check_seal_links(
    report: ChainReport, seals: list[AuditSeal], cut: AuditCut | None = None
) -> None:
    after, previous = (cut.last_seq, cut.chain_mac) if cut else (0, GENESIS)
    for seal in seals:
        if seal.after_seq != after or seal.prev_mac != previous:
            if seal is seals[0]:
                start = f"the cut at seq {after}" if cut else "the beginning"
                report.problem(
                    f"the first seal starts after seq {seal.after_seq}, not at {start}: "
                    "the oldest rows and their seals were removed"
                )
            else:
                report.problem(
                    f"the seal of seq {seal.after_seq + 1}-{seal.last_seq} does not follow "
                    f"the seal ending at seq {after}: a seal was removed or changed"
                )
        after, previous = seal.last_seq, seal.chain_mac


def _check_cut(report: ChainReport, cut: AuditCut, keys: Keys) -> None:
    """A retention cut must carry the key's MAC: without the key no one can make one."""
    if cut.compute_mac(keys) != cut.mac:
        report.problem(
            f"the retention cut at seq {cut.last_seq} is not genuine (its MAC does not match)"
        )


def inspect_chain(model: type[LoggedEntry], keys: Keys | None = None) -> ChainReport:
    """Check every row of one chain against its MAC and every seal against its rows."""
    keys = keys or Keys.from_settings()
    report = ChainReport(model)
    with _reading():
        # Seals first: a seal is written after its rows have committed, so every row a
        # seal read here covers is visible to the row query that follows.
        seals = list(AuditSeal.objects.filter(chain=model.chain_name).order_by("last_seq"))
        # Retention deleted everything up to the newest cut: the chain starts there.
        cut = AuditCut.objects.filter(chain=model.chain_name).order_by("-last_seq").first()
        if cut is not None:
            _check_cut(report, cut, keys)
            report.cut_seq = cut.last_seq
            report.seal_ends[cut.last_seq] = (cut.chain_mac, cut.rows)
            report.last_sealed_seq = cut.last_seq
        _check_seal_links(report, seals, cut)
        if seals:
            report.last_sealed_seq = seals[-1].last_seq
        index = 0
        value, count = (seals[0].prev_mac, 0) if seals else (GENESIS, 0)
        running = cut.chain_mac if cut else GENESIS
        cut_rows = cut.rows if cut else 0

        def close_seal() -> None:
            nonlocal index, value, count
            seal = seals[index]
            report.seal_ends[seal.last_seq] = (running, cut_rows + report.sealed_rows)
            if count != seal.rows:
                report.problem(
                    f"seq {seal.after_seq + 1}-{seal.last_seq}: {seal.rows} row(s) were "
                    f"sealed, {count} are there: rows were removed or added after sealing"
                )
            elif value != seal.chain_mac:
                report.problem(
                    f"seq {seal.after_seq + 1}-{seal.last_seq}: the rows do not match their "
                    "seal: rows were replaced or changed after sealing"
                )
            index += 1
            value, count = (seals[index].prev_mac, 0) if index < len(seals) else (GENESIS, 0)

        for entry in model.objects.order_by("seq").iterator(chunk_size=2000):
            report.rows += 1
            if entry.seq <= report.cut_seq:
                report.problem(f"seq {entry.seq}: a row retention cut is still there")
                continue
            if entry.compute_mac(keys) != entry.mac:
                report.problem(f"seq {entry.seq}: content changed (its MAC does not match)")
            while index < len(seals) and entry.seq > seals[index].last_seq:
                close_seal()
            if index < len(seals):
                value = chain_step(keys, value, entry.mac)
                running = chain_step(keys, running, entry.mac)
                count += 1
                report.sealed_rows += 1
            else:
                report.unsealed += 1
                if report.oldest_unsealed is None or entry.at < report.oldest_unsealed:
                    report.oldest_unsealed = entry.at
        while index < len(seals):
            close_seal()
    return report


def verify_chain(model: type[LoggedEntry]) -> list[str]:
    """Every problem found in one chain's rows and seals, in words; empty means intact."""
    return inspect_chain(model).all_problems()


@dataclass
class AuditReport:
    chains: list[ChainReport]
    checkpoints: list[Checkpoint]
    problems: list[str]

    @property
    def rows(self) -> int:
        return sum(chain.rows for chain in self.chains)

    @property
    def unsealed(self) -> int:
        return sum(chain.unsealed for chain in self.chains)

    @property
    def good_checkpoints(self) -> int:
        return sum(1 for checkpoint in self.checkpoints if not checkpoint.problem)


def _compare(checkpoint: Checkpoint, report: ChainReport) -> str | None:
    assert checkpoint.chains is not None
    name, chain = checkpoint.path.name, report.model.chain_name
    claimed = checkpoint.chains.get(chain)
    if not isinstance(claimed, dict):
        return f"checkpoint {name}: no entry for the {chain} chain"
    last_seq, rows, mac = claimed.get("last_seq"), claimed.get("rows"), claimed.get("chain_mac")
    if not last_seq:
        return None
    if last_seq < report.cut_seq:
        # Written before retention cut the log there: nothing left to compare it with
        # (such checkpoints are archived, docs/audit.md).
        return None
    if last_seq > report.last_sealed_seq:
        return (
            f"checkpoint {name} ({checkpoint.written_at}): {report.model.__name__} was sealed "
            f"up to seq {last_seq}, but the seals in the database end at seq "
            f"{report.last_sealed_seq}: sealed rows were removed"
        )
    found = report.seal_ends.get(last_seq)
    if found is None:
        return (
            f"checkpoint {name} ({checkpoint.written_at}): {report.model.__name__}: no seal "
            f"ends at seq {last_seq}: the seals were rewritten"
        )
    if found != (mac, rows):
        return (
            f"checkpoint {name} ({checkpoint.written_at}): {report.model.__name__} up to seq "
            f"{last_seq} does not match the database ({rows} sealed rows in the checkpoint, "
            f"{found[1]} in the database)"
        )
    return None


def _check_list_index() -> list[str]:
    """Each list entry names a stored list that holds exactly its persons (which its MAC
    covers), and no other entry names a list.

    A removed index row would hide a look from the person's "who looked at me" report; an
    added one, or an entry pointed at another list, would show a look that never was.
    """
    problems: list[str] = []
    members: dict[int, set[int]] = {}
    with _reading():
        rows = AccessLogListPerson.objects.values_list("shown_list_id", "person_id")
        for list_id, person_id in rows.iterator():
            members.setdefault(list_id, set()).add(person_id)
        entries = AccessLogEntry.objects.exclude(person_ids=[], shown_list=None)
        for seq, person_ids, list_id in entries.values_list(
            "seq", "person_ids", "shown_list_id"
        ).iterator():
            if len(problems) >= MAX_LISTED:
                break
            if not person_ids:
                problems.append(f"AccessLogList: entry {seq} names a list but lists nobody")
            elif list_id is None:
                problems.append(f"AccessLogList: entry {seq} lists persons but names no list")
            elif set(person_ids) != members.get(list_id, set()):
                problems.append(
                    f"AccessLogList: the list {list_id} of entry {seq} does not hold its persons"
                )
    return problems


def verify_all(*, max_unsealed_age: datetime.timedelta | None = None) -> AuditReport:
    """Both chains, their seals and every checkpoint file; the whole log is read."""
    keys = Keys.from_settings()
    problems: list[str] = []
    # Checkpoints before the database: each names seals committed before it was written.
    checkpoints: list[Checkpoint] = []
    if settings.AUDIT_CHECKPOINT_DIR:
        directory = checkpoint_dir()
        checkpoints = read_checkpoints(directory, keys)
    chains = [inspect_chain(model, keys) for model in (AccessLogEntry, AuditEvent)]
    for chain in chains:
        problems.extend(chain.all_problems())
        if (
            max_unsealed_age is not None
            and chain.oldest_unsealed is not None
            and chain.oldest_unsealed < timezone.now() - max_unsealed_age
        ):
            problems.append(
                f"{chain.model.__name__}: {chain.unsealed} row(s) not sealed, the oldest from "
                f"{chain.oldest_unsealed:%Y-%m-%d %H:%M} UTC: is `manage.py seal_audit` scheduled?"
            )
    problems.extend(_check_list_index())
    for checkpoint in checkpoints:
        if checkpoint.problem:
            problems.append(checkpoint.problem)
            continue
        for chain in chains:
            mismatch = _compare(checkpoint, chain)
            if mismatch:
                problems.append(mismatch)
    if any(chain.sealed_rows for chain in chains) and not checkpoints:
        where = settings.AUDIT_CHECKPOINT_DIR or "AUDIT_CHECKPOINT_DIR (not set)"
        problems.append(
            f"no checkpoint in {where}: the sealed log cannot be compared with anything "
            "outside the database"
        )
    return AuditReport(chains, checkpoints, problems)
