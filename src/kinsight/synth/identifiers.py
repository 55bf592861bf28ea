"""Synthetic NHS numbers and UPNs: valid check digits, never a real person's.

NHS numbers come from the 999 block, which the NHS reserves for test patients and
never issues (identifiers-and-linkage §1.1); the block holds about 909,000 valid
numbers, so a population larger than that continues downwards into 998, 997…,
still inside the 900–999 range "not to be issued". UPNs follow the DfE
algorithm: check letter + LA number + establishment + year + serial.
"""

from __future__ import annotations

import numpy as np

NHS_WEIGHTS = np.arange(10, 1, -1)
UPN_LETTERS = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))
_VALID_PER_BLOCK = 900_000


def serial_ids(prefix: str, numbers: np.ndarray) -> np.ndarray:
    """Record ids such as ``C0000042``: a prefix and a zero-padded serial number."""
    numbers = np.asarray(numbers)
    if numbers.size == 0:  # numpy's zfill cannot take an empty array
        return np.array([], dtype=str)
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), 7))


def nhs_check_digit(body: np.ndarray) -> np.ndarray:
    """Check digits for 9-digit bodies (int64); 10 marks a body that can never be issued."""
    digits = (body[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = 11 - (digits * NHS_WEIGHTS).sum(axis=1) % 11
    return np.where(check == 11, 0, check)


def nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct valid NHS numbers in the test range, as 10-character strings."""
    blocks = max(1, -(-int(n * 1.05) // _VALID_PER_BLOCK))
    low = (1000 - blocks) * 1_000_000
    bodies = low + rng.choice(blocks * 1_000_000, size=min(blocks * 1_000_000, int(n * 1.15) + 16),
                              replace=False)
    checks = nhs_check_digit(bodies)
    valid = checks != 10
    numbers = (bodies[valid] * 10 + checks[valid])[:n]
    return numbers.astype("U10")


def is_valid_nhs_number(value: str) -> bool:
    """True for ten digits whose last is the mod-11 check digit of the first nine."""
    if len(value) != 10 or not value.isdigit():
        return False
    check = nhs_check_digit(np.array([int(value[:9])]))[0]
    return check != 10 and check == int(value[9])


def upn_check_letter(body: str) -> str:
    """The check letter of a UPN's last 12 characters (DfE: weights 2–13, mod 23)."""
    total = 0
    for weight, char in enumerate(body, start=2):
        value = int(char) if char.isdigit() else int(np.flatnonzero(UPN_LETTERS == char)[0])
        total += weight * value
    return str(UPN_LETTERS[total % 23])


def upns(la_number: str, establishment: np.ndarray, year: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """Permanent UPNs for arrays of 4-digit establishment, 2-digit year and 3-digit serial."""
    la_digits = np.array([int(c) for c in la_number])
    la_part = (la_digits * np.arange(2, 5)).sum()
    parts = [(establishment, 4, 5), (year % 100, 2, 9), (serial % 1000, 3, 11)]
    total = np.full(len(establishment), la_part, dtype=np.int64)
    for values, width, first_weight in parts:
        digits = (values[:, None] // 10 ** np.arange(width - 1, -1, -1)) % 10
        total += (digits * np.arange(first_weight, first_weight + width)).sum(axis=1)
    body = np.char.add(
        np.char.add(np.char.add(la_number, np.char.zfill(establishment.astype(str), 4)),
                    np.char.zfill((year % 100).astype(str), 2)),
        np.char.zfill((serial % 1000).astype(str), 3),
    )
    return np.char.add(UPN_LETTERS[total % 23], body)


def is_valid_upn(value: str) -> bool:
    """True for a 13-character permanent UPN whose check letter matches."""
    if len(value) != 13 or not value[1:].isdigit() or value[0] not in UPN_LETTERS:
        return False
    return upn_check_letter(value[1:]) == value[0]
