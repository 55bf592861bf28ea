"""Children's journeys through social care: referrals to care and leaving care.

The event history covers the reporting year and the three before it, so that last
year's returns, re-referrals within 12 months and repeat plans all have their past.
Referral episodes are drawn vectorised over the whole population; care spells,
which a few thousand children have, are walked one by one. Both are calibrated to
the LA's targets (``model.Targets``): the CIN, CLA and CP rates are hit by scaling
the hazards after a first pass, because the stock that results from flows depends
on durations that the published statistics do not give.

Dates are held as integer days since 1970-01-01 throughout (numpy ``int64``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from kinsight.core.reference import postcodes
from kinsight.synth import population
from kinsight.synth.identifiers import serial_ids
from kinsight.synth.model import Setting, parameters, shares

YEAR = 365.25
_PLACEHOLDER_URN = {"A3", "A4", "A5", "A6", "U1", "U2", "U3", "U4", "U5", "U6"}
#: Placements the LA may provide itself anywhere (DfE 1015): foster and adoptive homes, K3.
_OWN_PROVISION_ANYWHERE = _PLACEHOLDER_URN | {"K3"}


def day(d) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


@lru_cache(maxsize=1024)
def _cumulative(items: tuple) -> tuple[np.ndarray, np.ndarray]:
    keys, p = shares(dict(items))
    return keys, np.cumsum(p)


def pick(rng: np.random.Generator, mapping: dict, n: int | None = None):
    """Draw codes from a ``{code: share}`` mapping (one code, or an array of ``n``).

    Care spells draw codes one at a time, hundreds of thousands of times at a million
    children, so the cumulative shares are cached and searched rather than rebuilt.
    """
    keys, cumulative = _cumulative(tuple(mapping.items()))
    where = np.minimum(np.searchsorted(cumulative, rng.random(n), side="right"), len(keys) - 1)
    return str(keys[where]) if n is None else keys[where]


def grouped(keys: np.ndarray, values: np.ndarray) -> dict:
    """``{key: [values…]}`` in key order, without a Python call per group."""
    order = np.argsort(keys, kind="stable")
    keys, values = np.asarray(keys)[order], np.asarray(values)[order]
    cuts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    return {group[0]: list(vals) for group, vals in zip(np.split(keys, cuts), np.split(values, cuts))
            if len(group)}


@dataclass
class History:
    """Every social care event of the synthetic LA, one table per kind of event."""

    referrals: pd.DataFrame = None
    factors: pd.DataFrame = None  # referral_id, factor
    episodes: pd.DataFrame = None  # 903 episodes over the whole history
    reviews: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    social_workers: list = field(default_factory=list)
    adoptions: list = field(default_factory=list)
    spells: pd.DataFrame = None
    care_leavers: pd.DataFrame = None
    early_help: pd.DataFrame = None
    contacts: pd.DataFrame = None


# ---------------------------------------------------------------------------------------------
# Referral episodes (the CIN census's CINdetails)


def _age_weight(age_years: np.ndarray) -> np.ndarray:
    """Referrals peak in infancy and the mid-teens (relative hazard by age)."""
    return np.interp(age_years, [0, 1, 4, 9, 14, 16, 18], [1.5, 1.0, 0.9, 0.9, 1.3, 1.2, 0.6])


def _referral_dates(rng, people, start: int, end: int, scale: float, chain: float):
    """Referral chains: a first referral at the child's hazard, then re-referrals within a year."""
    dob = people["dob"].to_numpy().astype("datetime64[D]").astype(np.int64)
    risk = people["risk"].to_numpy() ** parameters()["referral"]["risk_power"]
    years = (end - start) / YEAR
    mid_age = (start + end) / 2 - dob
    rate = scale * risk * _age_weight(np.clip(mid_age / YEAR, 0, 18))
    count = rng.poisson(rate * years)
    child = np.repeat(np.arange(len(people)), count)
    when = rng.integers(start, end, size=len(child))
    firsts = [(child, when)]
    current_child, current = child, when
    for _ in range(6):
        going_on = rng.random(len(current)) < chain
        current_child = current_child[going_on]
        current = current[going_on] + rng.integers(40, 365, size=going_on.sum())
        firsts.append((current_child, current))
    child = np.concatenate([c for c, _ in firsts])
    when = np.concatenate([w for _, w in firsts])
    alive = (when >= dob[child]) & (when < dob[child] + 18 * YEAR) & (when <= end)
    order = np.lexsort((when[alive], child[alive]))
    return child[alive][order], when[alive][order]


