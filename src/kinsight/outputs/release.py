"""The indicator release: compute, protect, compare, and write the EES files and workbook.

This is what ``kinsight indicators`` runs. Everything written passes through
:func:`~kinsight.outputs.disclosure.protect_results` first; nothing raw leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from kinsight.analysis import compute, reference
from kinsight.analysis.catalogue import library
from kinsight.analysis.comparators import comparators, trend
from kinsight.analysis.engine import snapshot_la
from kinsight.analysis.periods import parse_period, split
from kinsight.core.errors import KinsightError
from kinsight.outputs import ees, workbook
from kinsight.outputs.disclosure import protect_comparators, protect_results, rules_for

OGL = ("Comparators: Department for Education and Office for National Statistics official "
       "statistics, Contains public sector information licensed under the Open Government "
       "Licence v3.0.")


def _display(protected: pd.DataFrame) -> pd.DataFrame:
    titles = {i: item.title for i, item in library().indicators.items()}
    return protected.assign(indicator=protected["indicator_id"].map(titles))[
        ["indicator_id", "indicator", "period", "breakdown", "level", "numerator",
         "denominator", "value", "gap"]
    ]


def _trends(indicator_ids, la: reference.LocalAuthority) -> pd.DataFrame:
    titles = {i: item.title for i, item in library().indicators.items()}
    frames = [trend(i, la).assign(indicator_id=i, indicator=titles[i]) for i in indicator_ids]
    frames = [f for f in frames if len(f)]
    columns = ["indicator_id", "indicator", "time_period", "la_value", "sn_median_value",
               "region_value", "england_value"]
    return pd.concat(frames)[columns] if frames else pd.DataFrame(columns=columns)


def _definitions() -> pd.DataFrame:
    return pd.DataFrame([
        dict(indicator_id=i.id, title=i.title, outcome=i.outcome_title, definition=i.definition,
             unit=i.unit.replace("_", " "), polarity=i.polarity,
             source_fields="; ".join(i.source_fields))
        for i in library().indicators.values()
    ])


def publish_indicators(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    period: str,
    *,
    la: str | None = None,
    indicator_ids: Iterable[str] | None = None,
    series: Sequence[str] = ("month", "quarter"),
    output_class: str = "official_statistics",
    threshold: int | None = None,
) -> list[Path]:
    """Write the LA's indicators for ``period`` to ``out``: EES CSV + meta (headline with
    breakdowns and wards, comparators, and each series), and ``kinsight_indicators.xlsx``.
    Returns the files written."""
    whole = parse_period(period)
    local = reference.local_authority(la) if la else snapshot_la(con)
    if local is None:
        raise KinsightError("the snapshot does not say which LA it is for: give --la")
    rules = rules_for(output_class, threshold=threshold)
    ids = list(indicator_ids) if indicator_ids is not None else None
    results = compute(con, ids, whole, la=local)
    protected = protect_results(results, rules)
    compared = protect_comparators(comparators(results, local), protected)
    runs = {}
    for by in series:
        run = compute(con, ids, whole, by=by, la=local)
        runs[by] = (protect_results(run, rules), {p.label: p for p in split(whole, by)})

    tables = []
    if whole.is_financial_year:
        labels = {whole.label: whole}
        tables += [ees.indicator_table(protected, local, labels, None),
                   ees.comparator_table(compared, local, labels)]
    for by, (run, labels) in runs.items():
        if by == "quarter" and not whole.is_financial_quarters:
            continue
        tables.append(ees.indicator_table(run, local, labels, by, f"kinsight_indicators_{by}ly"))
    written = [ees.write(table, out) for table in tables]

    sheets = [
        workbook.Sheet(f"Indicators for {local.la_name}, {whole.label}, beside comparators",
                       "Each indicator for the LA from linked data, with the published median of "
                       "its 10 statistical neighbours, its region and England.",
                       compared.assign(indicator=compared["indicator_id"].map(
                           {i: it.title for i, it in library().indicators.items()}))),
        workbook.Sheet(f"Indicators by characteristic and area, {whole.label}",
                       "Totals and every breakdown, with the gap to all other children.",
                       _display(protected)),
        *[workbook.Sheet(f"Indicators by {by}, {whole.label}",
                         f"Each indicator computed for every {by} of the period.",
                         _display(run)) for by, (run, _) in runs.items()],
        workbook.Sheet("Published trend: the LA, its statistical neighbours, region and England",
                       "The published value of each indicator DfE also publishes, by year.",
                       _trends(compared["indicator_id"].unique(), local)),
        workbook.Sheet("Indicator definitions", "How each indicator is calculated.",
                       _definitions()),
    ]
    book = workbook.Workbook(
        title=f"Children's services indicators: {local.la_name}, {whole.label}",
        summary=("National Framework indicators, early years, care leavers and need, computed "
                 "from the LA's linked records, with comparators."),
        source=f"Kinsight warehouse snapshot, {local.la_name}. {OGL}",
        sheets=sheets,
        general_notes=(
            f"Counts from 1 to {rules.threshold - 1} are suppressed (c), with further cells "
            "suppressed where they would let a suppressed count be worked out from totals.",
            "Rates per 10,000 use the ONS mid-year estimate of children aged 0 to 17; small-area "
            "rates share it out by the IoD2019 child population of each LSOA.",
            "Comparators are the latest published year; the LA figure is for the period shown.",
        ),
    )
    written.append(workbook.write(book, Path(out) / "kinsight_indicators.xlsx"))
    return written
