"""The keyed MACs of the audit log: rows, the chain that seals them, signed checkpoints.

Pure functions of plain data and one key, AUDIT_HMAC_KEY, which lives in the
environment and never in the database: without it nobody can write a row, a seal or a
checkpoint that verifies, even with full write access to the database. Each use gets
its own key derived from it (rows, chain, checkpoints, the key's public id).

The migration that keyed the log (0003) calls `row_mac` too: changing what a row's MAC
covers needs a new migration that recomputes the MACs of the existing rows.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(
        data, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str
    ).encode()


@dataclass(frozen=True)
class Keys:
    row: bytes
    chain: bytes
    checkpoint: bytes
    key_id: str

    @classmethod
    def derive(cls, master: str) -> Keys:
        if not master:
            raise ValueError("AUDIT_HMAC_KEY is empty")
        secret = master.encode()

        def sub(purpose: str) -> bytes:
            return hmac.new(secret, f"brobygger-audit/{purpose}".encode(), hashlib.sha256).digest()

        return cls(
            row=sub("row"),
            chain=sub("chain"),
            checkpoint=sub("checkpoint"),
            key_id=sub("key-id").hex()[:16],
        )

    @classmethod
    def from_settings(cls) -> Keys:
        from django.conf import settings

        return _derive(settings.AUDIT_HMAC_KEY)


@functools.lru_cache(maxsize=4)
def _derive(master: str) -> Keys:
    return Keys.derive(master)


def row_payload(
    chain: str, seq: int, at: datetime.datetime, fields: dict[str, Any]
) -> dict[str, Any]:
    return {**fields, "chain": chain, "seq": seq, "at": at.isoformat()}


def row_mac(keys: Keys, payload: dict[str, Any]) -> str:
    """The MAC of one row's content, its chain, its seq and its time."""
    return hmac.new(keys.row, canonical(payload), hashlib.sha256).hexdigest()


def chain_step(keys: Keys, previous: str, mac: str) -> str:
    """The chain value after one more sealed row."""
    return hmac.new(keys.chain, f"{previous}|{mac}".encode(), hashlib.sha256).hexdigest()


def sign(keys: Keys, document: dict[str, Any]) -> str:
    return hmac.new(keys.checkpoint, canonical(document), hashlib.sha256).hexdigest()