def _gamma_days(rng, mean: float, shape: float, n: int) -> np.ndarray:
    return np.maximum(1, rng.gamma(shape, mean / shape, n)).astype(np.int64)


def referral_episodes(rng, people: pd.DataFrame, start: int, end: int, scale: float,
                      chain: float, cpp_scale: float) -> pd.DataFrame:
    """One row per referral with its assessment, plans and closure (dates as day numbers)."""
    params = parameters()["referral"]
    idx, when = _referral_dates(rng, people, start, end, scale, chain)
    n = len(idx)
    risk = people["risk"].to_numpy()[idx]
    u = rng.random((n, 6))
    nfa = u[:, 0] < params["nfa_pct"] / 100
    not_in_need = ~nfa & (u[:, 1] < params["not_in_need_pct"] / (100 - params["nfa_pct"]))
    in_need = ~nfa & ~not_in_need
    severity = np.clip(risk / np.median(risk), 0.3, 3.0) ** 0.3
    s47 = in_need & (u[:, 2] < params["s47_pct"] / (100 - params["nfa_pct"]
                                                   - params["not_in_need_pct"]) * severity)
    icpc = s47 & (u[:, 3] < params["icpc_pct_of_s47"] / 100 * cpp_scale)
    cpp = icpc & (u[:, 4] < params["cpp_pct_of_icpc"] / 100)
    cin_plan = in_need & ~cpp & (u[:, 5] < params["cin_plan_pct"] / 100)

    assess_start = when + rng.integers(0, 6, n)
    assess_auth = assess_start + np.minimum(_gamma_days(rng, 27, 3, n), 120)
    s47_start = assess_start + rng.integers(0, 5, n)
    icpc_days = np.where(rng.random(n) < 0.81, rng.integers(8, 21, n), rng.integers(22, 45, n))
    icpc_date = working_day(s47_start + icpc_days)
    cpp_end = icpc_date + _gamma_days(rng, 300, 2.2, n)
    cin_start = np.where(cpp, cpp_end, assess_auth)
    cin_end = cin_start + _gamma_days(rng, 200, 2.0, n)
    closure = np.select(
        [nfa, not_in_need, cpp | cin_plan],
        [when + rng.integers(0, 3, n), assess_auth, cin_end + rng.integers(0, 30, n)],
        assess_auth + _gamma_days(rng, 60, 2, n),
    )
    reason = np.select([nfa, not_in_need & (rng.random(n) < 0.3), not_in_need],
                       ["RC8", "RC9", "RC8"], "RC7")
    none = np.int64(-1)
    frame = pd.DataFrame({
        "person": idx,
        "referral_date": when,
        "referral_source": pick(rng, params["sources"], n),
        "primary_need": np.where(nfa, "", pick(rng, params["primary_need"], n)),
        "nfa": nfa,
        "assessment_start": np.where(nfa, none, assess_start),
        "assessment_auth": np.where(nfa, none, assess_auth),
        "in_need": in_need,
        "s47_start": np.where(s47, s47_start, none),
        "icpc_target": np.where(s47, icpc_target(s47_start), none),
        "icpc_date": np.where(icpc, icpc_date, none),
        "cpp_start": np.where(cpp, icpc_date, none),
        "cpp_end": np.where(cpp, cpp_end, none),
        "cin_plan_start": np.where(cpp | cin_plan, cin_start, none),
        "cin_plan_end": np.where(cpp | cin_plan, cin_end, none),
        "closure_date": closure,
        "reason_for_closure": reason,
    })
    return frame[~_overlaps_earlier(frame)].reset_index(drop=True)


def working_day(days: np.ndarray) -> np.ndarray:
    """The day itself, or the Monday after when it falls at a weekend: conferences sit on working days."""
    return np.busday_offset(np.asarray(days).astype("datetime64[D]"), 0, roll="forward").astype(np.int64)


def icpc_target(s47_start: np.ndarray) -> np.ndarray:
    """Working Together: the initial conference within 15 working days of the strategy discussion."""
    return np.busday_offset(np.asarray(s47_start).astype("datetime64[D]"), 15, roll="forward").astype(np.int64)


def _overlaps_earlier(frame: pd.DataFrame) -> np.ndarray:
    """Referrals made while an earlier episode of the same child is still open (frame sorted by child, date).

    A case management system adds such a referral to the open episode rather than opening a
    second one, so the returns never show two CIN episodes of a child open at once (DfE 8820).
    """
    closure = frame["closure_date"].to_numpy()
    still_open = pd.Series(np.where(closure < 0, np.iinfo(np.int64).max, closure)).groupby(
        frame["person"].to_numpy()).cummax()
    open_until = still_open.groupby(frame["person"].to_numpy()).shift(1, fill_value=-1).to_numpy()
    return frame["referral_date"].to_numpy() <= open_until


