"""The statutory returns, derived from the event history as DfE and Ofsted ask for them.

Each return is a snapshot of the history as it stood at the end of its collection
year: events after 31 March are not yet known, so an episode, plan or case still
open then is written open (blank end date) even if the history closes it later.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd
import yaml
from lxml import etree

from kinsight.synth.identifiers import serial_ids
from kinsight.synth.journeys import YEAR, History, grouped, pick
from kinsight.synth.model import parameters

_DATA = files("kinsight.synth") / "data"
_EPOCH = np.datetime64("1970-01-01", "D")


@cache
def layouts() -> dict:
    """``returns.yaml``: 903 headers, Annex A columns, placement codes by year."""
    return yaml.safe_load((_DATA / "returns.yaml").read_text(encoding="utf-8"))


def dates(values, fmt: str = "%d/%m/%Y") -> np.ndarray:
    """Day numbers as text; negative (unknown or not yet) as blank."""
    values = np.asarray(values, dtype=np.int64)
    text = pd.to_datetime(np.maximum(values, 0), unit="D").strftime(fmt).to_numpy(dtype=object)
    text[values < 0] = ""
    return text


class Year:
    """One collection year's window and its DfE conventions."""

    def __init__(self, year: int):
        self.year = year
        self.start = int(np.datetime64(f"{year - 1}-04-01", "D").astype(np.int64))
        self.end = int(np.datetime64(f"{year}-03-31", "D").astype(np.int64))

    def sex(self, sex: np.ndarray) -> np.ndarray:
        """903 and CIN sex codes: M/F/U from 2025, 1/2/0 before."""
        if self.year >= 2025:
            return sex
        return np.select([sex == "M", sex == "F"], ["1", "2"], "0")

    def as_known(self, values: np.ndarray) -> np.ndarray:
        """Dates after the year's end are not known at the time of the return."""
        values = np.asarray(values, dtype=np.int64)
        return np.where(values > self.end, -1, values)

    def overlaps(self, start, end) -> np.ndarray:
        start, end = np.asarray(start), np.asarray(end)
        return (start <= self.end) & ((end < 0) | (end >= self.start))


def _dob(people: pd.DataFrame, persons: np.ndarray) -> np.ndarray:
    return people["dob"].to_numpy().astype("datetime64[D]").astype(np.int64)[persons]


# ---------------------------------------------------------------------------------------------
# SSDA903


def care_leavers_of_year(history: History, y: Year) -> pd.DataFrame:
    """Care leavers with their 17th to 21st birthday in the year (OC3's population)."""
    leavers = history.care_leavers
    age = ((y.end - leavers["dob"]) / YEAR).astype(int)
    return leavers[(age >= 17) & (age <= 21) & (leavers["left_care"] <= y.end)]


