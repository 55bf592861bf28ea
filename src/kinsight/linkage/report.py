"""The linkage quality and bias report, produced for every run as JSON and HTML.

Follows the GUILD stages and the checklist in the project's linkage domain notes:
provenance; identifier completeness and validity per source; blocking; model
parameters; outcomes (match rates, cluster sizes, implausible clusters); accuracy
(against a truth file where one is given, otherwise from reviewers' decisions);
match and missed-match rates by subgroup; what changed since the last run; and the
known limitations. Subgroup counts under :data:`SUPPRESS_BELOW` are suppressed.

The HTML is one self-contained file: tables plus inline SVG bar charts, no scripts, so
it opens offline and prints.
"""

from __future__ import annotations

import html
import math
import platform
from datetime import UTC, date, datetime
from importlib import metadata
from typing import Any

import duckdb
import pyarrow as pa

from kinsight.linkage import model as linkage_model

#: Subgroups with fewer records than this show no rates (disclosure and reliability).
SUPPRESS_BELOW = 10

IDENTIFYING = ("nhs_number", "upn", "uln", "forename", "middle_names", "surname", "dob", "sex",
               "postcode", "address", "other_id")

_KNOWN_LIMITATIONS = [
    "Pre- and post-adoption identities are deliberately never linked; a pre-adoption record "
    "joins a child only through a shared identifier or a reviewer's decision.",
    "Records withheld by a source (for example under the 'more detrimental' test of "
    "Children Act 2004 s.16LC(7)) cannot be linked and are not counted here.",
    "Without a truth file, accuracy comes only from reviewers' decisions, which are not a "
    "random sample; the missed-match rate is then an estimate from pairs left in the review band.",
    "Deprivation comes from each record's postcode (or its cluster's) in the LA's IMD 2019 "
    "LSOA deciles; records with no postcode in the LA are 'not known'.",
]


def build(con: duckdb.DuckDBPyConnection, *, run: dict[str, Any], inputs: list[dict[str, Any]],
          changes: list, truth: pa.Table | None = None, today: date | None = None,
          la: str | None = None) -> dict[str, Any]:
    """The report for the index open on ``con`` after run ``run`` (a JSON-ready dict).

    ``truth`` (source, record_id, child_id) is read only when the user names a truth
    file, for evaluation on synthetic data; production runs never have one. ``la`` (an
    ONS code) lets records' postcodes give their IMD 2019 deprivation decile.
    """
    today = today or datetime.now(UTC).date()
    model = _latest_model(con)
    thresholds = linkage_model.Thresholds.default()
    _postcode_deciles(con, la)
    _view_people(con, today)
    report = {
        "provenance": _provenance(run, inputs, model, thresholds),
        "input_quality": _input_quality(con),
        "blocking": _blocking(con),
        "model": _model_summary(model),
        "outcomes": _outcomes(con),
        "implausible_clusters": _implausible(con),
        "accuracy": _accuracy(con, truth),
        "subgroups": _subgroups(con, truth, thresholds),
        "changes": {
            "splits": sum(c.kind == "split" for c in changes),
            "merges": sum(c.kind == "merge" for c in changes),
            "events": [{"kind": c.kind, "person_id": c.person_id, "others": c.others, "reason": c.reason}
                       for c in changes[:200]],
        },
        "known_limitations": _KNOWN_LIMITATIONS,
    }
    return report