def _open_during(start, end, year_start: int, year_end: int):
    return (start <= year_end) & ((end < 0) | (end >= year_start))


# ---------------------------------------------------------------------------------------------
# Care spells and episodes (the SSDA903)


def _age_band(age_years: float) -> str:
    if age_years < 1:
        return "0"
    if age_years < 5:
        return "1-4"
    if age_years < 10:
        return "5-9"
    if age_years < 16:
        return "10-15"
    return "16-17"


class _CareWalker:
    """Walks one care spell into 903 episodes, reviews, missing episodes and social workers."""

    def __init__(self, rng, history: History, placements_elsewhere: np.ndarray,
                 placements_here: np.ndarray):
        self.rng = rng
        self.history = history
        self.cla = parameters()["cla"]
        self.elsewhere = placements_elsewhere
        self.here = placements_here
        self.episodes: list[dict] = []

    def walk(self, child: str, dob: int, start: int, end: int, reason: str, home: str,
             uasc: bool, adopted_on: int | None) -> None:
        rng, cla = self.rng, self.cla
        age = (start - dob) / YEAR
        ls = "V2" if uasc else pick(rng, cla["legal_status_at_start"])
        need = "N4" if uasc else pick(rng, cla["need_at_start"])
        rate = rng.gamma(0.6, cla["placement_moves_per_year"] / 0.6)
        moves = np.sort(rng.integers(start + 1, max(start + 2, end), rng.poisson(rate * (end - start) / YEAR)))
        changes: list[tuple[int, str]] = [(int(m), "P") for m in moves]
        if ls in ("L1", "L2"):
            changes.append((start + int(rng.integers(1, 4)), "L:" + pick(rng, {"V2": 50, "C1": 50})))
        if ls in ("C1",) or (ls == "V2" and rng.random() < 0.25):
            changes.append((start + int(rng.integers(120, 330)), "L:C2"))
        if adopted_on is not None:
            order_on = max(start + 30, adopted_on - int(rng.integers(150, 300)))
            placed_on = max(order_on + 10, adopted_on - int(rng.integers(90, 200)))
            changes = [c for c in changes if c[0] < order_on]
            changes += [(order_on, "L:E1"), (placed_on, "A")]
        changes = sorted(c for c in changes if start < c[0] < end)
        place = self._place(age, None)
        pl_post, urn = self._placement_site(place)
        decom, rne = start, "S"
        sw_start = start
        for when, kind in changes + [(end, "END")]:
            reason_change = ""
            if kind == "P":
                reason_change = pick(rng, cla["change_reasons"])
            self.episodes.append({
                "child": child, "DECOM": decom, "RNE": rne, "LS": ls, "CIN": need, "PLACE": place,
                "PLACE_PROVIDER": self._provider(place),
                "DEC": when, "REC": reason if kind == "END" else "X1",
                # DfE records no home postcode, so no distance, for an asylum-seeking child (406).
                "REASON_PLACE_CHANGE": reason_change, "HOME_POST": "" if uasc else home, "PL_POST": pl_post,
                "URN": urn,
            })
            if kind == "END":
                break
            decom = when
            if kind == "P":
                place = self._place((when - dob) / YEAR, place)
                pl_post, urn = self._placement_site(place)
                rne = "P"
            elif kind == "A":
                place = pick(rng, {"A4": 50, "A6": 35, "A3": 10, "A5": 5})
                pl_post, urn = self._placement_site(place)
                rne = "B" if place in ("A3", "A4") else "T"
                adopters = pick(rng, {"MF": 80, "FF": 6, "MM": 5, "F1": 8, "M1": 1})
                single = adopters in ("F1", "M1")
                self.history.adoptions.append({"child": child, "date_placed": when,
                                               "order_on": [d for d, k in changes if k == "L:E1"][0],
                                               "adopted_on": end,
                                               "foster_care": place in ("A5", "A6"),
                                               "adopters": adopters,
                                               "adopters_status": "L4" if single else pick(
                                                   rng, {"L0": 70, "L11": 10, "L12": 15, "L2": 5})})
            else:
                ls = kind.split(":")[1]
                rne = "L"
        self._reviews(child, dob, start, end)
        self._missing(child, dob, start, end)
        while sw_start < end:
            sw_end = sw_start + int(rng.integers(120, 500))
            closed = sw_end < end
            self.history.social_workers.append({
                "child": child, "SW_ID": f"SW{rng.integers(1000, 9999)}", "SW_DECOM": sw_start,
                "SW_DEC": sw_end if closed else end,
                "SW_REASON": pick(rng, {"MANAGE": 30, "LEFTRL": 25, "ORGRST": 15, "CHCHAN": 10,
                                        "ABSENC": 5, "OTHERS": 15}),
                "ended_with_care": not closed})
            sw_start = sw_end

    def _place(self, age: float, previous: str | None) -> str:
        options = dict(self.cla["placements"][_age_band(age)])
        if previous in options and len(options) > 1:
            options[previous] *= 0.3  # a move is usually to a different kind of placement
        return pick(self.rng, options)

    def _provider(self, place: str) -> str:
        return self.cla["providers"].get(place, self.cla["providers"].get(place[0], "PR1"))

    def _placement_site(self, place: str) -> tuple[str, str]:
        # About a fifth of placements are outside the LA, many over 20 miles away; but the LA's
        # own provision (PR1) is inside it, but for the placements DfE lets it have anywhere.
        outside = self.rng.random() < 0.22
        if self._provider(place) == "PR1" and place not in _OWN_PROVISION_ANYWHERE:
            outside = False
        pool = self.elsewhere if outside else self.here
        postcode = str(pool[self.rng.integers(0, len(pool))])
        # Ofsted URNs for children's homes; the DfE placeholder only for adoption agencies and
        # foster carers (DfE 242); none where Ofsted registers no setting.
        urn = (f"SC{self.rng.integers(100000, 999999)}" if place in ("K1", "K2")
               else "XXXXXXX" if place in _PLACEHOLDER_URN else "")
        return postcode, urn

    def _reviews(self, child: str, dob: int, start: int, end: int) -> None:
        when = start + 20
        gaps = [20, 70] + [180] * 60
        for gap in gaps[1:]:
            if when >= end:
                break
            age = (when - dob) / YEAR
            code = "PN0" if age < 4 else pick(self.rng, {"PN1": 55, "PN2": 12, "PN3": 10, "PN4": 8,
                                                        "PN5": 6, "PN6": 5, "PN7": 4})
            self.history.reviews.append({"child": child, "REVIEW": when, "REVIEW_CODE": code})
            when += gap + int(self.rng.integers(-10, 5))

    def _missing(self, child: str, dob: int, start: int, end: int) -> None:
        first_eligible = max(start, dob + int(11 * YEAR))
        if first_eligible >= end:
            return
        years = (end - first_eligible) / YEAR
        if self.rng.random() > 1 - (1 - self.cla["missing_pct"] / 100) ** years:
            return
        for when in np.sort(self.rng.integers(first_eligible, end, self.rng.integers(1, 7))):
            back = int(when) + int(self.rng.integers(0, 4))
            self.history.missing.append({
                "child": child, "MISSING": "M" if self.rng.random() < 0.8 else "A",
                "MIS_START": int(when), "MIS_END": back if self.rng.random() > 0.04 else -1})


