"""Partner and local extracts: what each agency would actually send, in its own layout.

Every function returns ``Extract``s: a table, the true person of every row (for
``truth/records.csv``) and the file it belongs in. Column layouts are the ones in
docs/contracts.md §2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinsight.synth.identifiers import serial_ids
from kinsight.synth.journeys import YEAR, History, day, grouped, pick
from kinsight.synth.model import Setting, parameters
from kinsight.synth.noise import identity
from kinsight.synth.returns import dates


@dataclass
class Extract:
    """One file of one source: its rows and the true person behind each row."""

    source: str
    file: str
    table: pd.DataFrame
    persons: np.ndarray
    record_id: str
    encoding: str = "utf-8"


def _ids(prefix: str, n: int) -> np.ndarray:
    return serial_ids(prefix, np.arange(1, n + 1))


def _dob_days(people: pd.DataFrame) -> np.ndarray:
    return people["dob"].to_numpy().astype("datetime64[D]").astype(np.int64)


def _residents(people: pd.DataFrame) -> np.ndarray:
    return np.flatnonzero(people["kind"].to_numpy() != "care_leaver")


def _aged(people: pd.DataFrame, run: Setting, low: int, high: int) -> np.ndarray:
    """Children (residents and newcomers) aged ``low`` to under ``high`` on the reference date."""
    residents = _residents(people)
    age = (day(run.reference_date) - _dob_days(people)[residents]) / YEAR
    return residents[(age >= low) & (age < high)]


def social_care_persons(rng, people: pd.DataFrame, history: History, run: Setting) -> Extract:
    """The case management system's person register: everyone social care has met."""
    involved = np.unique(np.concatenate([
        history.referrals["person"].to_numpy(), history.contacts["person"].to_numpy(),
        history.early_help["person"].to_numpy(), history.spells["person"].to_numpy()]))
    first = pd.concat([history.referrals[["person", "referral_date"]].rename(columns={"referral_date": "d"}),
                       history.contacts[["person", "date"]].rename(columns={"date": "d"}),
                       history.early_help[["person", "start"]].rename(columns={"start": "d"}),
                       history.spells[["person", "start"]].rename(columns={"start": "d"})]).groupby("person")["d"].min()
    who = identity(rng, people, involved, first.loc[involved].to_numpy(),
                   parameters()["coverage"]["social_care_persons"], accuracy=0.5)
    rows = people.iloc[involved]
    table = pd.DataFrame({
        "CHILD_ID": rows["la_child_id"].to_numpy(),
        "NHS_NUMBER": who["nhs_number"], "UPN": who["upn"],
        "FORENAME": who["forename"], "SURNAME": who["surname"],
        "DOB": pd.to_datetime(who["dob"]).dt.strftime("%d/%m/%Y"),
        "GENDER": who["sex"].replace("", "U"),
        "ETHNICITY": rows["ethnicity"].to_numpy(),
        "POSTCODE": who["postcode"],
        "ADDRESS": rows["address"].to_numpy(),
    })
    return Extract("social_care_persons", f"social_care_persons_{run.year}-03.csv", table, involved, "CHILD_ID")