def _latest_model(con) -> dict[str, Any]:
    import json

    row = con.execute("SELECT model, model_hash FROM models ORDER BY trained_at DESC LIMIT 1").fetchone()
    return {"settings": json.loads(row[0]), "hash": row[1]}


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("kinsight", "splink", "duckdb", "pyarrow"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "unknown"
    return found


def _provenance(run, inputs, model, thresholds) -> dict[str, Any]:
    spec = linkage_model.model_spec()
    return {
        "run_id": run["run_id"],
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
        "model_hash": model["hash"],
        "inputs": inputs,
        "records": {k: run[k] for k in ("records_in_batch", "new", "changed", "unchanged", "indexed")},
        "blocking_rules": spec["blocking_rules"],
        "thresholds": {"link_weight": thresholds.link, "review_weight": thresholds.review,
                       "keep_weight": thresholds.keep},
    }


def _postcode_deciles(con, la: str | None) -> None:
    """``postcode_deciles(postcode, imd_decile)`` for the LA's postcodes (empty without an LA)."""
    con.execute("CREATE OR REPLACE TEMP TABLE postcode_deciles (postcode VARCHAR, imd_decile INTEGER)")
    if not la:
        return
    from kinsight.core import reference

    con.register("ref_postcodes", reference.postcodes(la).select(["postcode", "lsoa11"]))
    con.register("ref_lsoas", reference.lsoas(la).select(["lsoa11", "imd_decile"]))
    con.execute(
        """INSERT INTO postcode_deciles SELECT replace(p.postcode, ' ', ''), CAST(l.imd_decile AS INTEGER)
           FROM ref_postcodes p JOIN ref_lsoas l USING (lsoa11)"""
    )
    con.unregister("ref_postcodes")
    con.unregister("ref_lsoas")


def _view_people(con, today: date) -> None:
    """One row per record with its person, cluster size and subgroup attributes."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE report_people AS
        WITH base AS (
            SELECT r.rid, r.source, r.record_id, p.person_id, r.sex, r.dob, r.nhs_number IS NOT NULL AS nhs_present,
                   r.ethnicity AS own_ethnicity, d.imd_decile AS own_decile,
                   count(*) OVER (PARTITION BY p.person_id) AS cluster_size
            FROM records r JOIN persons p USING (rid) JOIN features f USING (rid)
            LEFT JOIN postcode_deciles d ON d.postcode = f.postcode
        ), cluster_attributes AS (
            SELECT person_id, mode(own_ethnicity) AS cluster_ethnicity, mode(own_decile) AS cluster_decile
            FROM base GROUP BY person_id
        )
        SELECT base.*, coalesce(own_ethnicity, cluster_ethnicity, 'not recorded') AS ethnicity,
               coalesce(CAST(coalesce(own_decile, cluster_decile) AS VARCHAR), 'not known') AS imd_decile,
               CASE WHEN dob IS NULL THEN 'unknown'
                    WHEN date_diff('year', dob, DATE '{today.isoformat()}') < 5 THEN '0-4'
                    WHEN date_diff('year', dob, DATE '{today.isoformat()}') < 10 THEN '5-9'
                    WHEN date_diff('year', dob, DATE '{today.isoformat()}') < 16 THEN '10-15'
                    WHEN date_diff('year', dob, DATE '{today.isoformat()}') < 18 THEN '16-17'
                    ELSE '18+' END AS age_band
        FROM base LEFT JOIN cluster_attributes USING (person_id)"""
    )


def _input_quality(con) -> list[dict[str, Any]]:
    completeness = ", ".join(f"avg(CAST({c} IS NOT NULL AS INT)) AS {c}" for c in IDENTIFYING)
    rows = con.execute(
        f"""SELECT source, count(*) AS records, {completeness},
                   count(nhs_number) AS nhs_present, count(*) FILTER (nhs_valid) AS nhs_valid,
                   count(*) FILTER (nhs_valid AND nhs_test) AS nhs_test_range,
                   count(upn) AS upn_present, count(*) FILTER (upn_valid) AS upn_valid,
                   count(uln) AS uln_present, count(*) FILTER (uln_valid) AS uln_valid
            FROM records GROUP BY source ORDER BY source"""
    )
    names = [d[0] for d in rows.description]
    fetched = rows.fetchall()
    result = []
    shared = dict(con.execute(
        """SELECT source, count(DISTINCT f.nhs_number) FROM features f
           WHERE f.nhs_number IN (SELECT f2.nhs_number FROM features f2 JOIN persons USING (rid)
                                  WHERE f2.nhs_number IS NOT NULL GROUP BY 1 HAVING count(DISTINCT person_id) > 1)
           GROUP BY source"""
    ).fetchall())
    for row in fetched:
        item = dict(zip(names, row))
        result.append({
            "source": item["source"],
            "records": item["records"],
            "completeness": {c: round(item[c], 4) for c in IDENTIFYING},
            "nhs_number": {"present": item["nhs_present"], "valid": item["nhs_valid"],
                           "invalid": item["nhs_present"] - item["nhs_valid"],
                           "test_range_999": item["nhs_test_range"],
                           "shared_by_different_people": shared.get(item["source"], 0)},
            "upn": {"present": item["upn_present"], "valid": item["upn_valid"],
                    "invalid": item["upn_present"] - item["upn_valid"]},
            "uln": {"present": item["uln_present"], "valid": item["uln_valid"],
                    "invalid": item["uln_present"] - item["uln_valid"]},
        })
    return result


