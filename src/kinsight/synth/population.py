"""People and places: children in households at real postcodes of the LA.

All draws are vectorised over the whole population (numpy), so a million children
take seconds. The result is one row per true person (``child_id``) with their true
identity; sources later copy it with their own omissions and mistakes.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from kinsight.core.reference import lsoas, postcodes
from kinsight.synth import identifiers
from kinsight.synth.model import Setting, first_names, name_lists, parameters, shares, surnames

DAY = np.timedelta64(1, "D")


def days(d: date) -> np.datetime64:
    return np.datetime64(d, "D")


class Places:
    """The LA's LSOAs (weighted by children) and the postcodes in each."""

    def __init__(self, la_code: str):
        areas = lsoas(la_code).to_pandas()
        codes = postcodes(la_code).to_pandas().sort_values("lsoa11")
        counts = codes.groupby("lsoa11").size()
        areas = areas[areas["lsoa11"].isin(counts.index)].sort_values("lsoa11").reset_index(drop=True)
        self.areas = areas
        self.postcodes = codes["postcode"].to_numpy()
        self.start = codes["lsoa11"].searchsorted(areas["lsoa11"])
        self.count = counts.loc[areas["lsoa11"]].to_numpy()
        weights = areas["children_0_15"].fillna(areas["children_0_15"].median()).to_numpy(float)
        self.weights = weights / weights.sum()

    def draw(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Area indexes and postcodes for ``n`` households."""
        area = rng.choice(len(self.areas), size=n, p=self.weights)
        offset = (rng.random(n) * self.count[area]).astype(np.int64)
        return area, self.postcodes[self.start[area] + offset]

    def address(self, rng: np.random.Generator, n: int) -> np.ndarray:
        streets = np.array(name_lists()["street_names"])
        number = rng.integers(1, 180, size=n).astype(str)
        return np.char.add(np.char.add(number, " "), streets[rng.integers(0, len(streets), n)])


def _choose(rng: np.random.Generator, mapping: dict, n: int) -> np.ndarray:
    keys, p = shares(mapping)
    return keys[rng.choice(len(keys), size=n, p=p)]


def draw_forenames(rng: np.random.Generator, birth_year: np.ndarray, sex: np.ndarray,
                   ethnicity: np.ndarray) -> np.ndarray:
    """ONS first names for the birth year (nearest published year) and sex.

    Groups under-represented in the England and Wales lists take their names half the
    time from the group lists in ``names.yaml``.
    """
    table = first_names()
    years = np.clip(birth_year, table["year"].min(), table["year"].max())
    out = np.empty(len(sex), dtype=object)
    for (year, s), frame in table.groupby(["year", "sex"]):
        who = np.flatnonzero((years == year) & (sex == s))
        if len(who):
            p = frame["count"].to_numpy(float)
            out[who] = frame["name"].to_numpy()[rng.choice(len(frame), size=len(who), p=p / p.sum())]
    who = np.flatnonzero(sex == "U")
    out[who] = rng.choice(["Alex", "Charlie", "Sam", "Jordan"], size=len(who))
    for group, lists in name_lists()["first_names_by_group"].items():
        for s, names in lists.items():
            who = np.flatnonzero((ethnicity == group) & (sex == s) & (rng.random(len(sex)) < 0.5))
            out[who] = rng.choice(names, size=len(who))
    return out.astype(str)


def draw_surnames(rng: np.random.Generator, ethnicity: np.ndarray) -> np.ndarray:
    """Household surnames: common GB surnames, a long tail, group surnames, double-barrels."""
    n = len(ethnicity)
    common = surnames()
    out = common["name"].to_numpy()[
        rng.choice(len(common), size=n, p=(common["percent"] / common["percent"].sum()).to_numpy())
    ].astype(object)
    lists = name_lists()
    # The common list covers ~40% of people; the rest have rarer names, made here from stems.
    rare = rng.random(n) < 0.45
    stems, endings = np.array(lists["surname_stems"]), np.array(lists["surname_endings"])
    out[rare] = np.char.add(stems[rng.integers(0, len(stems), rare.sum())],
                            endings[rng.integers(0, len(endings), rare.sum())])
    for group, mapping in lists["surnames_by_group"].items():
        who = np.flatnonzero((ethnicity == group) & (rng.random(n) < 0.75))
        out[who] = _choose(rng, mapping, len(who))
    double = np.flatnonzero(rng.random(n) < 0.03)
    out[double] = np.char.add(np.char.add(out[double].astype(str), "-"),
                              common["name"].to_numpy()[rng.integers(0, 200, len(double))])
    return out.astype(str)


def _school_start_year(dob: np.ndarray) -> np.ndarray:
    """Year of the September a child starts reception (the year after turning 4 by 31 August)."""
    year = dob.astype("datetime64[Y]").astype(int) + 1970
    month = dob.astype("datetime64[M]").astype(int) % 12 + 1
    return year + np.where(month >= 9, 5, 4)


def build(rng: np.random.Generator, run: Setting, n: int) -> tuple[pd.DataFrame, list[str]]:
    """``n`` resident children aged 0–17 on the reference date, in households.

    Also returns spare NHS numbers, for children who arrive later or are re-registered
    after adoption.
    """
    params = parameters()
    places = Places(run.authority.code)
    sizes_k, sizes_p = shares(params["household_children"])
    sizes = sizes_k.astype(int)[rng.choice(len(sizes_k), size=n, p=sizes_p)]
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n) + 1]
    sizes[-1] -= sizes.sum() - n
    households = len(sizes)
    household = np.repeat(np.arange(households), sizes)

    eth_k, eth_p = shares(run.targets.ethnicity)
    h_ethnicity = eth_k[rng.choice(len(eth_k), size=households, p=eth_p)]
    h_area, h_postcode = places.draw(rng, households)
    h_address = places.address(rng, households)
    decile = places.areas["imd_decile"].to_numpy()[h_area]
    # Deprivation gradient: each decile more deprived multiplies risk by ~1.33.
    h_risk = params["deprivation_step"] ** (10 - decile) * rng.lognormal(0, 0.6, households)
    h_risk /= h_risk.mean()
    factors = {}
    for factor, pct in params["household_factors"].items():
        p = np.clip(pct / 100 * h_risk ** 0.8 / np.mean(h_risk ** 0.8), 0, 0.9)
        factors[factor] = rng.random(households) < p
    # The toxic trio cluster in the same households far more than independent draws would give.
    weight = h_risk ** 0.8 / np.mean(h_risk ** 0.8)
    trio = rng.random(households) < np.clip(params["toxic_trio"] / 100 * weight, 0, 0.9)
    for factor in ("domestic_abuse", "parental_mental_health", "parental_substance_misuse"):
        factors[factor] |= trio
    risk_multiplier = 1 + 1.5 * sum(f.astype(float) for f in factors.values())
    h_mobile = rng.random(households) < params["mobile_pct"] / 100 * (1 + (h_ethnicity == "WIRT")
                                                                      * 6 + (h_ethnicity == "WROM") * 6)
    h_moved = h_mobile | (rng.random(households) < params["moved_pct"] / 100)
    prev_area, prev_postcode = places.draw(rng, households)
    ref = days(run.reference_date)
    h_move_date = np.where(h_mobile, ref - rng.integers(10, 270, households) * DAY,
                           ref - rng.integers(10, 730, households) * DAY)
    h_surname = draw_surnames(rng, h_ethnicity)

    dob = ref - rng.integers(0, 18 * 365 + 4, size=n) * DAY
    first_of_household = np.r_[True, household[1:] != household[:-1]]
    # Twins: a second child of the household born the same day.
    twin = (~first_of_household) & (rng.random(n) < params["twin_pct"] / 100 * 2.2)
    twin &= ~np.r_[False, twin[:-1]]
    dob[twin] = dob[np.flatnonzero(twin) - 1]
    sex = np.where(rng.random(n) < params["male_pct"] / 100, "M", "F")
    ethnicity = h_ethnicity[household]
    birth_year = dob.astype("datetime64[Y]").astype(int) + 1970
    forename = draw_forenames(rng, birth_year, sex, ethnicity)
    twin_index = np.flatnonzero(twin)
    clash = forename[twin_index] == forename[twin_index - 1]
    forename[twin_index[clash]] = draw_forenames(
        rng, birth_year[twin_index[clash]], sex[twin_index[clash]], ethnicity[twin_index[clash]])
    surname = h_surname[household].copy()
    # Some children carry another parent's surname than the one the household is known by.
    other = rng.random(n) < 0.12
    surname[other] = draw_surnames(rng, ethnicity[other])

    child_id = identifiers.serial_ids("C", np.arange(1, n + 1))
    twin_of = np.full(n, "", dtype=object)
    twin_of[twin_index] = child_id[twin_index - 1]

    area = h_area[household]
    people = pd.DataFrame({
        "child_id": child_id,
        "household_id": identifiers.serial_ids("H", household),
        "kind": "resident",
        "sex": sex,
        "dob": dob,
        "ethnicity": ethnicity,
        "forename": forename,
        "surname": surname,
        "carer_surname": h_surname[household],
        "lsoa11": places.areas["lsoa11"].to_numpy()[area],
        "ward_code": places.areas["ward_code"].to_numpy()[area],
        "imd_decile": decile[household],
        "postcode": h_postcode[household],
        "address": h_address[household],
        "prev_postcode": np.where(h_moved[household], prev_postcode[household], h_postcode[household]),
        "moved_on": np.where(h_moved[household], h_move_date[household], np.datetime64("NaT")),
        "mobile": h_mobile[household],
        "grt": np.isin(ethnicity, ["WIRT", "WROM"]),
        "uasc": False,
        "twin_of": twin_of,
        "risk": (h_risk * risk_multiplier)[household],
        **{f: v[household] for f, v in factors.items()},
    })
    people["risk"] /= people["risk"].mean()
    numbers = identifiers.nhs_numbers(rng, int(n * 1.03) + 100)
    people["nhs_number"] = numbers[:n]
    assign_education(rng, run, people)
    return people, list(numbers[n:])


def newcomers(rng: np.random.Generator, people: pd.DataFrame, dob: np.ndarray, sex: np.ndarray,
              ethnicity: np.ndarray, kind: str, spare_nhs: list[str]) -> pd.DataFrame:
    """People who are not resident children of a household: unaccompanied asylum-seeking
    children and young adults who left care. They live alone at an address in the LA."""
    n = len(dob)
    home = people.iloc[rng.integers(0, len(people), n)]
    # Unaccompanied children often are not yet registered with a GP.
    has_nhs = (rng.random(n) < 0.6) if kind == "uasc" else np.ones(n, bool)
    nhs = np.array([spare_nhs.pop() if has else "" for has in has_nhs], dtype=object)
    start = len(people)
    child_id = identifiers.serial_ids("C", np.arange(start + 1, start + n + 1))
    surname = draw_surnames(rng, ethnicity)
    birth_year = dob.astype("datetime64[Y]").astype(int) + 1970
    return pd.DataFrame({
        "child_id": child_id,
        "household_id": np.char.add("H", child_id),
        "kind": kind,
        "sex": sex,
        "dob": dob.astype("datetime64[ns]"),
        "ethnicity": ethnicity,
        "forename": draw_forenames(rng, birth_year, sex, ethnicity),
        "surname": surname,
        "carer_surname": surname,
        **{c: home[c].to_numpy() for c in ("lsoa11", "ward_code", "imd_decile", "postcode",
                                            "address")},
        "prev_postcode": home["postcode"].to_numpy(),
        "moved_on": np.datetime64("NaT"),
        "mobile": kind == "uasc",
        "grt": False,
        "uasc": kind == "uasc",
        "twin_of": "",
        "risk": 3.0,
        **{f: False for f in parameters()["household_factors"]},
        "nhs_number": nhs,
        "school_urn": "",
        "nc_year": -1,
        "upn": "",
        "fsm": False,
    }, index=np.arange(start, start + n))


def assign_education(rng: np.random.Generator, run: Setting, people: pd.DataFrame) -> None:
    """Schools, UPNs, national curriculum years and free school meals, in place."""
    params = parameters()["school"]
    n = len(people)
    start = _school_start_year(people["dob"].to_numpy())
    nc_year = (run.year - 1) - start  # 0 = reception in the academic year ending this summer
    at_school = (nc_year >= 0) & (nc_year <= 13)
    at_school &= ~((nc_year >= 12) & (rng.random(n) < 0.55))  # many 16–17s go to college
    grt = people["grt"].to_numpy()
    at_school &= ~(grt & (rng.random(n) < 0.15))  # elective home education
    pupils = max(1, at_school.sum())
    primaries, secondaries = max(1, pupils // 450), max(1, pupils // 1400)
    urns = 100000 + rng.choice(50000, size=primaries + secondaries, replace=False)
    # Children go to a school near home: schools are strips of LSOAs in code order.
    lsoa_rank = pd.factorize(people["lsoa11"], sort=True)[0]
    n_lsoa = lsoa_rank.max() + 1
    primary = lsoa_rank * primaries // n_lsoa
    secondary = primaries + lsoa_rank * secondaries // n_lsoa
    school = np.where(nc_year <= 6, primary, secondary)
    people["school_urn"] = np.where(at_school, urns[school].astype(str), "")
    people["nc_year"] = np.where(at_school, nc_year, -1)
    # The UPN is allocated by the first school, at entry to reception.
    ever_at_school = (nc_year >= 0) & ~(grt & (rng.random(n) < 0.1))
    establishment = 2000 + primary
    key = pd.Series(establishment * 100 + start % 100)
    serial = key.groupby(key).cumcount().to_numpy() + rng.integers(1, 40)
    upn = identifiers.upns(run.authority.dfe_code, establishment, start, serial)
    people["upn"] = np.where(ever_at_school, upn, "")
    step = 1.25 ** (5.5 - people["imd_decile"].to_numpy())
    p_fsm = np.clip(params["fsm_base_pct"] / 100 * step / step.mean(), 0, 0.95)
    people["fsm"] = rng.random(n) < p_fsm
