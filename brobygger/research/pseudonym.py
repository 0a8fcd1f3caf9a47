"""Pseudonyms for one research export.

A pseudonym is an HMAC-SHA256 of the database id under a 32-byte key drawn fresh for
each export, so it is stable within the export and cannot be linked to another export
(nor turned back into an id) once the key is gone. The key lives only in this object,
which is dropped as soon as the file is built.

Dates are not shifted: no date is published to the day (brobygger.research.anonymity
shows months, quarters or years, as coarse as k-anonymity needs). A day, shifted or not,
keeps the exact intervals between a person's dates, and those alone single out nearly
everyone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_BYTES = 32
PSEUDONYM_HEX = 16  # 64 bits: no collision to fear within one programme's persons


class Pseudonymiser:
    def __init__(self, *, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(KEY_BYTES)
        if len(self._key) < KEY_BYTES:
            raise ValueError(f"the key must be at least {KEY_BYTES} bytes")

    def _mac(self, label: str, pk: int) -> bytes:
        return hmac.new(self._key, f"{label}:{pk}".encode(), hashlib.sha256).digest()

    def person(self, pk: int) -> str:
        return "P-" + self._mac("person", pk).hex()[:PSEUDONYM_HEX]

    def course(self, pk: int) -> str:
        return "F-" + self._mac("course", pk).hex()[:PSEUDONYM_HEX]