def care_spells(rng, run: Setting, n_children: int, first_day: int) -> pd.DataFrame:
    """Care spells over 22 years, thinned to the LA's looked-after rate at 31 March.

    Returns spell rows with the entrant's date of birth; who they are is decided by
    :func:`assign_spells`. Spells that ended before ``first_day`` are dropped.
    """
    cla = parameters()["cla"]
    england = parameters()["england"]
    ref = day(run.reference_date)
    target = run.targets.cla_rate * n_children / 10_000
    starts_per_year = england["cla_starts_rate"] * n_children / 10_000 * run.targets.cla_rate / england["cla_rate"]
    n = rng.poisson(starts_per_year * 22 * 1.6)
    start = rng.integers(ref - int(22 * YEAR), ref + 1, n)
    bands = pick(rng, cla["start_age"], n)
    low = np.select([bands == "0", bands == "1-4", bands == "5-9", bands == "10-15"], [0, 1, 5, 10], 16)
    high = np.select([bands == "0", bands == "1-4", bands == "5-9", bands == "10-15"], [1, 5, 10, 16], 18)
    age = rng.uniform(low, high)
    dob = start - (age * YEAR).astype(np.int64)
    uasc = (age >= 14) & (rng.random(n) < cla["uasc_pct_of_starts"] / 100 / 0.45)
    short = rng.random(n) < cla["short_stay_pct"] / 100
    length = np.where(short, rng.exponential(cla["short_stay_years"] * YEAR, n),
                      rng.exponential(cla["long_stay_years"] * YEAR, n)).astype(np.int64) + 1
    eighteen = dob + int(18 * YEAR)
    adopted = (age < 5) & ~short & (rng.random(n) < cla["adoption_pct_under5"] / 100)
    length = np.where(adopted, rng.integers(420, 900, n), length)
    end = np.minimum(start + length, eighteen)
    spells = pd.DataFrame({"start": start, "end": end, "dob": dob, "uasc": uasc,
                           "adopted": adopted & (end < eighteen), "at_18": end >= eighteen,
                           "u": rng.random(n)})
    in_care = (spells["start"] <= ref) & (spells["end"] > ref)
    keep = spells["u"] < min(1.0, target / max(1, in_care.sum()))
    spells = spells[keep & (spells["end"] >= first_day)].reset_index(drop=True)
    spells.loc[spells["end"] > ref, "end"] = -1  # still in care on the reference date
    return spells.drop(columns="u")


