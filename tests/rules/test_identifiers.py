"""GB 11643 resident ID numbers and GB 32100 unified social credit codes (R3: real-name registration)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cehours.rules.identifiers import (
    InvalidIdentifier,
    id_check_digit,
    mask_id_number,
    normalize_credit_code,
    normalize_id_number,
    uscc_check_char,
)

# Check digits worked by hand from the GB 11643 weights (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2).
VALID_ID = "11010519491231002X"


def test_r3_id_number_with_correct_check_digit_is_accepted():
    assert normalize_id_number(VALID_ID) == VALID_ID
    assert normalize_id_number(VALID_ID.lower()) == VALID_ID


def test_r3_id_number_with_wrong_check_digit_is_refused_saying_so():
    with pytest.raises(InvalidIdentifier, match="校验位"):
        normalize_id_number("110105194912310021")


def test_r3_id_number_with_impossible_birth_date_is_refused_saying_so():
    first17 = "33110219900230123"  # 30 February
    with pytest.raises(InvalidIdentifier, match="出生日期不存在"):
        normalize_id_number(first17 + id_check_digit(first17))


def test_r3_id_number_born_in_the_future_is_refused():
    first17 = "33110220990101123"
    with pytest.raises(InvalidIdentifier, match="出生日期不合理"):
        normalize_id_number(first17 + id_check_digit(first17), today=date(2026, 11, 29))


@pytest.mark.parametrize("raw", ["", "3311021990", "33110219900101123XX", "3311021990010112A4"])
def test_r3_malformed_id_numbers_are_refused(raw):
    with pytest.raises(InvalidIdentifier):
        normalize_id_number(raw)


def test_r3_masked_id_number_keeps_area_code_and_last_four():
    assert mask_id_number(VALID_ID) == "110105********002X"


@given(st.from_regex(r"\A331102(19[6-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}\Z"))
def test_r3_every_check_digit_but_the_right_one_is_refused(first17):
    right = id_check_digit(first17)
    assert normalize_id_number(first17 + right) == first17 + right
    for wrong in set("0123456789X") - {right}:
        with pytest.raises(InvalidIdentifier):
            normalize_id_number(first17 + wrong)


def test_credit_code_with_correct_check_character_is_accepted():
    first17 = "91331102MA2A0B1C2"
    code = first17 + uscc_check_char(first17)
    assert normalize_credit_code(code.lower()) == code


def test_credit_code_with_wrong_check_character_is_refused():
    first17 = "91331102MA2A0B1C2"
    right = uscc_check_char(first17)
    wrong = "0" if right != "0" else "1"
    with pytest.raises(InvalidIdentifier, match="校验位"):
        normalize_credit_code(first17 + wrong)


def test_credit_code_with_forbidden_letters_is_refused():
    with pytest.raises(InvalidIdentifier, match="不允许的字符"):
        normalize_credit_code("91331102MA2A0B1CIO")
