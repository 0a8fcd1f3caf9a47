"""Pseudonyms and date shifts, without the database."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest

from brobygger.research.pseudonym import MAX_SHIFT_DAYS, Pseudonymiser


def test_same_keys_same_pseudonyms_and_other_keys_other_pseudonyms():
    one = Pseudonymiser(key=b"a" * 32, shift_key=b"b" * 32)
    same = Pseudonymiser(key=b"a" * 32, shift_key=b"b" * 32)
    fresh = Pseudonymiser()
    assert [one.person(n) for n in range(50)] == [same.person(n) for n in range(50)]
    assert not {one.person(n) for n in range(50)} & {fresh.person(n) for n in range(50)}
    assert one.person(7) != one.course(7)  # a course id never looks like a person's


def test_shift_is_never_zero_and_covers_both_directions():
    shifts = [Pseudonymiser().shift(1) for _ in range(400)]
    assert all(1 <= abs(s) <= MAX_SHIFT_DAYS for s in shifts)
    assert min(shifts) < -90 and max(shifts) > 90
    counts = Counter(s > 0 for s in shifts)
    assert 140 < counts[True] < 260  # about half forward (p < 1e-9 of failing by chance)


def test_a_persons_dates_all_move_by_the_same_days():
    p = Pseudonymiser()
    start, end = datetime.date(2026, 1, 31), datetime.date(2026, 3, 1)
    assert p.date(5, end) - p.date(5, start) == end - start  # type: ignore[operator]
    assert (p.date(5, start) - start).days == p.shift(5)  # type: ignore[operator]
    assert p.date(5, None) is None


def test_short_keys_are_refused():
    with pytest.raises(ValueError):
        Pseudonymiser(key=b"short")
