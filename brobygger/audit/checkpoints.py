"""Signed checkpoints: the head of each sealed chain, written outside the database.

After each seal the sealer writes one small JSON file to AUDIT_CHECKPOINT_DIR, a
directory the administrator keeps (copied off the database server, on write-once
storage, or both). A checkpoint names, per chain, the last sealed seq, the number of
sealed rows and the chain value there, signed with a key derived from AUDIT_HMAC_KEY.
Whoever can write to the database but not to the checkpoints cannot remove the newest
sealed rows (with their seals) without `verify_audit` noticing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Sum
from django.utils import timezone

from .keyed import GENESIS, Keys, sign
from .models import AuditCut, AuditSeal

FORMAT = "brobygger-audit-checkpoint/1"
PREFIX = "audit-checkpoint-"


def checkpoint_dir() -> Path:
    if not settings.AUDIT_CHECKPOINT_DIR:
        raise ImproperlyConfigured(
            "Set AUDIT_CHECKPOINT_DIR to a directory outside the database that the "
            "administrator keeps: the audit log's signed checkpoints are written there."
        )
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def sealed_state() -> dict[str, dict[str, Any]]:
    """Per chain: the last sealed seq, the number of sealed rows, the chain value there."""
    state: dict[str, dict[str, Any]] = {}
    for chain in AuditSeal.CHAINS:
        seals = AuditSeal.objects.filter(chain=chain)
        last = seals.order_by("-last_seq").values_list("last_seq", "chain_mac").first()
        # Rows sealed before a retention cut still count: the chain goes on from there.
        cut = (
            AuditCut.objects.filter(chain=chain)
            .order_by("-last_seq")
            .values_list("last_seq", "chain_mac", "rows")
            .first()
        )
        last = last or (cut[:2] if cut else None)
        state[chain] = {
            "last_seq": last[0] if last else 0,
            "rows": (cut[2] if cut else 0) + (seals.aggregate(n=Sum("rows"))["n"] or 0),
            "chain_mac": last[1] if last else GENESIS,
        }
    return state


@dataclass
class Checkpoint:
    path: Path
    written_at: str = ""
    chains: dict[str, dict[str, Any]] | None = None
    problem: str = ""


def _files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(directory.glob(f"{PREFIX}*.json"))


def read_checkpoint(path: Path, keys: Keys) -> Checkpoint:
    """One checkpoint file, with `problem` set when it cannot be trusted."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        signature = document.pop("signature")
        chains = document["chains"]
        written_at = str(document["written_at"])
        key_id = document["key_id"]
        if document.get("format") != FORMAT or not isinstance(chains, dict):
            raise ValueError(document.get("format"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Checkpoint(path, problem=f"checkpoint {path.name}: unreadable")
    if key_id != keys.key_id:
        return Checkpoint(
            path,
            written_at,
            problem=f"checkpoint {path.name}: signed with another key (key id {key_id}; "
            f"the AUDIT_HMAC_KEY set here has key id {keys.key_id})",
        )
    if signature != sign(keys, document):
        return Checkpoint(
            path,
            written_at,
            problem=f"checkpoint {path.name}: the signature does not match (the file was changed)",
        )
    return Checkpoint(path, written_at, chains)


def read_checkpoints(directory: Path, keys: Keys) -> list[Checkpoint]:
    return [read_checkpoint(path, keys) for path in _files(directory)]


def write_checkpoint(directory: Path) -> Path | None:
    """Write a checkpoint of the sealed state, unless the newest one already says it."""
    keys = Keys.from_settings()
    state = sealed_state()
    if all(chain["last_seq"] == 0 for chain in state.values()):
        return None
    files = _files(directory)
    if files and read_checkpoint(files[-1], keys).chains == state:
        return None
    now = timezone.now()
    document: dict[str, Any] = {
        "format": FORMAT,
        "written_at": now.isoformat(),
        "key_id": keys.key_id,
        "chains": state,
    }
    document["signature"] = sign(keys, document)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{PREFIX}{now:%Y%m%dT%H%M%S%fZ}.json"
    if path.exists():  # a second run in the same microsecond
        path = path.with_name(f"{path.stem}-{os.getpid()}.json")
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, 0o440)
    os.replace(temporary, path)
    return path