def health_visiting(rng, people: pd.DataFrame, run: Setting) -> list[Extract]:
    """Health visitors' 2–2½ year reviews with ASQ-3 scores, one file per financial year."""
    asq = parameters()["asq"]
    residents = _residents(people)
    dob = _dob_days(people)[residents]
    review = dob + rng.integers(730, 912, len(residents))
    extracts = []
    for year in (run.year - 1, run.year):
        start, end = day(f"{year - 1}-04-01"), day(f"{year}-03-31")
        due = (review >= start) & (review <= end) & (rng.random(len(residents)) < 0.93)
        persons, when = residents[due], review[due]
        n = len(persons)
        who = identity(rng, people, persons, when, parameters()["coverage"]["health_visiting"], accuracy=0.6)
        months = ((when - dob[due]) / 30.44).astype(int)
        questionnaire = np.select([months < 27, months < 30, months < 33], [24, 27, 30], 33)
        deprivation = 1.15 ** (5.5 - people["imd_decile"].to_numpy()[persons])
        concern = rng.random(n) < asq["concern_pct"] / 100 * deprivation / deprivation.mean()
        table = pd.DataFrame({
            "HV_ID": _ids(f"HV{year}", n), "NHS_NO": who["nhs_number"],
            "FIRST_NAME": who["forename"], "LAST_NAME": who["surname"],
            "DATE_OF_BIRTH": pd.to_datetime(who["dob"]).dt.strftime("%Y-%m-%d"),
            "SEX": who["sex"].map({"M": "Male", "F": "Female"}).fillna(""),
            "POSTCODE": who["postcode"], "REVIEW_DATE": dates(when, "%Y-%m-%d"),
            "AGE_AT_REVIEW_MONTHS": months, "ASQ_QUESTIONNAIRE": questionnaire,
        })
        below_any = np.zeros(n, bool)
        for domain, pct in asq["domain_below_pct"].items():
            below = concern & (rng.random(n) < pct / asq["concern_pct"])
            below_any |= below
            cutoff = asq["cutoffs"][domain]
            low = rng.integers(0, max(1, int(cutoff // 5)), n) * 5
            high = rng.integers(int(cutoff // 5) + 1, 13, n) * 5
            table[f"ASQ_{domain.upper()}"] = np.where(below, low, high)
        # A concern always shows in at least one domain, most often communication.
        lone = concern & ~below_any
        table.loc[lone, "ASQ_COMMUNICATION"] = rng.integers(0, 5, lone.sum()) * 5
        extracts.append(Extract("health_visiting", f"health_visiting_{year - 1}-{str(year)[2:]}.csv",
                                table, persons, "HV_ID"))
    return extracts


def school_census(rng, people: pd.DataFrame, run: Setting) -> list[Extract]:
    """Spring school census, this January and last, one row per pupil."""
    params = parameters()["school"]
    extracts = []
    nc_now = people["nc_year"].to_numpy()
    risk = people["risk"].to_numpy()
    for back, year in ((1, run.year - 1), (0, run.year)):
        nc = np.where(nc_now >= 0, nc_now - back, -1)
        persons = np.flatnonzero((nc >= 0) & (people["school_urn"].to_numpy() != ""))
        n = len(persons)
        census = day(f"{year}-01-16")
        who = identity(rng, people, persons, np.full(n, census), params_coverage("school_census"),
                       accuracy=0.4)
        r = risk[persons]
        sen = np.where(rng.random(n) < params["ehcp_pct"] / 100 * r ** 0.3, "E",
                       np.where(rng.random(n) < params["sen_support_pct"] / 100 * r ** 0.3, "K", "N"))
        possible = np.full(n, 246)
        absence = np.clip(rng.gamma(1.2, params["absence_pct"] / 1.2 * r ** 0.4, n), 0, 90) / 100
        absent = (possible * absence).astype(int)
        unauthorised = (absent * rng.uniform(0.1, 0.6, n)).astype(int)
        table = pd.DataFrame({
            "PUPIL_ID": _ids(f"P{year}", n), "UPN": who["upn"], "FORMER_UPN": "",
            "LEGAL_SURNAME": who["surname"], "FORENAME": who["forename"],
            "PREFERRED_SURNAME": np.where(rng.random(n) < 0.04, people["carer_surname"].to_numpy()[persons], ""),
            "DOB": pd.to_datetime(who["dob"]).dt.strftime("%Y-%m-%d"),
            "GENDER": who["sex"].replace("", "M"),
            "ETHNICITY": people["ethnicity"].to_numpy()[persons],
            "POSTCODE": who["postcode"], "SCHOOL_URN": people["school_urn"].to_numpy()[persons],
            "NC_YEAR": np.where(nc[persons] == 0, "R", nc[persons].astype(str)),
            "FSM_ELIGIBLE": np.where(people["fsm"].to_numpy()[persons], "true", "false"),
            "SEN_PROVISION": sen, "SESSIONS_POSSIBLE": possible,
            "SESSIONS_AUTHORISED_ABSENCE": absent - unauthorised,
            "SESSIONS_UNAUTHORISED_ABSENCE": unauthorised,
            "SUSPENSIONS": rng.poisson(params["suspension_pct"] / 100 * r * (nc[persons] >= 7)),
            "PERMANENT_EXCLUSION": np.where(rng.random(n) < params["permanent_exclusion_per_10k"] / 10_000 * r * (nc[persons] >= 7), "true", "false"),
            "CENSUS_DATE": dates(np.full(n, census), "%Y-%m-%d"),
        })
        extracts.append(Extract("school_census", f"school_census_{year}-01.csv", table, persons, "PUPIL_ID"))
    return extracts


def params_coverage(source: str) -> dict[str, float]:
    return parameters()["coverage"][source]


def eyfs_profile(rng, people: pd.DataFrame, run: Setting) -> tuple[Extract, np.ndarray]:
    """EYFS profile at the end of reception (last summer): 17 ELGs; GLD = first 12 expected."""
    eyfs = parameters()["eyfs"]
    nc = people["nc_year"].to_numpy()
    persons = np.flatnonzero((nc == 1) & (people["school_urn"].to_numpy() != ""))
    n = len(persons)
    dob = people["dob"].to_numpy()[persons].astype("datetime64[D]")
    month = dob.astype("datetime64[M]").astype(int) % 12 + 1
    fsm = people["fsm"].to_numpy()[persons]
    decile = people["imd_decile"].to_numpy()[persons]
    shift = (eyfs["boys"] * ((people["sex"].to_numpy()[persons] == "M") - 0.51)
             + eyfs["fsm"] * (fsm - 0.24)
             + eyfs["summer_born"] * (np.isin(month, [5, 6, 7, 8]) - 0.33)
             + eyfs["autumn_born"] * (np.isin(month, [9, 10, 11, 12]) - 0.33)
             + eyfs["per_decile_less_deprived"] * (decile - 5.5))
    target = parameters()["england"]["gld_pct"] / 100
    intercept = np.log(target / (1 - target))
    for _ in range(30):  # centre the model so an England-like cohort averages the target
        mean = (1 / (1 + np.exp(-(intercept + shift - eyfs["per_decile_less_deprived"] * (decile - 5.5))))).mean()
        intercept += (target - mean) * 4
    gld = rng.random(n) < 1 / (1 + np.exp(-(intercept + shift)))
    elg = np.full((n, 17), 2)
    misses = np.minimum(12, 1 + rng.poisson(2.0, n))
    for i in np.flatnonzero(~gld):
        elg[i, rng.choice(12, size=misses[i], replace=False)] = 1
    elg[:, 12:] = np.where(rng.random((n, 5)) < np.where(gld, 0.92, 0.6)[:, None], 2, 1)
    census = day(f"{run.year - 1}-06-30")
    who = identity(rng, people, persons, np.full(n, census), params_coverage("eyfs_profile"), accuracy=0.5)
    table = pd.DataFrame({
        "EYFSP_ID": _ids("EY", n), "UPN": who["upn"], "FORENAME": who["forename"],
        "SURNAME": who["surname"], "DOB": pd.to_datetime(who["dob"]).dt.strftime("%Y-%m-%d"),
        "GENDER": who["sex"].replace("", "M"), "POSTCODE": who["postcode"],
        "SCHOOL_URN": people["school_urn"].to_numpy()[persons], "ASSESSMENT_YEAR": run.year - 1,
    })
    for k in range(17):
        table[f"ELG{k + 1:02d}"] = elg[:, k]
    return Extract("eyfs_profile", f"eyfs_profile_{run.year - 1}.csv", table, persons, "EYFSP_ID"), persons[gld]


def youth_services(rng, people: pd.DataFrame, run: Setting) -> Extract:
    """Youth service enrolments this year: names and dates of birth, rarely anything else."""
    ref, start = day(run.reference_date), day(run.year_start)
    eligible = _aged(people, run, 11, 18)
    joined = eligible[rng.random(len(eligible)) < parameters()["youth_services_pct"] / 100]
    persons = np.repeat(joined, 1 + rng.poisson(0.4, len(joined)))
    n = len(persons)
    when = rng.integers(start, ref, n)
    who = identity(rng, people, persons, when, accuracy=2.0)
    table = pd.DataFrame({
        "YS_ID": _ids("YS", n), "FIRST_NAME": who["forename"], "SURNAME": who["surname"],
        "DOB": pd.to_datetime(who["dob"]).dt.strftime("%d/%m/%Y"), "GENDER": who["sex"],
        "POSTCODE": who["postcode"], "START_DATE": dates(when, "%d/%m/%Y"),
        "PROVISION": pick(rng, {"Youth club": 40, "Detached youth work": 15, "Duke of Edinburgh": 10,
                                "Sports programme": 20, "Mentoring": 10, "Young carers group": 5}, n),
        "SESSIONS_ATTENDED": rng.integers(1, 40, n),
    })
    return Extract("youth_services", f"youth_services_{run.year - 1}-{str(run.year)[2:]}.csv", table, persons, "YS_ID")


def homelessness(rng, people: pd.DataFrame, run: Setting) -> Extract:
    """H-CLIC-like approaches by households with children: one row per child in the household."""
    ref, start = day(run.reference_date), day(run.year_start)
    residents = people.iloc[_residents(people)]
    households = residents["household_id"].unique()
    risk = residents.groupby("household_id")["risk"].first().loc[households].to_numpy()
    p = np.clip(parameters()["homeless_households_pct"] / 100 * risk, 0, 0.5)
    approached = households[rng.random(len(households)) < p]
    when_of = dict(zip(approached, rng.integers(start, ref, len(approached))))
    mask = residents["household_id"].isin(approached).to_numpy()
    persons = _residents(people)[mask]
    hh = residents["household_id"].to_numpy()[mask]
    n = len(persons)
    when = np.array([when_of[h] for h in hh], dtype=np.int64)
    who = identity(rng, people, persons, when, accuracy=1.5)
    case = pd.factorize(hh)[0] + 1
    duty = pick(rng, {"prevention": 55, "relief": 35, "main": 10}, len(approached))[case - 1]
    in_ta = (duty != "prevention") & (rng.random(len(approached)) < 0.6)[case - 1]
    table = pd.DataFrame({
        "HCLIC_ID": _ids("HC", n), "CASE_REF": _ids("HCASE", n)[case - 1] if n else [],
        "FORENAME": who["forename"], "SURNAME": who["surname"],
        "DOB": pd.to_datetime(who["dob"]).dt.strftime("%d/%m/%Y"), "SEX": who["sex"],
        "POSTCODE": who["postcode"], "APPROACH_DATE": dates(when, "%d/%m/%Y"), "DUTY": duty,
        "REASON": pick(rng, {"Family or friends no longer willing to accommodate": 30,
                             "End of private rented tenancy": 30, "Domestic abuse": 20,
                             "Relationship breakdown": 10, "Rent arrears": 10}, len(approached))[case - 1],
        "TEMPORARY_ACCOMMODATION": np.where(in_ta, "Y", "N"),
        "TA_TYPE": np.where(in_ta, pick(rng, {"Bed and breakfast": 15, "Nightly paid": 35,
                                              "Hostel": 20, "Private sector leased": 30}, len(approached))[case - 1], ""),
    })
    # The housing system exports Windows-1252, as many older line-of-business systems do.
    return Extract("homelessness", f"homelessness_{run.year - 1}-{str(run.year)[2:]}.csv", table, persons,
                   "HCLIC_ID", encoding="cp1252")


def youth_justice(rng, people: pd.DataFrame, run: Setting) -> Extract:
    """Youth justice service outcomes for 10–17-year-olds (sent as a workbook)."""
    ref, start = day(run.reference_date), day(run.year_start)
    eligible = _aged(people, run, 10, 18)
    r = people["risk"].to_numpy()[eligible]
    rate = parameters()["youth_justice_per_10k"] / 10_000 * 18 / 8 * r * np.where(
        people["sex"].to_numpy()[eligible] == "M", 1.6, 0.4)
    persons = np.repeat(eligible, rng.poisson(rate))
    n = len(persons)
    offence = rng.integers(start, ref - 30, n)
    outcome = offence + rng.integers(14, 120, n)
    who = identity(rng, people, persons, outcome, parameters()["coverage"]["youth_justice"], accuracy=1.2)
    table = pd.DataFrame({
        "YJ_ID": _ids("YJ", n), "FORENAME": who["forename"], "SURNAME": who["surname"],
        "DOB": pd.to_datetime(who["dob"]).dt.strftime("%d/%m/%Y"), "SEX": who["sex"],
        "POSTCODE": who["postcode"], "UPN": who["upn"], "NHS_NUMBER": who["nhs_number"],
        "ETHNICITY": people["ethnicity"].to_numpy()[persons],
        "OFFENCE_DATE": dates(offence, "%d/%m/%Y"), "OUTCOME_DATE": dates(np.minimum(outcome, ref), "%d/%m/%Y"),
        "OUTCOME": pick(rng, {"Youth Caution": 20, "Youth Conditional Caution": 15, "Referral Order": 35,
                              "Youth Rehabilitation Order": 20, "Community Resolution": 10}, n),
        "OFFENCE_TYPE": pick(rng, {"Violence against the person": 35, "Theft and handling": 15,
                                   "Criminal damage": 12, "Drugs": 12, "Public order": 10,
                                   "Motoring": 8, "Robbery": 8}, n),
    })
    return Extract("youth_justice", f"youth_justice_{run.year - 1}-{str(run.year)[2:]}.xlsx", table, persons, "YJ_ID")


_SAFE_WORDS = {
    True: ["I feel settled here and my PA helps me a lot.", "My flat is small but it is mine and I feel safe.",
           "Staying with my old foster carers means I still have a family around me.",
           "College is going well and I know who to call if things go wrong."],
    False: ["I don't feel safe where I am, there are people coming and going all night.",
            "I have moved three times since I left care and I never know how long I can stay.",
            "I'm sofa surfing at the moment and it's hard to keep going to college.",
            "The B&B is noisy and I don't sleep, nobody tells me what happens next."],
}
_ACCOMMODATION_WORDS = {
    "U": "my own flat", "D": "a supported flat with staff", "Z": "with my old foster carers",
    "B": "back with my family", "E": "supported lodgings", "T": "a foyer", "C": "a residential home",
    "Y": "somewhere temporary", "S": "sofa surfing", "W": "a B&B", "V": "emergency housing",
    "X": "custody", "K": "lodgings with a landlord", "R": "I'd rather not say",
}


def care_leaver_survey(rng, people: pd.DataFrame, outcomes: pd.DataFrame, run: Setting) -> Extract:
    """Care leavers' own words; usually, but not always, agreeing with the recorded suitability."""
    responded = outcomes[(outcomes["IN_TOUCH"] == "YES") & (rng.random(len(outcomes)) < 0.6)]
    n = len(responded)
    persons = responded["person"].to_numpy()
    disagree = rng.random(n) < parameters()["care_leaver"]["voice_disagrees_pct"] / 100
    feels_safe = responded["suitable"].to_numpy() ^ disagree
    when = rng.integers(day(run.year_start), day(run.reference_date), n)
    who = identity(rng, people, persons, when, accuracy=1.0)
    words = np.array([_SAFE_WORDS[bool(s)][rng.integers(0, 4)] for s in feels_safe], dtype=object)
    return Extract("care_leaver_survey", f"care_leaver_survey_{run.year - 1}-{str(run.year)[2:]}.csv", pd.DataFrame({
        "RESPONSE_ID": _ids("CLS", n), "CHILD_ID": people["la_child_id"].to_numpy()[persons],
        "FIRST_NAME": who["forename"], "LAST_NAME": who["surname"],
        "DOB": pd.to_datetime(who["dob"]).dt.strftime("%d/%m/%Y"), "SURVEY_DATE": dates(when, "%d/%m/%Y"),
        "FEEL_SAFE_AND_SETTLED": np.where(feels_safe, pick(rng, {"Always": 45, "Mostly": 55}, n),
                                          pick(rng, {"Sometimes": 45, "Rarely": 35, "Never": 20}, n)),
        "IN_MY_OWN_WORDS": words,
        "ACCOMMODATION_IN_MY_WORDS": [f"I live in {_ACCOMMODATION_WORDS.get(a[0], 'a place of my own')}."
                                      for a in responded["ACCOM"]],
    }), persons, "RESPONSE_ID")


_FACTOR_WORDS = {
    "1B": "parental alcohol misuse", "2B": "parental drug misuse", "3B": "domestic abuse between the adults",
    "4B": "a parent's mental ill-health", "6B": "a parent's illness or disability", "3A": "domestic abuse affecting the child",
    "4A": "the child's own mental health", "16A": "neglect", "17A": "emotional abuse", "18C": "physical harm by an adult",
    "5A": "the child's learning disability", "10A": "going missing", "24A": "criminal exploitation",
    "11A": "sexual exploitation", "15A": "self-harm", "9A": "being an unaccompanied asylum-seeking child",
}


def case_notes(rng, people: pd.DataFrame, history: History, run: Setting) -> Extract:
    """Practitioners' notes whose text reflects what was true: factors, plans, placements."""
    ref = day(run.reference_date)
    r = history.referrals
    factors = {referral: ", ".join(_FACTOR_WORDS[x] for x in codes if x in _FACTOR_WORDS)
               for referral, codes in grouped(history.factors["referral_id"].to_numpy(),
                                              history.factors["factor"].to_numpy()).items()}
    notes = [pd.DataFrame({"person": r["person"], "date": r["referral_date"], "role": "Duty social worker",
                           "text": "Referral received from source " + r["referral_source"] + ". Information gathered and case discussed with manager."})]
    assessed = r[(r["assessment_auth"] >= 0) & (r["assessment_auth"] <= ref)]
    concerns = assessed["referral_id"].map(factors).fillna("")
    notes.append(pd.DataFrame({"person": assessed["person"], "date": assessed["assessment_auth"], "role": "Social worker",
                               "text": np.where(concerns != "", "Assessment completed. Concerns identified: " + concerns + ".",
                                                "Assessment completed. No significant concerns identified.")}))
    cpp = r[(r["cpp_start"] >= 0) & (r["cpp_start"] <= ref)]
    notes.append(pd.DataFrame({"person": cpp["person"], "date": cpp["cpp_start"], "role": "Child protection chair",
                               "text": "Initial child protection conference: child made subject to a child protection plan under the category "
                                       + cpp["initial_category"].map({"NEG": "neglect", "EMO": "emotional abuse", "PHY": "physical abuse", "SAB": "sexual abuse", "MUL": "multiple"}) + "."}))
    cin = r[(r["cin_plan_start"] >= 0) & (r["cin_plan_start"] <= ref) & (r["cpp_start"] < 0)]
    notes.append(pd.DataFrame({"person": cin["person"], "date": cin["cin_plan_start"], "role": "Social worker",
                               "text": "Child in need plan agreed with the family; review in three months."}))
    ep = history.episodes
    index = pd.Series(np.arange(len(people)), index=people["child_id"].to_numpy())
    moves = ep[ep["RNE"].isin(["S", "P", "B", "T"]) & (ep["DECOM"] <= ref)]
    notes.append(pd.DataFrame({"person": index[moves["child"]].to_numpy(), "date": moves["DECOM"].to_numpy(),
                               "role": "Social worker",
                               "text": np.where(moves["RNE"] == "S", "Child became looked after and was placed (placement type ",
                                                "Placement changed; child moved to a new placement (placement type ")
                                       + moves["PLACE"].to_numpy() + ")."}))
    missing = pd.DataFrame(history.missing)
    missing = missing[missing["MIS_START"] <= ref]
    notes.append(pd.DataFrame({"person": index[missing["child"]].to_numpy(), "date": missing["MIS_START"].to_numpy(),
                               "role": "Social worker", "text": "Child reported missing from placement; return interview offered."}))
    notes = pd.concat(notes, ignore_index=True)
    notes = notes[notes["date"] >= day(run.year_start) - 365].sort_values(["date", "person"], kind="stable")
    n = len(notes)
    persons = notes["person"].to_numpy()
    return Extract("case_notes", f"case_notes_{run.year}-03.csv", pd.DataFrame({
        "NOTE_ID": _ids("N", n), "CHILD_ID": people["la_child_id"].to_numpy()[persons],
        "NOTE_DATE": dates(notes["date"], "%Y-%m-%d"), "AUTHOR_ROLE": notes["role"].to_numpy(),
        "NOTE_TEXT": notes["text"].to_numpy()}), persons, "NOTE_ID")
