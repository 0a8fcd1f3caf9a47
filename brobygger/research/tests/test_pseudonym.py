"""Pseudonyms, without the database."""

from __future__ import annotations

import pytest

from brobygger.research.pseudonym import Pseudonymiser


def test_same_keys_same_pseudonyms_and_other_keys_other_pseudonyms():
    one = Pseudonymiser(key=b"a" * 32)
    same = Pseudonymiser(key=b"a" * 32)
    fresh = Pseudonymiser()
    assert [one.person(n) for n in range(50)] == [same.person(n) for n in range(50)]
    assert not {one.person(n) for n in range(50)} & {fresh.person(n) for n in range(50)}
    assert one.person(7) != one.course(7)  # a course id never looks like a person's


def test_short_keys_are_refused():
    with pytest.raises(ValueError):
        Pseudonymiser(key=b"short")
