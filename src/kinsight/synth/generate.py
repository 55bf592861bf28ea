"""Generate one synthetic local authority into a folder (layout: docs/contracts.md §2).

Everything is written into a temporary sibling folder which is renamed into place
only when complete, so an interrupted or failed run leaves nothing half-written.
"""

from __future__ import annotations

import shutil
from datetime import datetime
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import xlsxwriter

from kinsight.core.errors import KinsightError
from kinsight.synth import journeys, partners, population, returns
from kinsight.synth.config import write_config
from kinsight.synth.faults import inject_cin_faults, inject_faults
from kinsight.synth.journeys import History, grouped
from kinsight.synth.model import Setting, setting
from kinsight.synth.updates import next_month

Progress = Callable[[str], None]
#: Below this an LA has a handful of children in care, and the returns would be near empty.
MINIMUM_CHILDREN = 1_000


@dataclass(frozen=True)
class Summary:
    """What a run produced: where, for which LA, and how many of each thing."""

    out: Path
    la_code: str
    la_name: str
    children: int
    records: int
    faults: int


def write_csv(table: pd.DataFrame, path: Path, encoding: str = "utf-8") -> None:
    """Write a table as CSV with every value as text (what partners send).

    Some partner systems still export Windows-1252; ``encoding`` reproduces that.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    arrow = pa.Table.from_pandas(table.astype(str).replace({"nan": "", "None": "", "NaT": ""}),
                                 preserve_index=False)
    pacsv.write_csv(arrow, path, pacsv.WriteOptions(quoting_style="needed"))
    if encoding != "utf-8":
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding, errors="replace"))


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Write sheets of text cells; the workbook's creation date is fixed so a seed gives
    the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(str(path), {"constant_memory": True}) as book:
        book.set_properties({"created": datetime(2000, 1, 1)})
        bold = book.add_format({"bold": True})
        for name, frame in sheets.items():
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, list(frame.columns), bold)
            # write_string skips xlsxwriter's per-cell type sniffing: every value here is text.
            write = sheet.write_string
            for i, row in enumerate(frame.astype(str).itertuples(index=False), start=1):
                for j, value in enumerate(row):
                    if value:
                        write(i, j, value)


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise KinsightError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise KinsightError(f"{out}: the folder is not empty (use --force to replace it)")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise KinsightError(f"{parent}: the parent folder does not exist")
    try:
        probe = tempfile.TemporaryDirectory(dir=parent, prefix=f".{out.name}.")
        probe.cleanup()
    except OSError as error:
        raise KinsightError(f"{out}: cannot write here ({error.strerror})") from None


def generate(out: Path, children: int = 60_000, seed: int = 0, la_code: str | None = None,
             year: int = 2026, fault_rate: float = 0.002, force: bool = False,
             progress: Progress = lambda step: None) -> Summary:
    """Generate the synthetic LA into ``out``; deterministic for ``seed``."""
    if children <= 0:
        raise KinsightError(f"--children must be a positive number of children, not {children}")
    if children < MINIMUM_CHILDREN:
        raise KinsightError(
            f"--children must be at least {MINIMUM_CHILDREN:,}: with fewer, an LA has too few "
            f"children in care or on plans to model (asked for {children:,})")
    if not 0 <= fault_rate <= 0.5:
        raise KinsightError(f"--fault-rate must be between 0 and 0.5, not {fault_rate}")
    if not 2020 <= year <= 2030:
        raise KinsightError(f"--year must be a collection year between 2020 and 2030, not {year}")
    run = setting(la_code, year)
    out = Path(out)
    _check_out(out, force)
    work = Path(tempfile.mkdtemp(dir=out.resolve().parent, prefix=f".{out.name}.partial-"))
    try:
        summary = _generate_into(work, run, children, seed, fault_rate, progress)
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Summary(out, run.authority.code, run.authority.name, children, summary[0], summary[1])


def _generate_into(root: Path, run: Setting, n: int, seed: int, fault_rate: float,
                   progress: Progress) -> tuple[int, int]:
    rng = np.random.default_rng(seed)
    progress("people and places")
    people, spare_nhs = population.build(rng, run, n)
    progress("journeys")
    people, history = journeys.simulate(rng, run, people, spare_nhs)
    records: list[pd.DataFrame] = []

    def truth(source: str, ids, persons) -> None:
        records.append(pd.DataFrame({"source": source, "record_id": np.asarray(ids),
                                     "child_id": people["child_id"].to_numpy()[np.asarray(persons, dtype=np.int64)]}))

    progress("statutory returns")
    index = pd.Series(np.arange(len(people)), index=people["la_child_id"].to_numpy())
    outcomes = {}
    faults: list[dict] = []
    placed: list[pd.DataFrame] = []
    for year in (run.year - 1, run.year):
        y = returns.Year(year)
        outcomes[year] = returns.care_leaver_outcomes(rng, returns.care_leavers_of_year(history, y), y)
        tables = returns.ssda903(rng, people, history, year, outcomes[year])
        folder = root / "returns" / "ssda903" / str(year)
        # Ofsted's lists describe the settings as they are, not as a faulty return records them.
        placed.append(tables["episodes.csv"][["URN", "PLACE", "PLACE_PROVIDER", "PL_POST"]].copy())
        faults += inject_faults(rng, tables, fault_rate, f"returns/ssda903/{year}")
        for name, table in tables.items():
            write_csv(table, folder / name)
        if year == run.year:
            header = tables["header.csv"]
            truth("ssda903", header["CHILD"], index[header["CHILD"]].to_numpy())
        xml = returns.cin_census(people, history, year, run.authority.dfe_code)
        path = root / "returns" / "cin" / f"cin_census_{year}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        xml, cin_faults = inject_cin_faults(rng, xml, fault_rate, f"returns/cin/cin_census_{year}.xml")
        faults += cin_faults
        path.write_bytes(xml)
        if year == run.year:
            cin_ids = history.referrals.loc[returns.Year(year).overlaps(
                history.referrals["referral_date"], history.referrals["closure_date"]), "person"].unique()
            truth("cin_census", people["la_child_id"].to_numpy()[cin_ids], cin_ids)
    for name, sheets in returns.ofsted_provider_lists(placed, run.authority.name).items():
        write_xlsx(sheets, root / "returns" / "ofsted" / name)
    lists = returns.annex_a(rng, people, history, run.year, outcomes[run.year])
    write_xlsx(lists, root / "returns" / "annex_a" / "annex_a.xlsx")
    annex_ids = pd.unique(pd.concat([f["Child Unique ID"] for name, f in lists.items() if name != "List 11"]))
    truth("annex_a", annex_ids, index[annex_ids].to_numpy())

    progress("partner extracts")
    extracts = [partners.social_care_persons(rng, people, history, run),
                *partners.health_visiting(rng, people, run),
                *partners.school_census(rng, people, run)]
    eyfs, gld_children = partners.eyfs_profile(rng, people, run)
    extracts += [eyfs, partners.youth_services(rng, people, run), partners.homelessness(rng, people, run),
                 partners.youth_justice(rng, people, run),
                 partners.care_leaver_survey(rng, people, outcomes[run.year], run),
                 partners.case_notes(rng, people, history, run)]
    for extract in extracts:
        path = root / "partners" / extract.source / extract.file
        if extract.file.endswith(".xlsx"):
            write_xlsx({"Sheet1": extract.table}, path)
        else:
            write_csv(extract.table, path, extract.encoding)
        truth(extract.source, extract.table[extract.record_id], extract.persons)

    progress("next month's update")
    update_records = next_month(rng, people, history, run, root)

    progress("truth and configuration")
    truth_dir = root / "truth"
    all_records = pd.concat(records, ignore_index=True)
    write_csv(all_records, truth_dir / "records.csv")
    write_csv(_children_truth(people, history, run, gld_children), truth_dir / "children.csv")
    write_csv(pd.DataFrame(faults, columns=["source", "file", "table", "row_number", "record_id",
                                            "field", "fault", "rule_code"]), truth_dir / "faults.csv")
    for month, frame in update_records.items():
        write_csv(frame, truth_dir / "updates" / month / "records.csv")
    write_config(root / "kinsight.toml", run, children=n)
    return len(all_records), len(faults)


def _children_truth(people: pd.DataFrame, history: History, run: Setting, gld_children) -> pd.DataFrame:
    """One row per true child with their circumstances and what happened to them."""
    y = returns.Year(run.year)
    r = history.referrals
    person = np.arange(len(people))

    def among(persons) -> np.ndarray:
        return pd.Index(np.asarray(persons)).unique().get_indexer(person) >= 0

    def who(mask) -> np.ndarray:
        return among(r.loc[mask, "person"])

    ep = history.episodes
    in_care_now = people["child_id"].isin(ep.loc[ep["DEC"] < 0, "child"]).to_numpy()
    factors = history.factors.merge(r[["referral_id", "person"]], on="referral_id")
    named = factors[factors["factor"] != "21"]
    child_factors = pd.Series({person: " ".join(sorted(set(codes))) for person, codes in grouped(
        named["person"].to_numpy(), named["factor"].to_numpy()).items()}, dtype=object)
    frame = people[["child_id", "household_id", "kind", "sex", "ethnicity", "lsoa11", "ward_code",
                    "imd_decile", "twin_of", "adopted", "uasc", "grt", "mobile", "domestic_abuse",
                    "parental_mental_health", "parental_substance_misuse", "parental_disability",
                    "nhs_number", "upn", "la_child_id"]].copy()
    frame.insert(4, "dob", people["dob"].dt.strftime("%Y-%m-%d").to_numpy())
    frame["toxic_trio"] = (people["domestic_abuse"] & people["parental_mental_health"]
                           & people["parental_substance_misuse"]).to_numpy()
    frame["assessment_factors"] = child_factors.reindex(person, fill_value="").to_numpy()
    frame["referred_this_year"] = who((r["referral_date"] >= y.start) & (r["referral_date"] <= y.end))
    frame["cin_this_year"] = who(~r["nfa"] & y.overlaps(r["referral_date"], r["closure_date"]))
    frame["cpp_at_31_march"] = who((r["cpp_start"] >= 0) & (r["cpp_start"] <= y.end) & (r["cpp_end"] < 0))
    frame["cla_at_31_march"] = in_care_now
    frame["care_leaver"] = among(history.care_leavers["person"])
    frame["early_help"] = among(history.early_help["person"])
    frame["gld"] = np.where(among(gld_children), "true", "")
    frame["adoptive_nhs_number"] = people["adoptive_nhs_number"].to_numpy()
    frame["adoptive_surname"] = people["adoptive_surname"].to_numpy()
    return frame

