"""Check digits of the identifiers children carry: NHS number, UPN and ULN.

Each check comes in two shapes: a scalar function for one value (``nhs_number_is_valid``)
and a vectorised one over an Arrow array (``nhs_number_validity``), which the linkage
pipeline uses on millions of records. Both share one implementation of the arithmetic,
done on a matrix of digit values with numpy, so they can never disagree.

Sources: NHS Data Dictionary "NHS Number" (mod 11, weights 10..2); UK Government Data
Standards Catalogue "Unique Pupil Number" v2.0 (mod 23 check letter, weights 2..13,
letters A–Z without I, O, S); HESA field specification for ULN (weights 10..1, the sum
mod 11 must be 10, first digit non-zero). The 999 range of NHS numbers is never issued
and is used for test and synthetic patients: such numbers are valid but flagged.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "nhs_number_is_test",
    "nhs_number_is_valid",
    "nhs_number_test_range",
    "nhs_number_validity",
    "normalise_digits",
    "uln_is_valid",
    "uln_validity",
    "upn_is_valid",
    "upn_validity",
]

#: UPN check letters: the 23 letters A–Z without I, O and S, indexed by remainder.
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN_VALUE = {letter: i for i, letter in enumerate(UPN_LETTERS)}


def normalise_digits(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Identifiers as people type them (``943 476 5919``, ``943-476-5919``) to bare text."""
    text = pc.utf8_upper(pc.cast(values, pa.string()))
    return _combined(pc.replace_substring_regex(text, r"[\s\-\.]", ""))


def nhs_number_validity(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Per value: True if a 10-digit NHS number with a correct mod-11 check digit; null if null."""
    text = normalise_digits(values)
    shaped = pc.match_substring_regex(text, r"^\d{10}$")
    digits = _digit_matrix(text, shaped, 10)
    total = digits[:, :9] @ np.arange(10, 1, -1)
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    ok = (check != 10) & (check == digits[:, 9])
    return _with_nulls(text, shaped, ok)


def nhs_number_test_range(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Per value: True if in the 999 range that is never issued (test and synthetic patients)."""
    return pc.starts_with(normalise_digits(values), "999")


def upn_validity(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Per value: True if a 13-character UPN (permanent or temporary) whose check letter is right.

    A temporary UPN ends in a letter, which contributes its 0–22 value to the sum.
    """
    text = normalise_digits(values)
    shaped = pc.match_substring_regex(text, r"^[A-HJ-NPQR-Z]\d{11}[0-9A-HJ-NPQR-Z]$")
    filled = pc.if_else(pc.fill_null(shaped, False), text, "A000000000000").to_numpy(zero_copy_only=False)
    raw = np.frombuffer("".join(filled).encode("ascii"), dtype=np.uint8).reshape(-1, 13)
    body = (raw[:, 1:] - ord("0")).astype(np.int64)
    last = raw[:, 12]
    is_letter = last >= ord("A")
    letter_value = np.array([_UPN_VALUE.get(chr(c), 0) for c in range(256)])[last]
    body[:, 11] = np.where(is_letter, letter_value, body[:, 11])
    remainder = (body @ np.arange(2, 14)) % 23
    expected = np.array([ord(c) for c in UPN_LETTERS])[remainder]
    ok = raw[:, 0] == expected
    return _with_nulls(text, shaped, ok)


def uln_validity(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Per value: True if a 10-digit ULN, first digit non-zero, weighted sum mod 11 equal to 10."""
    text = normalise_digits(values)
    shaped = pc.match_substring_regex(text, r"^[1-9]\d{9}$")
    digits = _digit_matrix(text, shaped, 10)
    ok = (digits @ np.arange(10, 0, -1)) % 11 == 10
    return _with_nulls(text, shaped, ok)


def nhs_number_is_valid(value: str | None) -> bool:
    """True if ``value`` is an NHS number with a correct check digit (spaces allowed)."""
    return _scalar(nhs_number_validity, value)


def nhs_number_is_test(value: str | None) -> bool:
    """True if ``value`` lies in the 999 range kept for test and synthetic patients."""
    return bool(value) and bool(nhs_number_test_range(pa.array([value]))[0].as_py())


def upn_is_valid(value: str | None) -> bool:
    """True if ``value`` is a UPN whose check letter is right."""
    return _scalar(upn_validity, value)


def uln_is_valid(value: str | None) -> bool:
    """True if ``value`` is a ULN whose check digit is right."""
    return _scalar(uln_validity, value)


def _scalar(check, value: str | None) -> bool:
    return bool(check(pa.array([value], pa.string()))[0].as_py())


def _combined(array):
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _digit_matrix(text: pa.Array, shaped: pa.Array, width: int) -> np.ndarray:
    filled = pc.if_else(pc.fill_null(shaped, False), text, "0" * width).to_numpy(zero_copy_only=False)
    raw = np.frombuffer("".join(filled).encode("ascii"), dtype=np.uint8).reshape(-1, width)
    return (raw - ord("0")).astype(np.int64)


def _with_nulls(text: pa.Array, shaped: pa.Array, ok: np.ndarray) -> pa.Array:
    """Null where the input was null, False where it was malformed, else the check result."""
    result = pa.array(ok, pa.bool_())
    result = pc.and_(result, pc.fill_null(shaped, False))
    return pc.if_else(pc.is_null(text), pa.scalar(None, pa.bool_()), result)
