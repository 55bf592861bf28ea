"""Journeys through services, from linked data: which stages children pass through and in what
order (Sankey data), and how long until something happens again (time-to-event tables).

Stages are declared once below (each is the SQL giving a child's entries into it). A journey
is the order in which a child first entered each stage up to the end of the period; a link
counts the children who went from one stage straight to the next. Small flows are dropped
before anything leaves: a Sankey of one LA can otherwise point at one or two children.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from kinsight.analysis.engine import ensure_views, prepare
from kinsight.analysis.periods import Period, parse_period
from kinsight.core.errors import KinsightError

#: Stage id → (label, SQL returning person_id, entered).
STAGES: dict[str, tuple[str, str]] = {
    "early_help": ("Early help", "SELECT person_id, start_date AS entered FROM early_help"),
    "referral": ("Referral", "SELECT person_id, referral_date FROM referrals"),
    "cin": ("Child in need plan", "SELECT person_id, start_date FROM cin_plans"),
    "cp": ("Child protection plan", "SELECT person_id, start_date FROM cp_plans"),
    "cla": ("Looked after", "SELECT person_id, decom FROM episodes"),
    "care_leaver": ("Care leaver",
                    "SELECT person_id, make_date(CAST(collection_year AS INTEGER) - 1, 4, 1) "
                    "FROM care_leavers"),
}

#: Time-to-event measures: (label, SQL of person_id, start, event) pairs. The event is the
#: first one after the start; children without one are censored at the period end.
EVENTS: dict[str, tuple[str, str]] = {
    "rereferral": ("Time from a referral to the next referral", """
        SELECT person_id, referral_date AS start,
               lead(referral_date) OVER (PARTITION BY person_id ORDER BY referral_date) AS event
        FROM referrals"""),
    "repeat_cpp": ("Time from the end of a child protection plan to the next plan", """
        SELECT c.person_id, c.end_date AS start,
               (SELECT min(n.start_date) FROM cp_plans n
                WHERE n.person_id = c.person_id AND n.start_date > c.end_date) AS event
        FROM cp_plans c WHERE c.end_date IS NOT NULL"""),
    "return_to_care": ("Time from leaving care to becoming looked after again", """
        SELECT e.person_id, e.dec AS start,
               (SELECT min(n.decom) FROM episodes n
                WHERE n.person_id = e.person_id AND n.rne = 'S' AND n.decom > e.dec) AS event
        FROM episodes e WHERE e.dec IS NOT NULL AND e.rec <> 'X1'"""),
}


def _period(period: str | Period) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def journeys(con: duckdb.DuckDBPyConnection, period: str | Period = "2025-04..2026-03", *,
             threshold: int = 10) -> dict:
    """Sankey data for children who entered any stage in the period, following each child from
    their first stage (ever) through the stages they first entered later, up to the period end.

    Returns ``{"nodes", "links", "suppressed_links", "figure"}``: nodes with labels, links
    (source, target, children), how many links were too small to show, and a Plotly Sankey.
    """
    chosen = _period(period)
    prepare(con, [chosen])
    union = " UNION ALL ".join(
        f"SELECT '{stage}' AS stage, person_id, entered FROM ({sql}) AS s(person_id, entered)"
        for stage, (_, sql) in STAGES.items()
    )
    ensure_views(con, union)
    firsts = con.execute(f"""
        WITH entries AS ({union}),
        firsts AS (SELECT person_id, stage, min(entered) AS entered FROM entries
                   WHERE entered <= ? AND person_id IS NOT NULL GROUP BY ALL),
        active AS (SELECT DISTINCT person_id FROM entries WHERE entered BETWEEN ? AND ?)
        SELECT f.person_id, f.stage, f.entered FROM firsts f JOIN active USING (person_id)
        ORDER BY f.person_id, f.entered, f.stage
    """, [chosen.end, chosen.start, chosen.end]).df()
    order = {stage: i for i, stage in enumerate(STAGES)}
    firsts["rank"] = firsts["stage"].map(order)
    firsts = firsts.sort_values(["person_id", "entered", "rank"])
    firsts["next"] = firsts.groupby("person_id")["stage"].shift(-1)
    links = (firsts.dropna(subset=["next"]).groupby(["stage", "next"]).size()
             .rename("children").reset_index()
             .rename(columns={"stage": "source", "next": "target"}))
    small = (links["children"] > 0) & (links["children"] < threshold)
    shown = links[~small].reset_index(drop=True)
    nodes = [{"id": stage, "label": label} for stage, (label, _) in STAGES.items()]
    index = {stage: i for i, stage in enumerate(STAGES)}
    figure = {"data": [{
        "type": "sankey",
        "node": {"label": [n["label"] for n in nodes], "color": "#12436D"},
        "link": {"source": [index[s] for s in shown["source"]],
                 "target": [index[t] for t in shown["target"]],
                 "value": [int(v) for v in shown["children"]]},
    }], "layout": {"title": {"text": f"Children's journeys through services, {chosen.label}"}}}
    return {"nodes": nodes, "links": shown.to_dict("records"),
            "suppressed_links": int(small.sum()), "figure": figure}


def time_to_event(con: duckdb.DuckDBPyConnection, kind: str = "rereferral",
                  period: str | Period = "2025-04..2026-03", *, months: int = 24,
                  threshold: int = 10) -> pd.DataFrame:
    """A Kaplan–Meier table by month for starts up to the period end (events after the period
    end are not yet known, so follow-up is censored there).

    Returns month_from, month_to, at_risk, events, survival and cumulative (1 − survival).
    For disclosure control, months are merged until each band has no events or at least
    ``threshold``, and the table stops where fewer than ``threshold`` children are at risk.
    """
    if kind not in EVENTS:
        raise KinsightError(f"unknown time-to-event measure {kind!r}: {', '.join(EVENTS)}")
    chosen = _period(period)
    prepare(con, [chosen])
    ensure_views(con, EVENTS[kind][1])
    frame = con.execute(f"""
        SELECT start, CASE WHEN event <= ? THEN event END AS event
        FROM ({EVENTS[kind][1]}) WHERE start <= ? AND start IS NOT NULL
    """, [chosen.end, chosen.end]).df()
    start = pd.to_datetime(frame["start"])
    stop = pd.to_datetime(frame["event"]).fillna(pd.Timestamp(chosen.end))
    elapsed = ((stop - start).dt.days / 30.4375).to_numpy()
    happened = frame["event"].notna().to_numpy()
    rows = []
    for month in range(months):
        at_risk = int((elapsed >= month).sum())
        events = int(((elapsed >= month) & (elapsed < month + 1) & happened).sum())
        rows.append((month, at_risk, events))
    return _protected_life_table(rows, threshold)


def _protected_life_table(rows: list[tuple[int, int, int]], threshold: int) -> pd.DataFrame:
    bands, current = [], None
    for month, at_risk, events in rows:
        if at_risk < threshold:
            break
        if current is None:
            current = [month, month + 1, at_risk, events]
        else:
            current[1], current[3] = month + 1, current[3] + events
        if current[3] == 0 or current[3] >= threshold:
            bands.append(current)
            current = None
    if current is not None and bands and current[3]:
        # The last few events fold into the band before rather than being shown alone.
        bands[-1][1], bands[-1][3] = current[1], bands[-1][3] + current[3]
    survival, table = 1.0, []
    for month_from, month_to, at_risk, events in bands:
        survival *= 1 - events / at_risk
        table.append(dict(month_from=month_from, month_to=month_to, at_risk=at_risk,
                          events=events, survival=survival, cumulative=1 - survival))
    return pd.DataFrame(table, columns=["month_from", "month_to", "at_risk", "events",
                                        "survival", "cumulative"])


def survival_figure(table: pd.DataFrame, title: str) -> dict:
    """A step chart of the cumulative proportion with the event, as a Plotly figure dict."""
    x = list(np.concatenate([[0], table["month_to"].to_numpy()]).astype(float))
    y = list(np.concatenate([[0.0], 100 * table["cumulative"].to_numpy()]))
    return {"data": [{"type": "scatter", "mode": "lines", "line": {"shape": "hv",
                                                                    "color": "#12436D"},
                      "x": x, "y": y, "name": "Cumulative %"}],
            "layout": {"title": {"text": title}, "xaxis": {"title": {"text": "Months"}},
                       "yaxis": {"title": {"text": "Per cent"}}}}