def _blocking(con) -> list[dict[str, Any]]:
    rules = linkage_model.model_spec()["blocking_rules"]
    counts = dict(con.execute("SELECT match_key, count(*) FROM pairs GROUP BY 1").fetchall())
    return [{"rule": rule, "pairs_kept": counts.get(i, 0)} for i, rule in enumerate(rules)]


def _model_summary(model) -> dict[str, Any]:
    settings = model["settings"]
    comparisons, untrained = [], []
    for comparison in settings["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = math.log2(m / u) if m and u else None
            if m is None or u is None:
                untrained.append(f"{comparison['output_column_name']}: {level.get('label_for_charts')}")
            levels.append({"level": level.get("label_for_charts"), "m": m, "u": u,
                           "match_weight": round(weight, 3) if weight is not None else None})
        comparisons.append({"comparison": comparison["output_column_name"], "levels": levels})
    return {"probability_two_random_records_match": settings.get("probability_two_random_records_match"),
            "comparisons": comparisons, "untrained_levels": untrained}


def _outcomes(con) -> dict[str, Any]:
    sizes = con.execute(
        """SELECT cluster_size, count(*) FROM (SELECT person_id, count(*) AS cluster_size FROM report_people
           GROUP BY 1) GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    per_source = con.execute(
        """SELECT source, count(*), avg(CAST(cluster_size > 1 AS INT)) FROM report_people GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    pair_rates = con.execute(
        """WITH present AS (SELECT DISTINCT person_id, source FROM report_people)
           SELECT a.source, b.source, avg(CAST(EXISTS (SELECT 1 FROM present q WHERE q.person_id = a.person_id
                                                     AND q.source = b.source) AS INT))
           FROM report_people a, (SELECT DISTINCT source FROM report_people) b
           WHERE a.source <> b.source GROUP BY 1, 2 ORDER BY 1, 2"""
    ).fetchall()
    return {
        "people": sum(count for _, count in sizes),
        "records": sum(size * count for size, count in sizes),
        "singletons": next((count for size, count in sizes if size == 1), 0),
        "cluster_sizes": [{"size": s, "people": c} for s, c in sizes],
        "match_rate_by_source": [{"source": s, "records": n, "linked_to_another_record": round(r, 4)}
                                 for s, n, r in per_source],
        "match_rate_by_source_pair": [{"source": a, "with": b, "share_of_records_found": round(r, 4)}
                                      for a, b, r in pair_rates],
    }


def _implausible(con) -> dict[str, Any]:
    nhs = con.execute(
        """SELECT count(*) FROM (SELECT person_id FROM features JOIN persons USING (rid)
           WHERE nhs_number IS NOT NULL GROUP BY 1 HAVING count(DISTINCT nhs_number) > 1)"""
    ).fetchone()[0]
    dob = con.execute(
        """SELECT count(*) FROM (SELECT person_id FROM records JOIN persons USING (rid)
           WHERE dob IS NOT NULL GROUP BY 1 HAVING date_diff('day', min(dob), max(dob)) > 365)"""
    ).fetchone()[0]
    twins = con.execute(
        """SELECT count(DISTINCT a.person_id) FROM pairs p JOIN persons a ON a.rid = p.rid_l
           JOIN persons b ON b.rid = p.rid_r WHERE p.guarded AND a.person_id = b.person_id"""
    ).fetchone()[0]
    return {"two_different_valid_nhs_numbers": nhs, "dates_of_birth_over_a_year_apart": dob,
            "possible_merged_twins": twins}


def _wilson(successes: float, total: float) -> list[float] | None:
    """95% Wilson score interval for a proportion."""
    if not total:
        return None
    z, p = 1.96, successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return [round(centre - half, 5), round(centre + half, 5)]


def _pairwise(con, group_column: str | None = None) -> list[tuple]:
    """Same-child pairs found and true same-child pairs, overall or by a report_people column."""
    return con.execute(
        f"""WITH j AS (SELECT r.person_id, t.child_id{', r.' + group_column if group_column else ''}
                       FROM report_people r JOIN truth t USING (source, record_id)),
            child_group AS (SELECT child_id{', mode(' + group_column + ') AS ' + group_column if group_column else ''}
                            FROM j GROUP BY child_id),
            tp AS (SELECT child_id, sum(n * (n - 1) / 2) AS v FROM
                   (SELECT person_id, child_id, count(*) AS n FROM j GROUP BY 1, 2) GROUP BY 1),
            tt AS (SELECT child_id, count(*) * (count(*) - 1) / 2 AS v FROM j GROUP BY 1)
        SELECT {group_column + ',' if group_column else ''} sum(tp.v), sum(tt.v)
        FROM tt JOIN tp USING (child_id) JOIN child_group USING (child_id)
        {'GROUP BY 1 ORDER BY 1' if group_column else ''}"""
    ).fetchall()


def _accuracy(con, truth: pa.Table | None) -> dict[str, Any]:
    decisions = con.execute(
        """SELECT c.same, a.person_id = b.person_id FROM constraints c
           JOIN persons a ON a.rid = c.rid_l JOIN persons b ON b.rid = c.rid_r"""
    ).fetchall()
    reviewed = {"decisions": len(decisions),
                "same_child": sum(1 for same, _ in decisions if same),
                "not_same_child": sum(1 for same, _ in decisions if not same)}
    if truth is None:
        return {"basis": "reviewed decisions", "reviewed": reviewed,
                "note": "no truth file given; precision and recall cannot be measured directly"}
    con.register("truth_arrow", truth)
    con.execute("CREATE OR REPLACE TEMP TABLE truth AS SELECT source, record_id, child_id FROM truth_arrow")
    con.unregister("truth_arrow")
    tp, true_pairs = _pairwise(con)[0]
    predicted = con.execute(
        """SELECT sum(n * (n - 1) / 2) FROM (SELECT person_id, count(*) AS n FROM report_people r
           JOIN truth t USING (source, record_id) GROUP BY 1)"""
    ).fetchone()[0]
    tp, true_pairs, predicted = float(tp or 0), float(true_pairs or 0), float(predicted or 0)
    precision = tp / predicted if predicted else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    exact = con.execute(
        """WITH j AS (SELECT person_id, child_id FROM report_people JOIN truth USING (source, record_id))
           SELECT avg(CAST(ok AS INT)) FROM (SELECT child_id, count(DISTINCT person_id) = 1 AND
               bool_and((SELECT count(DISTINCT child_id) FROM j j2 WHERE j2.person_id = j.person_id) = 1) AS ok
               FROM j GROUP BY child_id)"""
    ).fetchone()[0]
    return {
        "basis": "truth file (synthetic data)",
        "pairwise": {"precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5),
                     "precision_ci95": _wilson(tp, predicted), "recall_ci95": _wilson(tp, true_pairs),
                     "true_pairs": int(true_pairs), "predicted_pairs": int(predicted),
                     "false_match_rate": round(1 - precision, 5), "missed_match_rate": round(1 - recall, 5)},
        "children_recovered_exactly": round(exact or 0, 5),
        "reviewed": reviewed,
    }


def _subgroups(con, truth: pa.Table | None, thresholds) -> dict[str, Any]:
    # Without truth, a record counts as possibly missed when it stands alone but has a
    # pair in the review band: the evidence was there, below the link threshold.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE possibly_missed AS
            SELECT DISTINCT rid FROM (SELECT rid_l AS rid, match_weight, guarded FROM pairs
                                      UNION ALL SELECT rid_r, match_weight, guarded FROM pairs)
            WHERE match_weight >= {thresholds.review} AND match_weight < {thresholds.link} AND NOT guarded"""
    )
    result = {}
    for column, label in (("ethnicity", "ethnicity"), ("sex", "sex"), ("age_band", "age band"),
                          ("imd_decile", "deprivation decile (IMD 2019, 1 = most deprived)"),
                          ("source", "source service"), ("nhs_present", "NHS number present")):
        rows = con.execute(
            f"""SELECT coalesce(CAST({column} AS VARCHAR), 'not recorded') AS grp, count(*),
                       avg(CAST(cluster_size > 1 AS INT)),
                       avg(CAST(cluster_size = 1 AND rid IN (SELECT rid FROM possibly_missed) AS INT))
                FROM report_people GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        recall = {}
        if truth is not None:
            for grp, tp, tt in _pairwise(con, column):
                recall[str(grp) if grp is not None else "not recorded"] = (float(tp or 0), float(tt or 0))
        groups = []
        for grp, n, linked, missed in rows:
            item = {"group": grp, "records": n}
            if n < SUPPRESS_BELOW:
                item["suppressed"] = True
            else:
                item["match_rate"] = round(linked, 4)
                item["possible_missed_rate"] = round(missed, 4)
                if grp in recall and recall[grp][1]:
                    tp, tt = recall[grp]
                    item["recall"] = round(tp / tt, 5)
                    item["missed_match_rate"] = round(1 - tp / tt, 5)
            groups.append(item)
        result[label] = groups
    return result


# -- HTML -----------------------------------------------------------------------------


def to_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (inline SVG charts, no scripts)."""
    p = report["provenance"]
    parts = [
        f"<h1>Linkage quality and bias report</h1><p>Run <code>{_e(p['run_id'])}</code>, "
        f"{_e(p['generated_at'])}; model <code>{_e(p['model_hash'])}</code>.</p>",
        "<h2>1. Provenance</h2>",
        _table(["item", "value"], [[k, v] for k, v in p["versions"].items()] +
               [[k, v] for k, v in p["records"].items()] +
               [[k, v] for k, v in p["thresholds"].items()]),
        _table(["source", "format", "files", "records"],
               [[i["source"], i["format"], ", ".join(f["name"] for f in i["files"]), i["records"]]
                for i in p["inputs"]]),
        "<h2>2. Identifier completeness and validity</h2>",
        _table(["source", "records", "NHS present", "NHS valid", "NHS invalid", "NHS 999 test range",
                "NHS shared by different people", "UPN present", "UPN valid", "ULN valid"],
               [[q["source"], q["records"], q["nhs_number"]["present"], q["nhs_number"]["valid"],
                 q["nhs_number"]["invalid"], q["nhs_number"]["test_range_999"],
                 q["nhs_number"]["shared_by_different_people"], q["upn"]["present"], q["upn"]["valid"],
                 q["uln"]["valid"]] for q in report["input_quality"]]),
        _table(["source"] + list(IDENTIFYING),
               [[q["source"]] + [f"{q['completeness'][c]:.1%}" for c in IDENTIFYING]
                for q in report["input_quality"]]),
        "<h2>3. Blocking</h2>",
        _bars([(b["rule"], b["pairs_kept"]) for b in report["blocking"]], "pairs kept"),
        "<h2>4. Model</h2>",
        f"<p>Prior (probability two random records match): "
        f"{report['model']['probability_two_random_records_match']}</p>",
    ]
    for comparison in report["model"]["comparisons"]:
        parts.append(f"<h3>{_e(comparison['comparison'])}</h3>")
        parts.append(_bars([(lv["level"], lv["match_weight"] or 0) for lv in comparison["levels"]],
                           "match weight", signed=True))
    if report["model"]["untrained_levels"]:
        parts.append("<p><strong>Untrained levels:</strong> " +
                     _e(", ".join(report["model"]["untrained_levels"])) + "</p>")
    o = report["outcomes"]
    parts += [
        "<h2>5. Outcomes</h2>",
        f"<p>{o['records']} records, {o['people']} people, {o['singletons']} people with one record.</p>",
        _bars([(f"{c['size']} record(s)", c["people"]) for c in o["cluster_sizes"][:20]], "people"),
        _table(["source", "records", "linked to another record"],
               [[m["source"], m["records"], f"{m['linked_to_another_record']:.1%}"]
                for m in o["match_rate_by_source"]]),
        _table(["source", "found in", "share of records"],
               [[m["source"], m["with"], f"{m['share_of_records_found']:.1%}"]
                for m in o["match_rate_by_source_pair"]]),
        "<h3>Implausible clusters</h3>",
        _table(["check", "people"], [[k.replace("_", " "), v] for k, v in report["implausible_clusters"].items()]),
        "<h2>6. Accuracy</h2>",
        _accuracy_html(report["accuracy"]),
        "<h2>7. Subgroups</h2>",
    ]
    for label, groups in report["subgroups"].items():
        parts.append(f"<h3>By {_e(label)}</h3>")
        columns = ["group", "records", "match rate", "recall", "missed-match rate", "possible missed"]
        rows = [[g["group"], g.get("records", ""), _pct(g.get("match_rate")), _pct(g.get("recall")),
                 _pct(g.get("missed_match_rate")), _pct(g.get("possible_missed_rate"))]
                if not g.get("suppressed") else [g["group"], f"fewer than {SUPPRESS_BELOW}", "", "", "", ""]
                for g in groups]
        parts.append(_table(columns, rows))
        charted = [(g["group"], g.get("recall", g.get("match_rate")) or 0) for g in groups
                   if not g.get("suppressed") and "records" in g]
        if charted:
            parts.append(_bars(charted, "recall" if groups and "recall" in groups[0] else "match rate"))
    c = report["changes"]
    parts += [
        "<h2>8. Changes since the last run</h2>",
        f"<p>{c['splits']} split(s), {c['merges']} merge(s).</p>",
        _table(["change", "person", "others", "reason"],
               [[e["kind"], e["person_id"], ", ".join(e["others"]), e["reason"]] for e in c["events"]]),
        "<h2>9. Known limitations</h2><ul>" +
        "".join(f"<li>{_e(x)}</li>" for x in report["known_limitations"]) + "</ul>",
    ]
    style = ("body{font-family:Arial,sans-serif;margin:2em;max-width:70em;color:#0b0c0c}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #b1b4b6;"
             "padding:.3em .6em;text-align:left;font-size:90%}code{background:#f3f2f1}")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Linkage quality report"
            f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>")


def _accuracy_html(accuracy: dict[str, Any]) -> str:
    if "pairwise" not in accuracy:
        r = accuracy["reviewed"]
        return (f"<p>{_e(accuracy['note'])}. Reviewed decisions: {r['decisions']} "
                f"({r['same_child']} same child, {r['not_same_child']} not the same child).</p>")
    pw = accuracy["pairwise"]
    return _table(["measure", "value", "95% interval"], [
        ["precision", pw["precision"], pw["precision_ci95"]],
        ["recall", pw["recall"], pw["recall_ci95"]],
        ["F1", pw["f1"], ""],
        ["false-match rate", pw["false_match_rate"], ""],
        ["missed-match rate", pw["missed_match_rate"], ""],
        ["children recovered exactly", accuracy["children_recovered_exactly"], ""],
    ])


def _e(value) -> str:
    return html.escape(str(value))


def _pct(value) -> str:
    return "" if value is None else f"{value:.1%}"


def _table(columns: list[str], rows: list[list]) -> str:
    head = "".join(f"<th scope='col'>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _bars(items: list[tuple[str, float]], unit: str, *, signed: bool = False) -> str:
    """A horizontal bar chart as inline SVG; negative values (weights) go left of the axis."""
    if not items:
        return ""
    width, label_w, row_h = 640, 260, 18
    largest = max(abs(v) for _, v in items) or 1
    axis = label_w + (width - label_w) / 2 if signed else label_w
    span = (width - label_w) / 2 if signed else width - label_w - 60
    rows = []
    for i, (label, value) in enumerate(items):
        y = i * row_h
        length = abs(value) / largest * (span - 10)
        x = axis - length if value < 0 else axis
        shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        text = str(label)
        rows.append(
            f"<text x='0' y='{y + 13}' font-size='11'>{_e(text[:42])}</text>"
            f"<rect x='{x:.1f}' y='{y + 3}' width='{max(length, 1):.1f}' height='{row_h - 6}' "
            f"fill='{'#d4351c' if value < 0 else '#1d70b8'}'/>"
            f"<text x='{(x + length + 4) if value >= 0 else (x - 4):.1f}' y='{y + 13}' font-size='10' "
            f"text-anchor='{'start' if value >= 0 else 'end'}'>{_e(shown)}</text>"
        )
    height = len(items) * row_h + 4
    return (f"<svg role='img' aria-label='{_e(unit)}' width='{width}' height='{height}' "
            f"xmlns='http://www.w3.org/2000/svg'>{''.join(rows)}</svg>")