def assign_spells(rng, people: pd.DataFrame, spells: pd.DataFrame, ref: int) -> np.ndarray:
    """Match each spell to a resident child of the right age, favouring higher risk.

    Spells of young people now over 18, and of unaccompanied children, have no resident to
    match; they get -1 and new people are made for them.
    """
    dob = people["dob"].to_numpy().astype("datetime64[D]").astype(np.int64)
    order = np.argsort(dob, kind="stable")
    sorted_dob = dob[order]
    risk = people["risk"].to_numpy()
    taken = np.zeros(len(people), bool)
    chosen = np.full(len(spells), -1)
    for i, (spell_dob, uasc) in enumerate(zip(spells["dob"], spells["uasc"])):
        if uasc or spell_dob < ref - 18 * YEAR:
            continue
        at = np.searchsorted(sorted_dob, spell_dob)
        window = order[max(0, at - 40): at + 40]
        window = window[~taken[window]]
        if len(window) == 0:
            continue
        weights = risk[window] ** 1.3
        pick_one = window[rng.choice(len(window), p=weights / weights.sum())]
        taken[pick_one] = True
        chosen[i] = pick_one
    return chosen


# ---------------------------------------------------------------------------------------------
# The whole history


_CLOSURE_FOR_REC = {"E11": "RC1", "E12": "RC1", "E41": "RC3", "E45": "RC4", "E46": "RC4",
                    "E47": "RC4", "E48": "RC4", "E3": "RC5", "E7": "RC6", "E2": "RC2"}
_UASC_ETHNICITY = {"BAFR": 35, "AOTH": 25, "OOTH": 25, "WOTH": 10, "BOTH": 5}


