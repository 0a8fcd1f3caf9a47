"""Pseudonyms and date shifts for one research export.

A pseudonym is an HMAC-SHA256 of the database id under a 32-byte key drawn fresh for
each export, so it is stable within the export and cannot be linked to another export
(nor turned back into an id) once the key is gone. The key lives only in this object,
which is dropped as soon as the file is built.

Each person's dates move by the same number of days, between 180 back and 180 forward
and never 0, so every interval within a person (start to discharge, discharge to
follow-up, days between questionnaires) is kept while no real date is shown. The number
comes from HMAC-SHA256 under a second fresh key: a pseudo-random generator seeded per
export that nothing stores.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

KEY_BYTES = 32
MAX_SHIFT_DAYS = 180
PSEUDONYM_HEX = 16  # 64 bits: no collision to fear within one programme's persons


class Pseudonymiser:
    def __init__(self, *, key: bytes | None = None, shift_key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(KEY_BYTES)
        self._shift_key = shift_key if shift_key is not None else secrets.token_bytes(KEY_BYTES)
        if len(self._key) < KEY_BYTES or len(self._shift_key) < KEY_BYTES:
            raise ValueError(f"keys must be at least {KEY_BYTES} bytes")
        self._shifts: dict[int, int] = {}

    def _mac(self, key: bytes, label: str, pk: int) -> bytes:
        return hmac.new(key, f"{label}:{pk}".encode(), hashlib.sha256).digest()

    def person(self, pk: int) -> str:
        return "P-" + self._mac(self._key, "person", pk).hex()[:PSEUDONYM_HEX]

    def course(self, pk: int) -> str:
        return "F-" + self._mac(self._key, "course", pk).hex()[:PSEUDONYM_HEX]

    def shift(self, person_pk: int) -> int:
        """The person's offset in days: -180..-1 or 1..180, evenly spread."""
        if person_pk not in self._shifts:
            draw = int.from_bytes(self._mac(self._shift_key, "shift", person_pk)[:8], "big")
            n = draw % (2 * MAX_SHIFT_DAYS)  # bias below 2**-50
            self._shifts[person_pk] = n - MAX_SHIFT_DAYS if n < MAX_SHIFT_DAYS else n - 179
        return self._shifts[person_pk]

    def date(self, person_pk: int, day: datetime.date | None) -> datetime.date | None:
        if day is None:
            return None
        return day + datetime.timedelta(days=self.shift(person_pk))
