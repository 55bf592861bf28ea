"""On a synthetic LA, every indicator below is worked out again from the SOURCE FILES (the 903
CSVs, the CIN census XML and the partner extracts, read here with pandas and lxml, never the
warehouse) and must agree exactly with what the warehouse gives after synth → run → compute.

The LA is generated without injected faults, so nothing is blanked on the way in.
"""

import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from kinsight.analysis import compute
from kinsight.core.config import load_config

pytestmark = pytest.mark.slow

START, END = date(2025, 4, 1), date(2026, 3, 31)
YEAR_START, YEAR_END = pd.Timestamp(START), pd.Timestamp(END)


def kinsight(*args):
    result = subprocess.run([sys.executable, "-m", "kinsight", *args], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module")
def la(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synthetic") / "la"
    kinsight("synth", "--out", str(root), "--children", "2500", "--seed", "11",
             "--fault-rate", "0")
    kinsight("run", "--config", str(root / "kinsight.toml"))
    return root


@pytest.fixture(scope="module")
def warehouse(la) -> pd.DataFrame:
    from kinsight.store import open_snapshot

    con = open_snapshot(load_config(la / "kinsight.toml"))
    try:
        results = compute(con, period="2025-04..2026-03", breakdowns=[])
    finally:
        con.close()
    return results.set_index("indicator_id")


# --------------------------------------------------------------------------- the 903


def read_903(la: Path, table: str) -> pd.DataFrame:
    frame = pd.read_csv(la / "returns" / "ssda903" / "2026" / f"{table}.csv", dtype=str)
    for column in ("DECOM", "DEC", "DOB"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], format="%d/%m/%Y")
    return frame


def cla_at_31_march(episodes: pd.DataFrame) -> set[str]:
    open_now = episodes[(episodes.DECOM <= YEAR_END) & (episodes.DEC.isna() | (episodes.DEC > YEAR_END))
                        & ~episodes.LS.isin(["V3", "V4"])]
    return set(open_now.CHILD)


def from_903(la: Path) -> dict[str, tuple[float, float]]:
    episodes = read_903(la, "episodes")
    at_end = cla_at_31_march(episodes)
    in_year = episodes[(episodes.DECOM >= YEAR_START) & (episodes.DECOM <= YEAR_END)]
    starters = set(in_year[(in_year.RNE == "S") & ~in_year.LS.isin(["V3", "V4"])].CHILD)
    ceased = episodes[(episodes.DEC >= YEAR_START) & (episodes.DEC <= YEAR_END)
                      & (episodes.REC != "X1") & ~episodes.LS.isin(["V3", "V4"])]
    current = episodes[episodes.CHILD.isin(at_end)]
    new_placements = current[(current.DECOM >= YEAR_START) & current.RNE.isin(list("SPBTU"))
                             & ~current.PLACE.fillna("").str.startswith("T")].groupby("CHILD").size()
    carried_in = current[current.DECOM < YEAR_START].groupby("CHILD").size().clip(upper=1)
    placements = new_placements.add(carried_in, fill_value=0).reindex(sorted(at_end), fill_value=0)
    latest = current.sort_values("DECOM").groupby("CHILD").last()
    oc3 = read_903(la, "oc3")
    oc3["age"] = [END.year - d.year - ((END.month, END.day) < (d.month, d.day)) for d in oc3.DOB]
    figures = {
        "cla_rate_per_10k": (len(at_end), None),
        "cla_starts_rate_per_10k": (len(starters), None),
        "cla_ceased_rate_per_10k": (ceased.CHILD.nunique(), None),
        "ceased_sgo_pct": (ceased.REC.isin([f"E4{n}" for n in range(3, 9)]).sum(), len(ceased)),
        "ceased_adopted_pct": (ceased.REC.isin(["E11", "E12"]).sum(), len(ceased)),
        "ceased_cao_pct": ((ceased.REC == "E41").sum(), len(ceased)),
        "placement_stability_3plus_pct": ((placements >= 3).sum(), len(at_end)),
        "cla_in_foster_care_pct": (latest.PLACE.str.startswith("U").sum(), len(at_end)),
        "cla_in_childrens_homes_pct": (latest.PLACE.isin(["K1", "K2"]).sum(), len(at_end)),
    }
    eet_codes = ["F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5"]
    for band, low, high in (("17_18", 17, 18), ("19_21", 19, 21)):
        group = oc3[oc3.age.between(low, high)]
        figures[f"care_leavers_eet_{band}_pct"] = (group.ACTIV.isin(eet_codes).sum(), len(group))
        figures[f"care_leavers_suitable_accommodation_{band}_pct"] = (
            (group.ACCOM.fillna("").str[1:2] == "1").sum(), len(group))
    return figures


# --------------------------------------------------------------------------- the CIN census


def working_days(start: date, end: date) -> int:
    return int(np.busday_count(start + pd.Timedelta(days=1).to_pytimedelta(),
                               end + pd.Timedelta(days=1).to_pytimedelta()))


def read_cin(la: Path) -> list[dict]:
    tree = etree.parse(str(la / "returns" / "cin" / "cin_census_2026.xml"))
    day = lambda node, path: (date.fromisoformat(node.findtext(path)) if node.findtext(path) else None)  # noqa: E731
    episodes = []
    for child in tree.iter("Child"):
        child_id = child.findtext("ChildIdentifiers/LAchildID")
        for details in child.iter("CINdetails"):
            episodes.append(dict(
                child=child_id,
                referral=day(details, "CINreferralDate"),
                closure=day(details, "CINclosureDate"),
                nfa=details.findtext("ReferralNFA") in ("1", "true"),
                assessments=[(day(a, "AssessmentAuthorisationDate"),
                              [f.text for f in a.iter("AssessmentFactors")])
                             for a in details.iter("Assessments")],
                s47=[(day(s, "S47ActualStartDate"), day(s, "DateOfInitialCPC"))
                     for s in details.iter("Section47")],
                cpp=[(day(c, "CPPstartDate"), day(c, "CPPendDate"),
                      int(c.findtext("NumberOfPreviousCPP") or 0))
                     for c in details.iter("ChildProtectionPlans")],
            ))
    return episodes


def from_cin(la: Path) -> dict[str, tuple[float, float]]:
    episodes = read_cin(la)
    in_year = lambda d: d is not None and START <= d <= END  # noqa: E731
    referrals = [e for e in episodes if in_year(e["referral"])]
    by_child: dict[str, list[date]] = {}
    for e in episodes:
        by_child.setdefault(e["child"], []).append(e["referral"])
    rereferred = 0
    for e in referrals:
        earlier = [d for d in by_child[e["child"]] if d < e["referral"]]
        if earlier and max(earlier) >= (pd.Timestamp(e["referral"]) - pd.DateOffset(months=12)).date():
            rereferred += 1
    cin_open = {e["child"] for e in episodes if e["referral"] <= END and not e["nfa"]
                and (e["closure"] is None or e["closure"] > END)}
    assessments = [(when, set(factors)) for e in episodes for when, factors in e["assessments"]
                   if in_year(when)]
    s47 = [s for e in episodes for s in e["s47"]]
    icpcs = [(start, icpc) for start, icpc in s47 if in_year(icpc)]
    plans = [p for e in episodes for p in e["cpp"]]
    cpp_open = [(e["child"], p) for e in episodes for p in e["cpp"]
                if p[0] <= END and (p[1] is None or p[1] > END)]
    starts = [p for p in plans if in_year(p[0])]
    timely = sum(
        working_days(r["referral"], when) <= 45
        for r in episodes for when, _ in r["assessments"] if in_year(when)
    )
    trio = sum({"3B", "4B"} <= f and bool({"1B", "2B"} & f) for _, f in assessments)
    return {
        "referrals_rate_per_10k": (len(referrals), None),
        "rereferrals_12m_pct": (rereferred, len(referrals)),
        "referral_nfa_pct": (sum(e["nfa"] for e in referrals), len(referrals)),
        "cin_rate_per_10k": (len(cin_open), None),
        "assessment_45_days_pct": (timely, len(assessments)),
        "s47_rate_per_10k": (sum(in_year(start) for start, _ in s47), None),
        "icpc_15_days_pct": (sum(working_days(s, i) <= 15 for s, i in icpcs), len(icpcs)),
        "cpp_rate_per_10k": (len({child for child, _ in cpp_open}), None),
        "repeat_cpp_pct": (sum(p[2] > 0 for p in starts), len(starts)),
        "cpp_2_years_pct": (sum(p[0] <= date(2024, 3, 31) for _, p in cpp_open), len(cpp_open)),
        "assessment_factor_3B_per_10k": (sum("3B" in f for _, f in assessments), None),
        "toxic_trio_per_10k": (trio, None),
    }


# --------------------------------------------------------------------------- partners

CUTOFFS = {24: (25.17, 38.07, 35.16, 29.78, 31.54), 27: (24.02, 28.01, 18.42, 27.62, 25.31),
           30: (33.30, 36.14, 19.25, 27.08, 32.01), 33: (25.36, 34.80, 12.28, 26.92, 28.96),
           36: (30.99, 36.99, 18.07, 30.29, 35.33)}
DOMAINS = ("communication", "gross_motor", "fine_motor", "problem_solving", "personal_social")


def from_partners(la: Path) -> dict[str, tuple[float, float]]:
    eyfs = pd.concat(pd.read_csv(p, dtype=str) for p in (la / "partners" / "eyfs_profile").glob("*.csv"))
    eyfs = eyfs[eyfs.ASSESSMENT_YEAR == "2025"]
    goals = [f"ELG{n:02d}" for n in range(1, 13)]
    figures = {"gld_pct": ((eyfs[goals] == "2").all(axis=1).sum(), len(eyfs))}
    for goal in goals:
        figures[f"elg_{goal.lower()}_pct"] = ((eyfs[goal] == "2").sum(), len(eyfs))
    hv = pd.concat(pd.read_csv(p, dtype=str) for p in (la / "partners" / "health_visiting").glob("*.csv"))
    hv["REVIEW_DATE"] = pd.to_datetime(hv.REVIEW_DATE)
    hv = hv[(hv.REVIEW_DATE >= YEAR_START) & (hv.REVIEW_DATE <= YEAR_END)
            & hv.ASQ_QUESTIONNAIRE.astype(int).isin(list(CUTOFFS))]
    hv = hv.dropna(subset=[f"ASQ_{d.upper()}" for d in DOMAINS])
    # A review with no NHS number is still one child's review.
    hv["child"] = hv.NHS_NO.fillna(hv.HV_ID)
    latest = hv.sort_values("REVIEW_DATE").groupby("child").last()
    passed = pd.DataFrame({
        d: [float(row[f"ASQ_{d.upper()}"]) > CUTOFFS[int(row.ASQ_QUESTIONNAIRE)][i]
            for _, row in latest.iterrows()]
        for i, d in enumerate(DOMAINS)
    })
    for d in DOMAINS:
        figures[f"asq_{d}_pct"] = (passed[d].sum(), len(passed))
    figures["asq_all_five_pct"] = (passed.all(axis=1).sum(), len(passed))
    survey = pd.concat(pd.read_csv(p, dtype=str) for p in (la / "partners" / "care_leaver_survey").glob("*.csv"))
    survey["SURVEY_DATE"] = pd.to_datetime(survey.SURVEY_DATE, format="%d/%m/%Y")
    survey = survey[(survey.SURVEY_DATE >= YEAR_START) & (survey.SURVEY_DATE <= YEAR_END)]
    answers = survey.sort_values("SURVEY_DATE").groupby("CHILD_ID").last().FEEL_SAFE_AND_SETTLED
    figures["care_leavers_feel_safe_and_settled_pct"] = (
        answers.isin(["Always", "Mostly"]).sum(), len(answers))
    return figures


@pytest.mark.parametrize("source", [from_903, from_cin, from_partners])
def test_warehouse_indicators_agree_exactly_with_the_source_files(la, warehouse, source):
    expected = source(la)
    disagreements = {}
    for indicator_id, (numerator, denominator) in expected.items():
        row = warehouse.loc[indicator_id]
        got = (row.numerator, row.denominator if denominator is not None else None)
        if got != (numerator, denominator):
            disagreements[indicator_id] = {"warehouse": got, "files": (numerator, denominator)}
    assert not disagreements
    assert any(n > 0 for n, _ in expected.values()), "the synthetic LA exercises these measures"


def test_the_command_reads_the_current_snapshot_through_the_config(la, tmp_path):
    from kinsight.outputs.ees_rules import check

    kinsight("indicators", "--config", str(la / "kinsight.toml"), "--out", str(tmp_path),
             "--series", "none")
    data = tmp_path / "kinsight_indicators.csv"
    assert check(data) == []
    rows = pd.read_csv(data, dtype=str)
    assert set(rows.la_name) == {"Milton Keynes"}
    numbers = pd.to_numeric(rows.numerator, errors="coerce").dropna()
    assert not ((numbers > 0) & (numbers < 10)).any()