def simulate(rng, run: Setting, people: pd.DataFrame,
             spare_nhs: list[str]) -> tuple[pd.DataFrame, History]:
    """Run every journey; return the population (with newcomers added) and the history.

    ``spare_nhs`` provides NHS numbers for newcomers and adopted children (consumed).
    """
    params = parameters()
    n_residents = len(people)
    ref = day(run.reference_date)
    year_start = day(run.year_start)
    first_day = year_start - int(3 * YEAR)
    history = History()

    spells = care_spells(rng, run, n_residents, first_day)
    chosen = assign_spells(rng, people, spells, ref)
    spells["person"] = chosen
    new = np.flatnonzero(chosen < 0)
    if len(new):
        uasc = spells["uasc"].to_numpy()[new]
        dob = spells["dob"].to_numpy()[new].astype("datetime64[D]")
        male = rng.random(len(new)) < np.where(uasc, 0.92, 0.55)
        ethnicity = np.where(uasc, pick(rng, _UASC_ETHNICITY, len(new)),
                             people["ethnicity"].to_numpy()[rng.integers(0, n_residents, len(new))])
        kinds = np.where(uasc, "uasc", "care_leaver")
        for k in ("uasc", "care_leaver"):
            mine = kinds == k
            frame = population.newcomers(rng, people, dob[mine], np.where(male, "M", "F")[mine],
                                         ethnicity[mine], k, spare_nhs)
            people = pd.concat([people, frame])
        positions = {k: iter(np.flatnonzero(people["kind"].to_numpy() == k)) for k in ("uasc", "care_leaver")}
        spells.loc[new, "person"] = [next(positions[k]) for k in kinds]
    spells["child_dob"] = people["dob"].to_numpy().astype("datetime64[D]").astype(np.int64)[spells["person"]]

    codes = people["postcode"].to_numpy()
    everywhere = postcodes()["postcode"].to_numpy()
    elsewhere = everywhere[rng.integers(0, len(everywhere), 5000)]
    walker = _CareWalker(rng, history, elsewhere, codes[rng.integers(0, len(codes), 5000)])
    reasons = []
    people["adopted_on"] = np.datetime64("NaT")
    for spell in spells.itertuples():
        end = spell.end if spell.end >= 0 else ref + 3650
        if spell.adopted:
            reason = "E11" if rng.random() < 0.8 else "E12"
        elif spell.at_18:
            reason = pick(rng, params["cla"]["leaving_at_18"])
        else:
            reason = pick(rng, params["cla"]["ceased_reasons"])
        reasons.append(reason)
        walker.walk(str(people["child_id"].iat[spell.person]), spell.child_dob, spell.start, end,
                    reason, str(codes[spell.person]), spell.uasc,
                    end if spell.adopted and spell.end >= 0 else None)
        if spell.adopted and spell.end >= 0:
            people.iat[spell.person, people.columns.get_loc("adopted_on")] = np.datetime64(int(spell.end), "D")
    spells["reason"] = reasons
    episodes = pd.DataFrame(walker.episodes)
    episodes.loc[episodes["DEC"] > ref, ["DEC", "REC"]] = [-1, ""]
    episodes.loc[episodes["DEC"] < 0, "REASON_PLACE_CHANGE"] = ""
    history.episodes = episodes
    history.spells = spells
    _adopt(rng, people, spare_nhs)
    history.care_leavers = _care_leavers(spells, people, ref)

    cla_referrals = _care_referrals(rng, spells, people)
    residents = people.iloc[:n_residents]
    # Calibrate: CIN at any point and CP plans at 31 March, from a first pass.
    target_cin = run.targets.cin_rate * n_residents / 10_000
    target_cpp = run.targets.cpp_rate * n_residents / 10_000
    cla_children = set(cla_referrals.loc[_open_during(cla_referrals["referral_date"],
                                                       cla_referrals["closure_date"], year_start, ref),
                                         "person"])
    scale, cpp_scale = 0.05, 1.0
    chain = params["referral"]["chain_pct"] / 100
    for _ in range(3):
        seed = rng.bit_generator.state
        referrals = referral_episodes(rng, residents, first_day, ref, scale, chain, cpp_scale)
        open_now = _open_during(referrals["referral_date"], referrals["closure_date"], year_start, ref)
        cin = len(set(referrals.loc[open_now & ~referrals["nfa"], "person"]) | cla_children)
        cpp = ((referrals["cpp_start"] >= 0) & (referrals["cpp_start"] <= ref)
               & (referrals["cpp_end"] > ref)).sum()
        rereferral = _rereferral_share(referrals, year_start, ref)
        scale *= max(0.2, target_cin - len(cla_children)) / max(1, cin - len(cla_children))
        cpp_scale *= target_cpp / max(1, cpp)
        chain = min(0.6, chain * run.targets.rereferral_pct / 100 / max(0.01, rereferral))
        rng.bit_generator.state = seed
    referrals = referral_episodes(rng, residents, first_day, ref, scale, chain, cpp_scale)
    in_care_episode = _during(referrals, cla_referrals)
    referrals = pd.concat([referrals[~in_care_episode], cla_referrals], ignore_index=True)
    referrals = referrals.sort_values(["person", "referral_date"], kind="stable").reset_index(drop=True)
    _close_at_18(referrals, people, ref)
    _previous_plans(rng, referrals, run.targets.repeat_cpp_pct / 100, year_start)
    referrals.loc[referrals["closure_date"] > ref, ["closure_date", "reason_for_closure"]] = [-1, ""]
    referrals.loc[referrals["cpp_end"] > ref, "cpp_end"] = -1
    referrals.loc[referrals["cin_plan_end"] > ref, "cin_plan_end"] = -1
    referrals.insert(0, "referral_id", serial_ids("R", np.arange(1, len(referrals) + 1)))
    categories = params["cpp_category"]
    referrals["initial_category"] = pick(rng, categories, len(referrals))
    referrals["latest_category"] = np.where(rng.random(len(referrals)) < 0.85, referrals["initial_category"],
                                            pick(rng, categories, len(referrals)))
    history.referrals = referrals
    people["disability"] = np.where(rng.random(len(people)) < 0.08, pick(rng, {
        "LD": 30, "AUT": 25, "COMM": 15, "BEH": 10, "MOB": 8, "HEAR": 4, "VIS": 3, "PC": 3, "DDA": 2},
        len(people)), "NONE")
    # The case management system's own child id: what the LA's returns are keyed on.
    people["la_child_id"] = np.char.add(
        "LA", (1_000_000 + rng.choice(9_000_000, size=len(people), replace=False)).astype(str))
    history.factors = _assessment_factors(rng, referrals, people)
    history.early_help = _early_help(rng, residents, first_day, ref, params["early_help_rate"])
    history.contacts = _contacts(rng, referrals, residents, first_day, ref, params["contacts_per_referral"])
    return people, history


