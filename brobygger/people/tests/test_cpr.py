import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from brobygger.lib import cpr


def test_number_without_modulus_11_is_valid():
    # 010190-1235 fails the old check digit; such numbers are issued since 2007.
    assert not cpr.has_mod11_check("0101901235")
    assert cpr.validate("010190-1235") == "0101901235"


def test_century_comes_from_the_seventh_digit():
    assert cpr.birth_date("0101054000") == datetime.date(2005, 1, 1)
    assert cpr.birth_date("0101991000") == datetime.date(1999, 1, 1)
    assert cpr.birth_date("0101605000") == datetime.date(1860, 1, 1)
    assert cpr.birth_date("0101404000") == datetime.date(1940, 1, 1)


@pytest.mark.parametrize("bad", ["3102901234", "12345", "01019O1234", "0101901234567"])
def test_invalid_numbers_are_rejected_with_a_message(bad):
    with pytest.raises(ValidationError) as info:
        cpr.validate(bad)
    assert info.value.messages[0]


def test_mask_hides_the_serial():
    assert cpr.mask("0101901234") == "010190-XXXX"
    assert cpr.mask(None) == ""


@given(st.text(max_size=30))
def test_validate_never_crashes(text):
    try:
        number = cpr.validate(text)
    except ValidationError:
        return
    assert len(number) == 10 and number.isdigit()
