"""Identifier checks: NHS number (mod 11), UPN (mod 23 check letter), ULN (HESA check)."""

import pyarrow as pa
import pytest

from kinsight.linkage.identifiers import (
    nhs_number_is_test,
    nhs_number_is_valid,
    nhs_number_validity,
    uln_is_valid,
    upn_is_valid,
    upn_validity,
)


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "9990000018"])
def test_nhs_numbers_with_a_correct_check_digit_are_valid(number):
    assert nhs_number_is_valid(number)


@pytest.mark.parametrize("number", [
    "9434765918",  # wrong check digit
    "9434765991",  # two digits transposed
    "943476591",  # too short
    "94347659190",  # too long
    "94347A5919",  # a letter
    "",
    None,
])
def test_malformed_or_mistyped_nhs_numbers_are_invalid(number):
    assert not nhs_number_is_valid(number)


def test_a_number_whose_check_would_be_ten_is_never_valid():
    # 100000001x: 1*10 + 1*2 = 12, 11 - (12 mod 11) = 10, so no check digit fits.
    assert not any(nhs_number_is_valid(f"100000001{d}") for d in range(10))


def test_the_999_range_is_flagged_as_test_numbers():
    assert nhs_number_is_test("999 000 0018")
    assert not nhs_number_is_test("9434765919")


def test_vectorised_checks_keep_nulls_null_and_agree_with_scalar_checks():
    values = ["9434765919", None, "9434765918", "x"]
    assert nhs_number_validity(pa.array(values)).to_pylist() == [True, None, False, False]


def _with_check_letter(body: str) -> str:
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    values = [letters.index(c) if c.isalpha() else int(c) for c in body]
    return letters[sum(v * w for v, w in zip(values, range(2, 14))) % 23] + body


def test_a_upn_with_the_right_check_letter_is_valid_and_a_wrong_one_is_not():
    upn = _with_check_letter("201300100001")
    assert upn_is_valid(upn)
    assert upn_is_valid(upn.lower())
    wrong = ("B" if upn[0] != "B" else "C") + upn[1:]
    assert not upn_is_valid(wrong)


def test_a_temporary_upn_ending_in_a_letter_counts_that_letter_in_the_check():
    temporary = _with_check_letter("20130010000A")
    assert upn_is_valid(temporary)
    assert not upn_is_valid(temporary[:-1] + "B")


def test_upns_check_letter_never_uses_i_o_or_s_and_la_940_is_accepted():
    # python-stdnum rejects LA codes created after 2011; Kinsight checks only the letter.
    upn = _with_check_letter("940123412001")
    assert upn_is_valid(upn)
    assert not upn_is_valid("I" + upn[1:])
    assert upn_validity(pa.array([None, "A12"])).to_pylist() == [None, False]


def test_uln_follows_the_hesa_check():
    assert uln_is_valid("9276308686")  # HESA's worked example: 296 mod 11 = 10
    assert not uln_is_valid("9276308687")
    assert not uln_is_valid("0276308686")  # first digit must not be zero


def test_a_valid_uln_is_never_a_valid_nhs_number():
    assert not nhs_number_is_valid("9276308686")