def ssda903(rng, people: pd.DataFrame, history: History, year: int,
            leavers: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every 903 table of one collection year, keyed by file name, with DfE headers.

    ``leavers`` are the year's care leaver outcomes (:func:`care_leaver_outcomes`).
    """
    y = Year(year)
    ids = people["la_child_id"].to_numpy()
    index = pd.Series(np.arange(len(people)), index=people["child_id"].to_numpy())
    ep = history.episodes
    ep = ep[y.overlaps(ep["DECOM"], ep["DEC"])].copy()
    ep["person"] = index[ep["child"]].to_numpy()
    unknown_end = ep["DEC"] > y.end
    ep.loc[unknown_end, ["DEC", "REC", "REASON_PLACE_CHANGE"]] = [-1, "", ""]
    retired = layouts()["placement_codes_by_year"].get(year, {})
    ep["PLACE"] = ep["PLACE"].replace(retired)
    tables: dict[str, pd.DataFrame] = {}

    in_header = np.union1d(ep["person"].unique(), leavers["person"].to_numpy())
    dob = _dob(people, in_header)
    sex = people["sex"].to_numpy()[in_header]
    upn = people["upn"].to_numpy()[in_header].astype(object)
    age = (y.end - dob) / YEAR
    upn[upn == ""] = np.where(age[upn == ""] < 5, "UN1", "UN2")
    # Recorded for every girl looked after in the year (DfE 393), not for care leavers who
    # were not (DfE 628); a mother only from 12.
    looked_after = np.isin(in_header, ep["person"].unique())
    mother = np.where((sex == "F") & looked_after, "0", "")
    mother[(mother == "0") & (age >= 12) & (rng.random(len(in_header)) < 0.02)] = "1"
    mc_dob = np.where(mother == "1", dates(y.end - rng.integers(30, 600, len(in_header))), "")
    header = pd.DataFrame({"CHILD": ids[in_header], "SEX": y.sex(sex), "DOB": dates(dob),
                           "ETHNIC": people["ethnicity"].to_numpy()[in_header], "UPN": upn,
                           "MOTHER": mother, "MC_DOB": mc_dob})
    tables["header.csv"] = header
    dob_of = dict(zip(ids[in_header], header["DOB"]))

    def with_dob(frame: pd.DataFrame) -> pd.DataFrame:
        frame.insert(1, "DOB", frame["CHILD"].map(dob_of))
        return frame

    # Previous permanence is asked of children who start to be looked after in the year (DfE 634).
    started_this_year = ((ep["RNE"] == "S") & (ep["DECOM"] >= y.start)).to_numpy()
    episodes = pd.DataFrame({"CHILD": ids[ep["person"]]})
    for column in ("DECOM", "DEC"):
        ep[column] = dates(ep[column])
    for column in layouts()["ssda903"]["episodes.csv"][1:]:
        episodes[column] = ep[column].to_numpy()
    tables["episodes.csv"] = episodes

    reviews = pd.DataFrame(history.reviews)
    reviews = reviews[(reviews["REVIEW"] >= y.start) & (reviews["REVIEW"] <= y.end)]
    tables["reviews.csv"] = with_dob(pd.DataFrame({
        "CHILD": ids[index[reviews["child"]].to_numpy()], "REVIEW": dates(reviews["REVIEW"]),
        "REVIEW_CODE": reviews["REVIEW_CODE"].to_numpy()}))

    uasc = np.flatnonzero(people["uasc"].to_numpy()[in_header])
    tables["uasc.csv"] = pd.DataFrame({
        "CHILD": ids[in_header][uasc], "SEX": header["SEX"].to_numpy()[uasc],
        "DOB": header["DOB"].to_numpy()[uasc], "DUC": dates(dob[uasc] + int(18 * YEAR))})

    tables["oc2.csv"] = with_dob(_oc2(rng, people, history, y))
    oc3 = leavers[["IN_TOUCH", "ACTIV", "ACCOM"]].copy()
    oc3.insert(0, "CHILD", ids[leavers["person"].to_numpy()])
    tables["oc3.csv"] = with_dob(oc3)
    ad1, placed = _adoption_tables(rng, people, history, y, index)
    tables["ad1.csv"] = with_dob(ad1)
    tables["placed_for_adoption.csv"] = with_dob(placed)

    starters = ep.loc[started_this_year, "person"].unique()
    prev = pick(rng, {"Z1": 88, "P1": 4, "P2": 3, "P3": 2, "P4": 3}, len(starters))
    tables["previous_permanence.csv"] = with_dob(pd.DataFrame({
        "CHILD": ids[starters], "PREV_PERM": prev, "LA_PERM": "",
        "DATE_PERM": np.where(prev == "Z1", "",
                              dates(_dob(people, starters) + rng.integers(400, 1500, len(starters))))}))

    missing = pd.DataFrame(history.missing)
    missing = missing[(missing["MIS_START"] >= y.start) & (missing["MIS_START"] <= y.end)]
    tables["missing.csv"] = with_dob(pd.DataFrame({
        "CHILD": ids[index[missing["child"]].to_numpy()], "MISSING": missing["MISSING"].to_numpy(),
        "MIS_START": dates(missing["MIS_START"]), "MIS_END": dates(y.as_known(missing["MIS_END"]))}))

    workers = pd.DataFrame(history.social_workers)
    workers = workers[y.overlaps(workers["SW_DECOM"], workers["SW_DEC"])]
    # When care ends the child keeps their social worker (now as a child in need or care
    # leaver), so that episode is still open at 31 March (DfE SW17STG2).
    unknown = (workers["SW_DEC"].to_numpy() > y.end) | workers["ended_with_care"].to_numpy()
    tables["sw_episodes.csv"] = with_dob(pd.DataFrame({
        "CHILD": ids[index[workers["child"]].to_numpy()], "SW_ID": workers["SW_ID"].to_numpy(),
        "SW_DECOM": dates(workers["SW_DECOM"]),
        "SW_DEC": dates(np.where(unknown, -1, workers["SW_DEC"])),
        "SW_REASON": workers["SW_REASON"].to_numpy()}))
    columns = dict(layouts()["ssda903"])
    for first_year, added in layouts()["ssda903_added"].items():
        if year >= first_year:
            columns |= added
            tables["dolo.csv"] = with_dob(_deprivation_of_liberty(rng, ep, ids, y))
    return {name: frame[columns[name]].reset_index(drop=True) for name, frame in tables.items()}


def _deprivation_of_liberty(rng, ep: pd.DataFrame, ids: np.ndarray, y: Year) -> pd.DataFrame:
    """Deprivation of liberty orders (903 from 2026/27): some children in children's homes."""
    homes = ep[ep["PLACE"].isin(["K1", "K2"])].drop_duplicates("person")
    ordered = homes[rng.random(len(homes)) < 0.15]
    start = np.full(len(ordered), y.start) + rng.integers(0, 300, len(ordered))
    end = start + rng.integers(30, 400, len(ordered))
    return pd.DataFrame({"CHILD": ids[ordered["person"].to_numpy()], "DOLO_START": dates(start),
                         "DOLO_END": dates(y.as_known(end))})


def _oc2(rng, people, history: History, y: Year) -> pd.DataFrame:
    """Children looked after continuously for 12 months at 31 March: health and offending."""
    spells = history.spells
    long_stay = (spells["start"] <= y.end - 365) & ((spells["end"] < 0) | (spells["end"] > y.end))
    persons = spells.loc[long_stay, "person"].unique()
    n = len(persons)
    age = (y.end - _dob(people, persons)) / YEAR
    oc2 = parameters()["oc2"]

    def flag(pct, applies=True):
        return np.where(applies, (rng.random(n) < pct / 100).astype(int).astype(str), "")

    sdq_due = (age >= 4) & (age < 17)
    has_sdq = sdq_due & (rng.random(n) < 0.8)
    score = np.clip(rng.normal(oc2["sdq_mean"], oc2["sdq_sd"], n).round(), 0, 40).astype(int)
    return pd.DataFrame({
        "CHILD": people["la_child_id"].to_numpy()[persons],
        "SDQ_SCORE": np.where(has_sdq, score.astype(str), ""),
        "SDQ_REASON": np.where(has_sdq, "", np.where(sdq_due, pick(rng, {"SDQ2": 30, "SDQ3": 30, "SDQ4": 25, "SDQ5": 15}, n), "SDQ1")),
        "CONVICTED": flag(oc2["convicted_pct"], age >= 10),
        "HEALTH_CHECK": flag(oc2["development_check_pct"], age < 5),
        "IMMUNISATIONS": flag(oc2["immunisations_pct"]),
        "TEETH_CHECK": flag(oc2["teeth_check_pct"]),
        "HEALTH_ASSESSMENT": flag(oc2["health_assessment_pct"]),
        "SUBSTANCE_MISUSE": flag(oc2["substance_misuse_pct"]),
        "INTERVENTION_RECEIVED": "",
        "INTERVENTION_OFFERED": "",
    })


def care_leaver_outcomes(rng, leavers: pd.DataFrame, y: Year) -> pd.DataFrame:
    """True activity and accommodation of care leavers around a birthday in the year."""
    params = parameters()
    band = np.where((y.end - leavers["dob"].to_numpy()) / YEAR < 19, "17-18", "19-21")
    n = len(leavers)
    targets = params["england"]["care_leavers"]
    eet_share = np.array([targets[b]["eet_pct"] for b in band]) / 100
    suitable_share = np.array([targets[b]["suitable_pct"] for b in band]) / 100
    cl = params["care_leaver"]
    in_touch = rng.random(n) < cl["in_touch_pct"] / 100
    eet = in_touch & (rng.random(n) < eet_share / (cl["in_touch_pct"] / 100))
    suitable = in_touch & (rng.random(n) < suitable_share / (cl["in_touch_pct"] / 100))
    activity = np.where(eet, pick(rng, cl["eet_activity"], n), pick(rng, cl["neet_activity"], n))
    accommodation = np.where(suitable, np.char.add(pick(rng, cl["suitable_accommodation"], n), "1"),
                             np.char.add(pick(rng, cl["unsuitable_accommodation"], n), "2"))
    not_in_touch = pick(rng, {"NO": 70, "REFU": 20, "NREQ": 10}, n)
    return pd.DataFrame({
        "person": leavers["person"].to_numpy(),
        "left_care": leavers["left_care"].to_numpy(),
        "band": band,
        "IN_TOUCH": np.where(in_touch, "YES", not_in_touch),
        "ACTIV": np.where(in_touch, activity, "0"),
        "ACCOM": np.where(in_touch, accommodation, "0"),
        "suitable": suitable,
    })


def _adoptions(history: History) -> pd.DataFrame:
    return pd.DataFrame(history.adoptions, columns=["child", "date_placed", "order_on", "adopted_on",
                                                    "foster_care", "adopters", "adopters_status"])


def _number_of_adopters(adopters) -> np.ndarray:
    """``F1``/``M1`` are single adopters; every other SEX_ADOPTR code is a couple."""
    return np.where(np.isin(np.asarray(adopters), ["F1", "M1"]), 1, 2)


def _adoption_tables(rng, people, history: History, y: Year, index: pd.Series):
    adoptions = _adoptions(history)
    ids = people["la_child_id"].to_numpy()
    decided = adoptions["order_on"] - 60
    adopted = adoptions[(adoptions["adopted_on"] >= y.start) & (adoptions["adopted_on"] <= y.end)]
    pair = adopted["adopters"].to_numpy()
    ad1 = pd.DataFrame({
        "CHILD": ids[index[adopted["child"]].to_numpy()],
        "DATE_INT": dates(adopted["order_on"] - 60),
        "DATE_MATCH": dates(adopted["date_placed"] - 20),
        "FOSTER_CARE": adopted["foster_care"].astype(int).astype(str).to_numpy(),
        "NB_ADOPTR": _number_of_adopters(pair).astype(str),
        "SEX_ADOPTR": pair,
        "LS_ADOPTR": adopted["adopters_status"].to_numpy(),
    })
    known = adoptions[(decided <= y.end) & (adoptions["adopted_on"] >= y.start)]
    ceased = known["adopted_on"] <= y.end
    placed = pd.DataFrame({
        "CHILD": ids[index[known["child"]].to_numpy()],
        "DATE_PLACED": dates(known["order_on"] - 60),
        "DATE_PLACED_CEASED": np.where(ceased, dates(known["adopted_on"]), ""),
        "REASON_PLACED_CEASED": np.where(ceased, "RD1", ""),
    })
    return ad1, placed


# ---------------------------------------------------------------------------------------------
# CIN census


#: Ofsted's provider lists as an LA downloads them (the columns csc-validator-be-903 reads).
CHILDRENS_HOMES_COLUMNS = ["URN", "Local Authority", "Provider Code", "Provider Placement Code", "Closed Date",
                           "Setting Postcode"]
SOCIAL_CARE_PROVIDERS_COLUMNS = ["URN", "Local authority", "Placement code", "Placement provider code",
                                 "Deregistration date", "Setting postcode"]


def ofsted_provider_lists(episodes: list[pd.DataFrame], la_name: str) -> dict[str, dict[str, pd.DataFrame]]:
    """Ofsted's children's homes and social care providers lists for the settings the 903
    episodes (of every year generated) name by URN, as workbooks of sheets.

    Every URN the LA uses is a children's home (K1/K2) of its own, open, at the placement's
    postcode; so the lists agree with the fault-free return. The social care providers list
    (fostering and adoption agencies, which the 903 records as XXXXXXX) has its two sheets,
    current and closed providers, with no rows.
    """
    placed = pd.concat(episodes)
    placed = placed[placed["URN"].fillna("").str.startswith("SC")].drop_duplicates("URN")
    homes = pd.DataFrame({
        "URN": placed["URN"], "Local Authority": la_name, "Provider Code": placed["PLACE"],
        "Provider Placement Code": placed["PLACE_PROVIDER"], "Closed Date": "",
        "Setting Postcode": placed["PL_POST"],
    }, columns=CHILDRENS_HOMES_COLUMNS).sort_values("URN")
    empty = pd.DataFrame(columns=SOCIAL_CARE_PROVIDERS_COLUMNS)
    return {
        "childrens_homes.xlsx": {"Provider information": homes},
        "social_care_providers.xlsx": {"Current providers": empty.drop(columns="Deregistration date"),
                                       "Closed providers": empty},
    }


def cin_census(people: pd.DataFrame, history: History, year: int, dfe_code: str) -> bytes:
    """The CIN census XML of one collection year (2026 schema element order)."""
    y = Year(year)
    r = history.referrals
    r = r[y.overlaps(r["referral_date"], r["closure_date"])]
    factors = history.factors[history.factors["referral_id"].isin(r["referral_id"])]
    factors_of = grouped(factors["referral_id"].to_numpy(), factors["factor"].to_numpy())
    root = etree.Element("Message")
    header = etree.SubElement(root, "Header")
    details = etree.SubElement(header, "CollectionDetails")
    _text(details, "Collection", "CIN")
    _text(details, "Year", str(year))
    _text(details, "ReferenceDate", f"{year}-03-31")
    source = etree.SubElement(header, "Source")
    _text(source, "SourceLevel", "L")
    _text(source, "LEA", dfe_code)
    _text(source, "SoftwareCode", "Kinsight synthetic LA")
    _text(source, "Release", "1")
    _text(source, "SerialNo", "001")
    _text(source, "DateTime", datetime(year, 4, 20, 9, 0).isoformat())
    children = etree.SubElement(root, "Children")
    r = _this_years_groups(r, y)
    iso = {c: dates(y.as_known(r[c]), "%Y-%m-%d") for c in (
        "referral_date", "closure_date", "assessment_start", "assessment_auth", "s47_start",
        "icpc_date", "cpp_start", "cpp_end", "cin_plan_start", "cin_plan_end")}
    iso["icpc_target"] = dates(r["icpc_target"], "%Y-%m-%d")
    # Guidance: the conference is recorded on its Section 47 enquiry; at episode level only
    # when that enquiry is not in this return (DfE 2884 rejects it at both).
    iso["episode_icpc"] = np.where(r["s47_start"] >= 0, "", iso["icpc_date"])
    r = r.assign(**{f"{k}_text": v for k, v in iso.items()}).sort_values(["person", "referral_date"], kind="stable")
    la_child_id = people["la_child_id"].to_numpy()
    upns = people["upn"].to_numpy()
    unknown_upn = np.where(people["nc_year"].to_numpy() < 0, "UN1", "UN2")
    birth = dates(_dob(people, np.arange(len(people))), "%Y-%m-%d")
    sex = y.sex(people["sex"].to_numpy())
    ethnicity = people["ethnicity"].to_numpy()
    disability = people["disability"].to_numpy()
    records = list(r.itertuples(index=False))
    starts = np.flatnonzero(np.r_[True, r["person"].to_numpy()[1:] != r["person"].to_numpy()[:-1]])
    for first, stop in zip(starts, np.r_[starts[1:], len(records)]):
        person, episodes = records[first].person, records[first:stop]
        child = etree.SubElement(children, "Child")
        ident = etree.SubElement(child, "ChildIdentifiers")
        _text(ident, "LAchildID", la_child_id[person])
        _text(ident, "UPN", upns[person])
        _text(ident, "UPNunknown", "" if upns[person] else unknown_upn[person])
        _text(ident, "PersonBirthDate", birth[person])
        _text(ident, "Sex", str(sex[person]))
        chars = etree.SubElement(child, "ChildCharacteristics")
        _text(chars, "Ethnicity", ethnicity[person])
        disabled = etree.SubElement(chars, "Disabilities")
        _text(disabled, "Disability", disability[person])
        for e in episodes:
            cin = etree.SubElement(child, "CINdetails")
            _text(cin, "CINreferralDate", e.referral_date_text)
            _text(cin, "ReferralSource", e.referral_source)
            _text(cin, "PrimaryNeedCode", e.primary_need)
            _text(cin, "CINclosureDate", e.closure_date_text)
            _text(cin, "ReasonForClosure", e.reason_for_closure if e.closure_date_text else "")
            _text(cin, "DateOfInitialCPC", e.episode_icpc_text)
            assessment = _block(cin, "Assessments", ("AssessmentActualStartDate", e.assessment_start_text),
                                ("AssessmentAuthorisationDate", e.assessment_auth_text))
            if assessment is not None and e.assessment_auth_text:
                f = etree.SubElement(assessment, "FactorsIdentifiedAtAssessment")
                for factor in factors_of.get(e.referral_id, ["21"]):
                    _text(f, "AssessmentFactors", factor)
            _block(cin, "CINPlanDates", ("CINPlanStartDate", e.cin_plan_start_text),
                   ("CINPlanEndDate", e.cin_plan_end_text))
            _block(cin, "Section47", ("S47ActualStartDate", e.s47_start_text),
                   ("InitialCPCtarget", e.icpc_target_text), ("DateOfInitialCPC", e.icpc_date_text),
                   ("ICPCnotRequired", "0" if e.icpc_date >= 0 else "1"))
            _text(cin, "ReferralNFA", "1" if e.nfa else "0")
            cpp = _block(cin, "ChildProtectionPlans", ("CPPstartDate", e.cpp_start_text),
                         ("CPPendDate", e.cpp_end_text), ("InitialCategoryOfAbuse", e.initial_category),
                         ("LatestCategoryOfAbuse", e.latest_category),
                         ("NumberOfPreviousCPP", str(max(0, e.previous_cpp))))
            if cpp is not None:
                reviews = [d for d in range(e.cpp_start + 90, e.cpp_start + 3000, 180)
                           if d <= y.end and (e.cpp_end < 0 or d < e.cpp_end)]
                if reviews:
                    rev = etree.SubElement(cpp, "Reviews")
                    for d in reviews:
                        _text(rev, "CPPreviewDate", str(_EPOCH + np.timedelta64(d, "D")))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _this_years_groups(r: pd.DataFrame, y: Year) -> pd.DataFrame:
    """Drop the groups of an episode that finished before the census year: last year's return had them.

    An assessment authorised, a Section 47 enquiry concluded (its conference held, or no
    conference and started) or a plan ended before 1 April is not returned again, only the
    episode that is still open (DfE 8696, 8715, 8740, 4013, 8930).
    """
    r = r.copy()
    def before(column: str) -> np.ndarray:
        return ((r[column] >= 0) & (r[column] < y.start)).to_numpy()
    blank = {
        ("assessment_start", "assessment_auth"): before("assessment_auth"),
        ("s47_start", "icpc_target", "icpc_date"): before("icpc_date") | (
            (r["icpc_date"] < 0) & (r["s47_start"] >= 0) & (r["s47_start"] < y.start)).to_numpy(),
        ("cpp_start", "cpp_end"): before("cpp_end"),
        ("cin_plan_start", "cin_plan_end"): before("cin_plan_end"),
    }
    for columns, gone in blank.items():
        r.loc[gone, list(columns)] = -1
    return r


def _block(parent, tag: str, *fields: tuple[str, str]):
    """A group element with its fields, only if its first (required) field has a value."""
    if not fields[0][1]:
        return None
    block = etree.SubElement(parent, tag)
    for name, value in fields:
        _text(block, name, value)
    return block


def _text(parent, tag: str, value: str) -> None:
    """Add ``<tag>value</tag>``; an empty value means the optional element is left out."""
    if value:
        etree.SubElement(parent, tag).text = value


# ---------------------------------------------------------------------------------------------
# Ofsted Annex A


def annex_a(rng, people: pd.DataFrame, history: History, year: int,
            leavers: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Annex A lists 1–11 for the twelve months to the reference date (child-level lists)."""
    y = Year(year)
    columns = layouts()["annex_a"]
    dob = people["dob"].to_numpy().astype("datetime64[D]").astype(np.int64)
    gender = np.select([people["sex"] == "M", people["sex"] == "F"], ["a) Male", "b) Female"],
                       "c) Not stated/recorded")
    teams = np.array(["Assessment Team 1", "Assessment Team 2", "Safeguarding North",
                      "Safeguarding South", "Children in Care", "Leaving Care"])

    def base(persons: np.ndarray, disability: bool = True) -> dict:
        frame = {
            "Child Unique ID": people["la_child_id"].to_numpy()[persons],
            "Gender": gender[persons],
            "Ethnicity": people["ethnicity"].to_numpy()[persons],
            "Date of Birth": dates(dob[persons]),
            "Age of Child (Years)": ((y.end - dob[persons]) / YEAR).astype(int),
            "Allocated Team": teams[rng.integers(0, len(teams), len(persons))],
            "Allocated Worker": np.char.add("SW", rng.integers(1000, 9999, len(persons)).astype(str)),
        }
        if disability:
            frame["Disability"] = np.where(people["disability"].to_numpy()[persons] == "NONE", "b) No", "a) Yes")
        return frame

    lists: dict[str, pd.DataFrame] = {}
    c = history.contacts
    c = c[(c["date"] >= y.start) & (c["date"] <= y.end)]
    lists["List 1"] = pd.DataFrame(base(c["person"].to_numpy(), False) | {
        "Date of Contact": dates(c["date"]), "Contact Source": c["source"].to_numpy()})
    eh = history.early_help
    eh = eh[y.overlaps(eh["start"], eh["end"])]
    lists["List 2"] = pd.DataFrame(base(eh["person"].to_numpy(), False) | {
        "Assessment Start Date": dates(eh["start"]), "Assessment Completion Date": dates(y.as_known(eh["end"])),
        "Organisation Completing Assessment": pick(rng, {"Early Help Team": 60, "School": 25, "Health": 15}, len(eh))})
    r = history.referrals
    r = r.assign(previous=r.groupby("person").cumcount())
    in_year = r[(r["referral_date"] >= y.start) & (r["referral_date"] <= y.end)]
    last12 = in_year.groupby("person")["referral_date"].transform("count")
    lists["List 3"] = pd.DataFrame(base(in_year["person"].to_numpy(), False) | {
        "Date of Referral": dates(in_year["referral_date"]), "Referral Source": in_year["referral_source"].to_numpy(),
        "Referral NFA?": np.where(in_year["nfa"], "a) Yes", "b) No"),
        "Number of Referrals in Last 12 Months": last12.to_numpy()})
    assessed = r[(r["assessment_start"] >= 0) & y.overlaps(r["assessment_start"], y.as_known(r["assessment_auth"]))]
    auth = y.as_known(assessed["assessment_auth"])
    lists["List 4"] = pd.DataFrame(base(assessed["person"].to_numpy()) | {
        "Continuous Assessment Start Date": dates(assessed["assessment_start"]),
        "Child Seen During Continuous Assessment": dates(assessed["assessment_start"] + 3),
        "Continuous Assessment Date of Authorisation": dates(auth),
        "Was the child assessed as requiring LA children's social care support?":
            np.where(auth < 0, "", np.where(assessed["in_need"], "a) Yes", "b) No"))})
    s47 = r[(r["s47_start"] >= y.start) & (r["s47_start"] <= y.end)]
    icpc = y.as_known(s47["icpc_date"])
    lists["List 5"] = pd.DataFrame(base(s47["person"].to_numpy()) | {
        "Strategy Discussion Initiating Section 47 Enquiry Start Date": dates(s47["s47_start"]),
        "Was an Initial Child Protection Conference deemed unnecessary?": np.where(s47["icpc_date"] < 0, "a) Yes", "b) No"),
        "Date of Initial Child Protection Conference": dates(icpc),
        "Did the Initial Child Protection Conference result in a Child Protection Plan?":
            np.where(icpc < 0, "", np.where(s47["cpp_start"] >= 0, "a) Yes", "b) No")),
        "Number of Section 47 Enquiries in Last 12 Months": s47.groupby("person")["s47_start"].transform("count").to_numpy(),
        "Number of ICPCs in Last 12 Months": s47.groupby("person")["icpc_date"].transform(lambda v: (v >= 0).sum()).to_numpy()})
    cin = r[~r["nfa"] & y.overlaps(r["referral_date"], r["closure_date"])]
    lists["List 6"] = pd.DataFrame(base(cin["person"].to_numpy()) | {
        "Primary Need Code": cin["primary_need"].to_numpy(),
        "Case Status": np.where(y.as_known(cin["closure_date"]) < 0, "a) Open", "b) Closed episode"),
        "CIN Plan Start Date": dates(y.as_known(cin["cin_plan_start"])),
        "CIN Plan End Date": dates(y.as_known(cin["cin_plan_end"]))})
    cp = r[(r["cpp_start"] >= 0) & y.overlaps(r["cpp_start"], r["cpp_end"])]
    lists["List 7"] = pd.DataFrame(base(cp["person"].to_numpy()) | {
        "Child Protection Plan Start Date": dates(cp["cpp_start"]),
        "Initial Category of Abuse": cp["initial_category"].to_numpy(),
        "Latest Category of Abuse": cp["latest_category"].to_numpy(),
        "Has the child been the subject of a previous Child Protection Plan?": np.where(cp["previous_cpp"] > 0, "a) Yes", "b) No"),
        "Number of Previous Child Protection Plans": cp["previous_cpp"].to_numpy(),
        "Child Protection Plan End Date": dates(y.as_known(cp["cpp_end"]))})
    lists["List 8"], lists["List 9"], lists["List 10"] = _annex_care(people, history, y, base, leavers)
    lists["List 11"] = _annex_adopters(rng, history, y)
    return {name: frame.reindex(columns=columns[name], fill_value="") for name, frame in lists.items()}


def _annex_adopters(rng, history: History, y: Year) -> pd.DataFrame:
    """List 11: the adopter households the LA's adoption service worked with in the year.

    The households matched with the LA's own children (one each, the same sex and number of
    adopters as AD1 and List 10), plus approved adopters still waiting for a match and a
    share who withdrew during assessment, as every adoption service has.
    """
    adoptions = _adoptions(history)
    matched = adoptions[y.overlaps(adoptions["date_placed"] - 20 - 400, adoptions["date_placed"])]
    placed_on = matched["date_placed"].to_numpy()
    waiting = int(round(len(matched) * 0.4)) + 1
    withdrawn = int(round(len(matched) * 0.25)) + 1
    n = len(matched) + waiting + withdrawn
    # Working back from the match: approval about 4 months before, stage 2 about 4 months,
    # stage 1 about 2 months, first enquiry a few weeks before stage 1 (DfE adoption process).
    approved = np.r_[placed_on - 20 - rng.integers(30, 240, len(matched)),
                     y.end - rng.integers(10, 300, waiting), np.full(withdrawn, -1)]
    stage2_end = np.where(approved >= 0, approved - rng.integers(7, 30, n), -1)
    anchor = np.where(approved >= 0, stage2_end, y.end - rng.integers(30, 330, n))
    stage2_start = anchor - rng.integers(90, 150, n)
    stage1_end = stage2_start - rng.integers(0, 20, n)
    stage1_start = stage1_end - rng.integers(40, 65, n)
    enquiry = stage1_start - rng.integers(10, 60, n)
    left = np.r_[np.zeros(len(matched) + waiting, bool), np.ones(withdrawn, bool)]
    withdrawn_on = np.where(left, np.clip(stage1_start + rng.integers(20, 220, n), y.start, y.end), -1)
    stage2_start = np.where(left & (stage2_start > withdrawn_on), -1, stage2_start)
    adopters = np.r_[matched["adopters"].to_numpy(),
                     pick(rng, {"MF": 75, "FF": 8, "MM": 7, "F1": 9, "M1": 1}, waiting + withdrawn)]
    single = _number_of_adopters(adopters) == 1
    same_sex = np.isin(adopters, ["FF", "MM"])
    orientation = np.where(same_sex, "b) Gay or Lesbian",
                           pick(rng, {"a) Heterosexual": 90, "c) Bisexual": 3, "d) Unknown": 4,
                                      "e) Refused": 3}, n))
    return pd.DataFrame({
        "Adopter Unique ID": serial_ids("ADP", np.arange(1, n + 1)),
        "Date of Initial Enquiry": dates(enquiry),
        "Date Stage 1 Started": dates(stage1_start),
        "Date Stage 1 Ended": dates(np.where(left & (stage1_end > withdrawn_on), -1, stage1_end)),
        "Date Stage 2 Started": dates(stage2_start),
        "Date Stage 2 Ended": dates(stage2_end),
        "Date Approved": dates(approved),
        "Number of Children Approved For": np.where(left, "", pick(rng, {"1": 75, "2": 22, "3": 3}, n)),
        "Date Matched": dates(np.r_[placed_on - 20, np.full(waiting + withdrawn, -1)]),
        "Date Placed": dates(y.as_known(np.r_[placed_on, np.full(waiting + withdrawn, -1)])),
        "Adopter Gender": np.select([adopters == "F1", adopters == "M1"], ["b) Female", "a) Male"], "c) Couple"),
        "Adopter Ethnicity": pick(rng, {"WBRI": 82, "WOTH": 5, "MWBC": 3, "AIND": 3, "BAFR": 3,
                                        "OOTH": 2, "REFU": 2}, n),
        "Adopter Sexual Orientation": orientation,
        "Adopter Relationship": np.where(single, "a) Single",
                                         pick(rng, {"b) Married or civil partnership": 80,
                                                    "c) Unmarried couple": 20}, n)),
        "Number of Adopters": _number_of_adopters(adopters),
        "Disability": np.where(rng.random(n) < 0.03, "a) Yes", "b) No"),
        "Withdrawn?": np.where(left, "a) Yes", "b) No"),
        "Date Withdrawn": dates(withdrawn_on),
        "Reason Withdrawn": np.where(left, pick(rng, {"a) Change in circumstances": 45,
                                                      "b) Assessed as not suitable": 20,
                                                      "c) Decided not to proceed": 35}, n), ""),
    })


def _annex_care(people, history: History, y: Year, base, outcomes: pd.DataFrame):
    index = pd.Series(np.arange(len(people)), index=people["child_id"].to_numpy())
    ep = history.episodes
    ep = ep[y.overlaps(ep["DECOM"], ep["DEC"])].assign(person=lambda f: index[f["child"]].to_numpy())
    first = ep.groupby("person").first()
    last = ep.groupby("person").last()
    placements = ep[ep["RNE"].isin(["S", "P", "T", "B", "U"]) | ~ep.duplicated("person")].groupby("person").size()
    spells = history.spells.drop_duplicates("person", keep="last").set_index("person")
    persons = last.index.to_numpy()
    ceased = y.as_known(last["DEC"].to_numpy())
    missing = pd.DataFrame(history.missing)
    missing = missing[(missing["MIS_START"] >= y.start) & (missing["MIS_START"] <= y.end)]
    missing["person"] = index[missing["child"]].to_numpy()
    counts = missing.groupby(["person", "MISSING"]).size().unstack(fill_value=0).reindex(persons, fill_value=0)
    list8 = pd.DataFrame(base(persons) | {
        "UASC": np.where(people["uasc"].to_numpy()[persons], "a) Yes", "b) No"),
        "Date Started to be Looked After": dates(spells.loc[persons, "start"]),
        "Child's Category of Need": first["CIN"].to_numpy(),
        "Legal Status": last["LS"].to_numpy(),
        "Number of Placements in Last 12 Months": placements.reindex(persons).to_numpy(),
        "Date of Latest Placement": dates(last["DECOM"]),
        "Placement Type": last["PLACE"].to_numpy(),
        "Placement Provider": last["PLACE_PROVIDER"].to_numpy(),
        "Placement Postcode": last["PL_POST"].to_numpy(),
        "Placement URN": last["URN"].to_numpy(),
        "Date Ceased to be Looked After": dates(ceased),
        "Reason Ceased to be Looked After": np.where(ceased < 0, "", last["REC"].to_numpy()),
        "Number of Missing Episodes in Last 12 Months": counts.get("M", pd.Series(0, index=persons)).to_numpy(),
        "Number of Absent Episodes in Last 12 Months": counts.get("A", pd.Series(0, index=persons)).to_numpy()})
    list9 = pd.DataFrame(base(outcomes["person"].to_numpy()) | {
        "UASC": np.where(people["uasc"].to_numpy()[outcomes["person"]], "a) Yes", "b) No"),
        "Date Ceased to be Looked After": dates(outcomes["left_care"]),
        "In Touch": outcomes["IN_TOUCH"].to_numpy(), "Activity": outcomes["ACTIV"].to_numpy(),
        "Accommodation Type": outcomes["ACCOM"].str[0].to_numpy(),
        "Accommodation Suitability": np.where(outcomes["ACCOM"].str[1] == "1", "a) Suitable",
                                              np.where(outcomes["ACCOM"] == "0", "", "b) Unsuitable"))})
    adoptions = _adoptions(history)
    adoptions = adoptions[y.overlaps(adoptions["order_on"] - 60, adoptions["adopted_on"])]
    adopted_persons = index[adoptions["child"]].to_numpy()
    list10 = pd.DataFrame(base(adopted_persons) | {
        "Date Started to be Looked After": dates(spells.loc[adopted_persons, "start"]) if len(adopted_persons) else [],
        "Date of Decision that Child Should be Placed for Adoption": dates(adoptions["order_on"] - 60),
        "Date of Placement Order": dates(y.as_known(adoptions["order_on"])),
        "Date of Matching Child and Prospective Adopters": dates(y.as_known(adoptions["date_placed"] - 20)),
        "Date Placed for Adoption": dates(y.as_known(adoptions["date_placed"])),
        "Date of Adoption Order": dates(y.as_known(adoptions["adopted_on"])),
        "Number of Adopters": np.where(adoptions["date_placed"] <= y.end,
                                       _number_of_adopters(adoptions["adopters"]).astype(str), ""),
        "Adopter Sex": np.where(adoptions["date_placed"] <= y.end, adoptions["adopters"], "")})
    return list8, list9, list10
