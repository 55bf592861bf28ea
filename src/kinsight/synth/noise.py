"""How each agency records a child: its own subset of identifiers, and its own mistakes.

Sources disagree the way real ones do: nicknames and short forms, transliterations,
typing slips, a hyphenated surname cut to one part, day and month swapped, old
addresses, missing or mistyped NHS numbers and UPNs. Adopted children appear under
their new surname and NHS number in records made after the adoption order. Children
of Gypsy, Roma and Traveller families, unaccompanied children and highly mobile
families are recorded with fewer identifiers and more errors (identifiers-and-linkage §2).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from kinsight.synth.model import name_lists, parameters

_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


@cache
def _variants() -> dict[str, list[str]]:
    lists = name_lists()
    variants = {name: list(short) for name, short in lists["nicknames"].items()}
    for group in lists["transliterations"]:
        for name in group:
            variants.setdefault(name, []).extend(n for n in group if n != name)
    return variants


def typo(rng: np.random.Generator, text: str) -> str:
    """One slip of the keyboard: a dropped, doubled, swapped or wrong letter."""
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = rng.integers(0, 4)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2:
        return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
    return text[:i] + _KEYBOARD[rng.integers(0, 26)] + text[i + 1:]


def _digit_slip(rng: np.random.Generator, text: str) -> str:
    # Slips spare the first three characters: a mistyped NHS number must stay in the 999 test
    # range (never a real person's number), and a UPN keeps its check letter and LA number.
    if len(text) < 5:
        return text
    i = int(rng.integers(3, len(text) - 1))
    if rng.random() < 0.5:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + str(rng.integers(0, 10)) + text[i + 1:]


def _apply(rng, values: np.ndarray, where: np.ndarray, change) -> None:
    for i in np.flatnonzero(where):
        values[i] = change(rng, values[i])


def identity(rng: np.random.Generator, people: pd.DataFrame, persons: np.ndarray,
             as_of: np.ndarray, coverage: dict[str, float] | None = None,
             accuracy: float = 1.0) -> pd.DataFrame:
    """The identity a source records for ``persons`` at dates ``as_of`` (day numbers).

    ``coverage`` gives the % of records carrying each identifier (``nhs_number``, ``upn``);
    identifiers not named are left out. ``accuracy`` scales every error rate.
    """
    params = parameters()
    errors = params["errors"]
    n = len(persons)
    rows = people.iloc[persons]
    hard = (rows["grt"] | rows["uasc"] | rows["mobile"]).to_numpy()
    factor = accuracy * np.where(hard, params["error_factor_low_coverage"], 1.0)

    def chance(pct: float) -> np.ndarray:
        return rng.random(n) < pct / 100 * factor

    as_of = np.asarray(as_of, dtype=np.int64)
    adopted_on = rows["adopted_on"].to_numpy().astype("datetime64[D]")
    after_adoption = ~np.isnat(adopted_on) & (adopted_on.astype(np.int64) <= as_of)

    forename = rows["forename"].to_numpy().astype(object).copy()
    variants = _variants()
    has_variant = np.array([name in variants for name in forename], dtype=bool)
    short = has_variant & (chance(errors["forename_nickname"]) | chance(errors["forename_transliteration"] / 4))
    _apply(rng, forename, short, lambda r, name: variants[name][r.integers(0, len(variants[name]))])
    _apply(rng, forename, chance(errors["forename_typo"]), typo)

    surname = np.where(after_adoption, rows["adoptive_surname"].to_numpy(), rows["surname"].to_numpy()).astype(object)
    hyphenated = np.array(["-" in s for s in surname], dtype=bool)
    one_part = hyphenated & (rng.random(n) < errors["surname_hyphen_part"] / 100)
    _apply(rng, surname, one_part, lambda r, s: s.split("-")[r.integers(0, 2)])
    spelt = np.array([s in variants for s in surname], dtype=bool) & chance(errors["forename_transliteration"] / 4)
    _apply(rng, surname, spelt, lambda r, s: variants[s][r.integers(0, len(variants[s]))])
    carer = ~after_adoption & (rng.random(n) < 0.04 * factor)
    surname[carer] = rows["carer_surname"].to_numpy()[carer]
    _apply(rng, surname, chance(errors["surname_typo"]), typo)

    dob = rows["dob"].to_numpy().astype("datetime64[D]")
    day_of_month = (dob - dob.astype("datetime64[M]")).astype(int) + 1
    month = dob.astype("datetime64[M]").astype(int) % 12 + 1
    swap = chance(errors["dob_day_month_swap"]) & (day_of_month <= 12) & (day_of_month != month)
    year_start = dob.astype("datetime64[Y]")
    swapped = (year_start.astype("datetime64[M]") + (day_of_month - 1)).astype("datetime64[D]") + (month - 1)
    dob = np.where(swap, swapped, dob)
    slip = chance(errors["dob_typo"])
    dob = np.where(slip, dob + rng.choice([-1, 1, -365, 365, 10], n).astype("timedelta64[D]"), dob)

    sex = rows["sex"].to_numpy().astype(object)
    sex[chance(errors["sex_missing"])] = ""

    moved_on = rows["moved_on"].to_numpy().astype("datetime64[D]")
    before_move = ~np.isnat(moved_on) & (as_of < moved_on.astype(np.int64))
    stale = rng.random(n) < errors["postcode_old"] / 100 * factor
    postcode = np.where(before_move | stale, rows["prev_postcode"].to_numpy(), rows["postcode"].to_numpy())
    postcode = np.where(after_adoption, rows["adoptive_postcode"].to_numpy(), postcode)

    out = pd.DataFrame({"forename": forename, "surname": surname, "dob": dob, "sex": sex,
                        "postcode": postcode})
    low = np.where(hard, params["low_coverage_factor"], 1.0)
    for kind, pct in (coverage or {}).items():
        if kind == "nhs_number":
            values = np.where(after_adoption, rows["adoptive_nhs_number"].to_numpy(), rows[kind].to_numpy())
        else:
            values = rows[kind].to_numpy()
        values = values.astype(object)
        values[rng.random(n) >= pct / 100 * low] = ""
        _apply(rng, values, (values != "") & chance(errors["nhs_typo" if kind == "nhs_number" else "upn_typo"]),
               _digit_slip)
        out[kind] = values
    return out
