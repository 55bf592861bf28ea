"""Synthetic identifiers are valid and never a real person's."""

import numpy as np

from kinsight.synth.identifiers import (
    is_valid_nhs_number, is_valid_upn, nhs_numbers, upn_check_letter, upns)


def test_nhs_numbers_pass_mod_11_and_stay_in_the_999_test_range():
    numbers = nhs_numbers(np.random.default_rng(1), 50_000)
    assert len(set(numbers)) == 50_000
    assert all(n.startswith("999") and is_valid_nhs_number(n) for n in numbers)


def test_the_published_example_nhs_number_is_valid_and_a_slip_is_not():
    assert is_valid_nhs_number("9434765919")
    assert not is_valid_nhs_number("9434765918")
    assert not is_valid_nhs_number("943476591")


def test_upn_check_letter_follows_the_dfe_algorithm():
    # weights 2..13 over the 12 digits, mod 23, letters without I, O, S
    body = "820200125001"
    total = sum(w * int(c) for w, c in zip(range(2, 14), body))
    assert upn_check_letter(body) == "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23]
    made = upns("826", np.array([2001, 2002]), np.array([2019, 2020]), np.array([1, 999]))
    assert all(is_valid_upn(u) for u in made)
    assert made[0][1:] == "826200119001"
