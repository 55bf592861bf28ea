"""The month after the reference date: a small drop of new partner records.

Partners send monthly extracts; a refresh is a new file in the source's folder. These
files live under ``DIR/updates/<YYYY-MM>/`` (same layout as ``DIR/partners``) so a
test can copy them in and check that a reload picks up only what is new.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kinsight.synth.journeys import YEAR, History, day, pick
from kinsight.synth.model import Setting, parameters
from kinsight.synth.noise import identity
from kinsight.synth.returns import dates


def next_month(rng, people: pd.DataFrame, history: History, run: Setting,
               root: Path) -> dict[str, pd.DataFrame]:
    """Write next month's extracts; return their truth records by month."""
    from kinsight.synth.generate import write_csv

    month = f"{run.year}-04"
    start, end = day(f"{run.year}-04-01"), day(f"{run.year}-04-30")
    dob = people["dob"].to_numpy().astype("datetime64[D]").astype(np.int64)
    resident = people["kind"].to_numpy() == "resident"
    records = []

    def emit(source: str, table: pd.DataFrame, record_id: str, persons: np.ndarray) -> None:
        write_csv(table, root / "updates" / month / "partners" / source / f"{source}_{month}.csv")
        records.append(pd.DataFrame({"source": source, "record_id": table[record_id].to_numpy(),
                                     "child_id": people["child_id"].to_numpy()[persons]}))

    reviewed = np.flatnonzero(resident & (dob + 760 >= start) & (dob + 760 <= end))
    when = np.clip(dob[reviewed] + 760, start, end)
    who = identity(rng, people, reviewed, when, parameters()["coverage"]["health_visiting"], accuracy=0.6)
    n = len(reviewed)
    hv = pd.DataFrame({
        "HV_ID": np.char.add(f"HV{month.replace('-', '')}-", np.arange(1, n + 1).astype(str)),
        "NHS_NO": who["nhs_number"], "FIRST_NAME": who["forename"], "LAST_NAME": who["surname"],
        "DATE_OF_BIRTH": pd.to_datetime(who["dob"]).dt.strftime("%Y-%m-%d"),
        "SEX": who["sex"].map({"M": "Male", "F": "Female"}).fillna(""), "POSTCODE": who["postcode"],
        "REVIEW_DATE": dates(when, "%Y-%m-%d"), "AGE_AT_REVIEW_MONTHS": 25, "ASQ_QUESTIONNAIRE": 24})
    for domain in ("COMMUNICATION", "GROSS_MOTOR", "FINE_MOTOR", "PROBLEM_SOLVING", "PERSONAL_SOCIAL"):
        hv[f"ASQ_{domain}"] = np.where(rng.random(n) < 0.9, rng.integers(8, 13, n) * 5, rng.integers(0, 5, n) * 5)
    emit("health_visiting", hv, "HV_ID", reviewed)

    age = (start - dob) / YEAR
    teens = np.flatnonzero(resident & (age >= 11) & (age < 18))
    joined = teens[rng.random(len(teens)) < 0.004]
    when = rng.integers(start, end + 1, len(joined))
    who = identity(rng, people, joined, when, accuracy=2.0)
    emit("youth_services", pd.DataFrame({
        "YS_ID": np.char.add(f"YS{month.replace('-', '')}-", np.arange(1, len(joined) + 1).astype(str)),
        "FIRST_NAME": who["forename"], "SURNAME": who["surname"],
        "DOB": pd.to_datetime(who["dob"]).dt.strftime("%d/%m/%Y"), "GENDER": who["sex"],
        "POSTCODE": who["postcode"], "START_DATE": dates(when, "%d/%m/%Y"),
        "PROVISION": pick(rng, {"Youth club": 60, "Sports programme": 40}, len(joined)),
        "SESSIONS_ATTENDED": rng.integers(1, 4, len(joined))}), "YS_ID", joined)

    households = people.loc[resident, "household_id"].unique()
    approached = households[rng.random(len(households)) < parameters()["homeless_households_pct"] / 100 / 12]
    if len(approached) == 0:
        # Even a small LA's housing team sees some family each month, and an empty monthly
        # extract is something a partner would not send.
        approached = rng.choice(households, 1)
    members = np.flatnonzero(resident & people["household_id"].isin(approached).to_numpy())
    case = pd.factorize(people["household_id"].to_numpy()[members])[0]
    when = (start + rng.integers(0, 30, len(approached)))[case] if len(members) else np.zeros(0, np.int64)
    who = identity(rng, people, members, when, accuracy=1.5)
    emit("homelessness", pd.DataFrame({
        "HCLIC_ID": np.char.add(f"HC{month.replace('-', '')}-", np.arange(1, len(members) + 1).astype(str)),
        "CASE_REF": np.char.add(f"HCASE{month.replace('-', '')}-", (case + 1).astype(str)),
        "FORENAME": who["forename"], "SURNAME": who["surname"],
        "DOB": pd.to_datetime(who["dob"]).dt.strftime("%d/%m/%Y"), "SEX": who["sex"],
        "POSTCODE": who["postcode"], "APPROACH_DATE": dates(when, "%d/%m/%Y"), "DUTY": "prevention",
        "REASON": "End of private rented tenancy", "TEMPORARY_ACCOMMODATION": "N", "TA_TYPE": ""}),
        "HCLIC_ID", members)

    r = history.referrals
    open_cases = r.loc[(r["closure_date"] < 0) & ~r["nfa"], "person"].unique()
    noted = open_cases[rng.random(len(open_cases)) < 0.5]
    when = rng.integers(start, end + 1, len(noted))
    emit("case_notes", pd.DataFrame({
        "NOTE_ID": np.char.add(f"N{month.replace('-', '')}-", np.arange(1, len(noted) + 1).astype(str)),
        "CHILD_ID": people["la_child_id"].to_numpy()[noted], "NOTE_DATE": dates(when, "%Y-%m-%d"),
        "AUTHOR_ROLE": "Social worker",
        "NOTE_TEXT": "Home visit completed; child seen alone. Plan reviewed with the family."}),
        "NOTE_ID", noted)
    return {month: pd.concat(records, ignore_index=True)}