def _during(referrals: pd.DataFrame, episodes: pd.DataFrame) -> np.ndarray:
    """Referrals whose episode overlaps one of the child's given episodes (open ones run on)."""
    def span(frame):
        end = frame["closure_date"].to_numpy()
        return pd.DataFrame({"person": frame["person"].to_numpy(), "start": frame["referral_date"].to_numpy(),
                             "end": np.where(end < 0, np.iinfo(np.int64).max, end)})
    mine = span(referrals).reset_index(names="row")
    pairs = mine.merge(span(episodes), on="person", suffixes=("", "_other"))
    clash = pairs.loc[(pairs["start"] <= pairs["end_other"]) & (pairs["start_other"] <= pairs["end"]), "row"]
    return np.isin(np.arange(len(referrals)), clash.to_numpy())


def _rereferral_share(referrals: pd.DataFrame, year_start: int, ref: int) -> float:
    person = referrals["person"].to_numpy()
    when = referrals["referral_date"].to_numpy()
    previous = np.r_[False, (person[1:] == person[:-1]) & (when[1:] - when[:-1] <= 365)]
    in_year = (when >= year_start) & (when <= ref)
    return previous[in_year].mean() if in_year.any() else 0.0


def _care_referrals(rng, spells: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """The CIN episode around each care spell: referred, assessed, often protected first."""
    n = len(spells)
    start = spells["start"].to_numpy()
    end = spells["end"].to_numpy()
    referral = start - rng.integers(3, 90, n)
    # A short spell can end before the assessment would have been signed off: it is
    # authorised by the day the case closes (DfE 8565).
    auth = referral + rng.integers(5, 40, n)
    auth = np.where(end >= 0, np.minimum(auth, end), auth)
    s47 = rng.random(n) < 0.55
    cpp = s47 & (rng.random(n) < 0.45) & (start - referral > 30)
    icpc = working_day(referral + 20)
    none = np.int64(-1)
    closure = np.where(end >= 0, end, none)
    reason = [_CLOSURE_FOR_REC.get(r, "RC7") for r in spells["reason"]]
    return pd.DataFrame({
        "person": spells["person"].to_numpy(),
        "referral_date": referral,
        "referral_source": pick(rng, parameters()["referral"]["sources"], n),
        "primary_need": pick(rng, parameters()["cla"]["need_at_start"], n),
        "nfa": False,
        "assessment_start": referral + 1,
        "assessment_auth": auth,
        "in_need": True,
        "s47_start": np.where(s47, referral + 2, none),
        "icpc_target": np.where(s47, icpc_target(referral + 2), none),
        "icpc_date": np.where(cpp, icpc, none),
        "cpp_start": np.where(cpp, icpc, none),
        "cpp_end": np.where(cpp, start, none),
        "cin_plan_start": none,
        "cin_plan_end": none,
        "closure_date": closure,
        "reason_for_closure": np.where(closure >= 0, reason, ""),
    })


def _close_at_18(referrals: pd.DataFrame, people: pd.DataFrame, ref: int) -> None:
    """Children's social care episodes end at 18, however the plan was going."""
    dob = people["dob"].to_numpy().astype("datetime64[D]").astype(np.int64)[referrals["person"]]
    eighteen = dob + int(18 * YEAR)
    late = (eighteen <= ref) & ((referrals["closure_date"] < 0) | (referrals["closure_date"] > eighteen))
    referrals.loc[late, "closure_date"] = eighteen[late]
    referrals.loc[late, "reason_for_closure"] = "RC7"
    for start, end in (("cpp_start", "cpp_end"), ("cin_plan_start", "cin_plan_end")):
        over = (referrals[start] >= 0) & (referrals[end] > eighteen) | (
            (referrals[start] >= 0) & (referrals[end] < 0) & (eighteen <= ref))
        referrals.loc[over, end] = eighteen[over]


def _previous_plans(rng, referrals: pd.DataFrame, repeat_share: float, year_start: int) -> None:
    """NumberOfPreviousCPP: plans earlier in the history plus some before it began."""
    has_plan = referrals["cpp_start"] >= 0
    earlier = has_plan.astype(int).groupby(referrals["person"]).cumsum() - has_plan.astype(int)
    in_year = has_plan & (referrals["cpp_start"] >= year_start)
    already = (earlier[in_year] > 0).mean() if in_year.any() else 0.0
    before_history = (repeat_share - already) / max(0.01, 1 - already)
    prior = rng.random(referrals["person"].max() + 1) < max(0.0, before_history)
    referrals["previous_cpp"] = np.where(
        has_plan, earlier + prior[referrals["person"]].astype(int), -1)


def _assessment_factors(rng, referrals: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Factors at the end of each assessment: the household's circumstances and the child's."""
    params = parameters()
    assessed = referrals[referrals["assessment_start"] >= 0]
    rows = []
    person = assessed["person"].to_numpy()
    ids = assessed["referral_id"].to_numpy()
    for factor, codes in params["household_factor_codes"].items():
        flag = people[factor].to_numpy()[person] & (rng.random(len(person)) < 0.85)
        code = np.array(codes if isinstance(codes, list) else [codes])
        rows.append(pd.DataFrame({"referral_id": ids[flag], "factor": code[rng.integers(0, len(code), flag.sum())]}))
    for code, pct in params["child_factors"].items():
        flag = rng.random(len(person)) < pct / 100
        rows.append(pd.DataFrame({"referral_id": ids[flag], "factor": code}))
    uasc = people["uasc"].to_numpy()[person]
    rows.append(pd.DataFrame({"referral_id": ids[uasc], "factor": "9A"}))
    factors = pd.concat(rows, ignore_index=True).drop_duplicates()
    without = ~pd.Series(ids).isin(factors["referral_id"]).to_numpy()
    factors = pd.concat([factors, pd.DataFrame({"referral_id": ids[without], "factor": "21"})])
    return factors.sort_values(["referral_id", "factor"]).reset_index(drop=True)


def _adopt(rng, people: pd.DataFrame, spare_nhs: list[str]) -> None:
    """Adopted children are re-registered: a new NHS number, the adopters' surname and home."""
    adopted = people["adopted_on"].notna().to_numpy()
    n = adopted.sum()
    people["adopted"] = adopted
    people["adoptive_surname"] = ""
    people["adoptive_nhs_number"] = ""
    people["adoptive_postcode"] = ""
    people.loc[adopted, "adoptive_surname"] = population.draw_surnames(rng, np.full(n, "WBRI"))
    people.loc[adopted, "adoptive_nhs_number"] = [spare_nhs.pop() for _ in range(n)]
    people.loc[adopted, "adoptive_postcode"] = people["postcode"].to_numpy()[rng.integers(0, len(people), n)]


def _care_leavers(spells: pd.DataFrame, people: pd.DataFrame, ref: int) -> pd.DataFrame:
    """Young people who left care at 16 or over after 13 weeks or more: OC3's population."""
    ended = spells[(spells["end"] >= 0) & ~spells["adopted"]]
    left_old = (ended["end"] - ended["child_dob"]) >= 16 * YEAR
    long_enough = (ended["end"] - ended["start"]) >= 91
    leavers = ended[left_old & long_enough]
    leavers = leavers.sort_values("end").drop_duplicates("person", keep="last")
    return pd.DataFrame({"person": leavers["person"].to_numpy(), "left_care": leavers["end"].to_numpy(),
                         "dob": leavers["child_dob"].to_numpy()})


def _early_help(rng, residents: pd.DataFrame, start: int, end: int, rate: float) -> pd.DataFrame:
    risk = residents["risk"].to_numpy()
    years = (end - start) / YEAR
    count = rng.poisson(rate / 10_000 * risk * years)
    person = np.repeat(np.arange(len(residents)), count)
    begin = rng.integers(start, end, len(person))
    finish = begin + rng.integers(60, 300, len(person))
    dob = residents["dob"].to_numpy().astype("datetime64[D]").astype(np.int64)[person]
    ok = begin >= dob
    finish = np.where(finish > end, -1, finish)
    return pd.DataFrame({"person": person[ok], "start": begin[ok], "end": finish[ok]})


def _contacts(rng, referrals, residents, start, end, per_referral: float) -> pd.DataFrame:
    """Contacts to the front door: one before each referral, and more that go no further."""
    sources = parameters()["referral"]["sources"]
    before = pd.DataFrame({"person": referrals["person"], "date": referrals["referral_date"] - rng.integers(0, 3, len(referrals)),
                           "source": referrals["referral_source"]})
    extra_n = int(len(referrals) * (per_referral - 1))
    risk = residents["risk"].to_numpy()
    person = rng.choice(len(residents), size=extra_n, p=risk / risk.sum())
    dob = residents["dob"].to_numpy().astype("datetime64[D]").astype(np.int64)[person]
    when = rng.integers(start, end, extra_n)
    ok = when >= dob
    extra = pd.DataFrame({"person": person[ok], "date": when[ok], "source": pick(rng, sources, ok.sum())})
    return pd.concat([before, extra], ignore_index=True).sort_values(["date", "person"]).reset_index(drop=True)
