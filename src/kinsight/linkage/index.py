"""The persistent child index: records, features, pairs, people, constraints and events.

A :class:`ChildIndex` is a folder (normally ``<warehouse>/index/``) holding one DuckDB
file. Each :meth:`ChildIndex.link` adds a batch of person records (a monthly extract, or
every source at once), scores only what is new or changed against everything indexed,
re-clusters only the people those records touch, and carries ``person_id``s forward so
they never change once issued. Every split and merge is written to ``events`` with its
reason; reviewers' decisions become constraints every later run honours.

Example::

    index = ChildIndex.open(warehouse / "index")
    result = index.link(read_person_records(source))
    for item in index.review_queue():
        index.decide(item.pair, same=False, reviewer="a.analyst", reason="different schools")
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kinsight.core.errors import KinsightError
from kinsight.linkage import model as linkage_model
from kinsight.linkage.clustering import Change, Evidence, carry_forward, cluster
from kinsight.linkage.standardise import (
    RECORD_COLUMNS,
    conform,
    features_sql,
    register_forename_variants,
)

INDEX_FILE = "index.duckdb"

#: A pair of records as the review queue and decisions name it.
PairKey = tuple[str, str, str, str]  # source_l, record_id_l, source_r, record_id_r

# No primary keys: the index keeps its keys unique itself, and DuckDB's ART indexes make
# the bulk deletes and inserts of a re-cluster, and joins planned through them, slow.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    rid BIGINT, {record_columns}, nhs_valid BOOLEAN, nhs_test BOOLEAN,
    upn_valid BOOLEAN, uln_valid BOOLEAN, fingerprint VARCHAR, first_run VARCHAR, last_run VARCHAR);
CREATE TABLE IF NOT EXISTS pairs (rid_l BIGINT, rid_r BIGINT, match_weight DOUBLE,
    match_probability DOUBLE, guarded BOOLEAN, match_key INTEGER, run_id VARCHAR);
CREATE TABLE IF NOT EXISTS persons (rid BIGINT, person_id VARCHAR);
CREATE TABLE IF NOT EXISTS issued_ids (person_id VARCHAR);
CREATE TABLE IF NOT EXISTS constraints (rid_l BIGINT, rid_r BIGINT, same BOOLEAN,
    reviewer VARCHAR, reason VARCHAR, decided_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS review_queue (rid_l BIGINT, rid_r BIGINT, match_weight DOUBLE,
    match_probability DOUBLE, queued_run VARCHAR, status VARCHAR);
CREATE TABLE IF NOT EXISTS events (happened_at TIMESTAMP, run_id VARCHAR, kind VARCHAR,
    person_id VARCHAR, others VARCHAR[], reason VARCHAR);
CREATE TABLE IF NOT EXISTS models (model_hash VARCHAR, trained_at TIMESTAMP, model JSON);
CREATE TABLE IF NOT EXISTS runs (run_id VARCHAR, ran_at TIMESTAMP, summary JSON);
"""


@dataclass(frozen=True)
class ReviewItem:
    """A pair the model is unsure about, with what a reviewer needs to decide."""

    pair: PairKey
    match_weight: float
    match_probability: float
    left: dict[str, Any]
    right: dict[str, Any]


@dataclass
class LinkageResult:
    """What one :meth:`ChildIndex.link` produced."""

    run_id: str
    #: Every indexed record: source, record_id, person_id.
    clusters: pa.Table
    #: Pairs scored in this run at or above the review weight, by source and record id.
    pairs: pa.Table
    #: Splits and merges of people since the previous run.
    changes: list[Change]
    #: The quality and bias report (see :mod:`kinsight.linkage.report`).
    report: dict[str, Any] = field(default_factory=dict)


class ChildIndex:
    """The persistent, incremental child index in one folder. Use :meth:`open`."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection):
        self.path = path
        self.con = con
        self.thresholds = linkage_model.Thresholds.default()

    @classmethod
    def open(cls, path: Path | str) -> ChildIndex:
        """Open the index in folder ``path``, creating it if needed."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(path / INDEX_FILE))
        except duckdb.Error as exc:
            raise KinsightError(f"{path / INDEX_FILE}: cannot open the child index ({exc})") from None
        columns = ", ".join(f"{name} {_sql_type(kind)}" for name, kind in RECORD_COLUMNS.items())
        con.execute(_SCHEMA.format(record_columns=columns))
        register_forename_variants(con)
        return cls(path, con)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> ChildIndex:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    # -- linking ---------------------------------------------------------------------

    def link(self, records: pa.Table, *, retrain: bool = False) -> LinkageResult:
        """Add ``records`` (docs/contracts.md §3) to the index and link them.

        Records already indexed and unchanged are not re-scored; changed ones (same
        source and record id, different details) are re-scored; records not in the
        batch stay as they were. The model is trained on the first run (or when
        ``retrain``) and reused after that. The whole run is one transaction.
        """
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        batch = conform(records)
        self._refuse_duplicates(batch)
        con = self.con
        try:
            counts = self._prepare(batch)
            con.execute("BEGIN TRANSACTION")
            try:
                self._store(run_id)
                # On a first run every record is staged, and the staged copy, written before
                # the transaction opened, is quicker to train on and score than the index's.
                linkable = "staged_features" if counts["all_new"] else "features"
                model = self._model(retrain, linkable)
                self._score(model, run_id, first_run=counts["all_new"])
                affected = self._affected(run_id, counts["all_new"])
                changes = self._recluster(affected, run_id)
                self._queue_reviews(run_id)
                summary = {"run_id": run_id, **{k: v for k, v in counts.items() if k != "all_new"}}
                con.execute("INSERT INTO runs VALUES (?, now(), ?)", [run_id, json.dumps(summary)])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            con.execute("DROP VIEW IF EXISTS indexed_linkable")
            for scratch in ("batch", "staged", "staged_features"):
                con.execute(f"DROP TABLE IF EXISTS {scratch}")
        return LinkageResult(run_id, self.clusters(), self.pairs(run_id), changes, summary)

    def _refuse_duplicates(self, batch: pa.Table) -> None:
        self.con.register("batch_check", batch)
        try:
            found = self.con.execute(
                "SELECT source, record_id FROM batch_check GROUP BY ALL HAVING count(*) > 1 "
                "ORDER BY ALL LIMIT 5"
            ).fetchall()
        finally:
            self.con.unregister("batch_check")
        if found:
            names = ", ".join(f"{s}/{r}" for s, r in found)
            raise KinsightError(f"duplicate record ids in the records to link: {names}")

    def _prepare(self, batch: pa.Table) -> dict[str, Any]:
        """Compare ``batch`` with the index and standardise its new and changed records.

        Writes nothing to the index, only this connection's scratch tables: ``batch``
        (every record with its key and fingerprint), ``staged`` (the keys of new and changed
        records) and ``staged_features`` (their features). They are made before the run's
        transaction opens because DuckDB reads committed tables about twice as fast as
        rows written inside an open transaction (measured at a million records).

        A record already indexed keeps its key (``rid``); a new one is numbered after the
        largest key in the index by its place in the batch in source and record id order.
        The numbers of records already indexed are skipped, which leaves gaps: harmless in
        a key, and it spares ordering every column of a million records to close them.
        """
        con = self.con
        con.register("batch_arrow", _with_key_order(batch))
        attributes = [c for c in batch.column_names]
        fingerprint = "md5(concat_ws('|', " + ", ".join(
            f"coalesce(CAST(b.{c} AS VARCHAR), '')" for c in attributes if c not in ("source", "record_id")
        ) + "))"
        start, indexed = con.execute("SELECT coalesce(max(rid), 0), count(*) FROM records").fetchone()
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE batch AS
                SELECT coalesce(r.rid, {start} + b.key_order) AS rid, b.* EXCLUDE (key_order),
                       {fingerprint} AS fingerprint, r.rid AS old_rid, r.fingerprint AS old_fp
                FROM batch_arrow b LEFT JOIN records r USING (source, record_id)"""
        )
        con.unregister("batch_arrow")
        new, changed, unchanged = con.execute(
            """SELECT count(*) FILTER (old_rid IS NULL), count(*) FILTER (old_rid IS NOT NULL AND fingerprint <> old_fp),
                      count(*) FILTER (fingerprint = old_fp) FROM batch"""
        ).fetchone()
        con.execute(f"CREATE OR REPLACE TEMP TABLE staged AS SELECT rid FROM {_STAGED_RECORDS}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE staged_features AS {features_sql(_STAGED_RECORDS)}")
        return {
            "records_in_batch": batch.num_rows,
            "new": new,
            "changed": changed,
            "unchanged": unchanged,
            "indexed": indexed + new,
            "all_new": new + changed == indexed + new,
        }

    def _store(self, run_id: str) -> None:
        """Write the staged records and their features into the index."""
        con = self.con
        con.execute("DELETE FROM records WHERE rid IN (SELECT rid FROM staged)")
        con.execute(
            f"""INSERT INTO records BY NAME
                SELECT *, {_literal(run_id)} AS first_run, {_literal(run_id)} AS last_run FROM {_STAGED_RECORDS}"""
        )
        con.execute(f"UPDATE records SET last_run = {_literal(run_id)} WHERE rid IN (SELECT old_rid FROM batch)")
        # Changed records lose their old pairs; they are scored again below.
        con.execute("DELETE FROM pairs WHERE rid_l IN (SELECT rid FROM staged) OR rid_r IN (SELECT rid FROM staged)")
        # Features of new and changed records only; the rest are as they were.
        con.execute("CREATE TABLE IF NOT EXISTS features AS SELECT * FROM staged_features WHERE false")
        con.execute("DELETE FROM features WHERE rid IN (SELECT rid FROM staged)")
        con.execute("INSERT INTO features SELECT * FROM staged_features")
        self._term_frequencies()

    def _term_frequencies(self) -> None:
        """Term-frequency lookups over the whole index, for the model's adjustments."""
        for name in linkage_model.TF_COLUMNS:
            self.con.execute(
                f"CREATE OR REPLACE TABLE tf_{name} AS {linkage_model.term_frequency_sql('features', name)}"
            )

    def _model(self, retrain: bool, linkable: str) -> dict[str, Any]:
        """The index's model, trained first on ``linkable`` (all the index's features) if needed."""
        row = self.con.execute("SELECT model FROM models ORDER BY trained_at DESC LIMIT 1").fetchone()
        if row and not retrain:
            return json.loads(row[0])
        if self.con.execute(f"SELECT count(*) FROM {linkable}").fetchone()[0] < 2:
            raise KinsightError("at least two records are needed to train the linkage model")
        trained = linkage_model.train(self.con, linkable)
        self.con.execute(
            "INSERT INTO models VALUES (?, now(), ?)",
            [linkage_model.model_hash(trained), json.dumps(trained)],
        )
        return trained

    def model(self) -> dict[str, Any] | None:
        """The trained model (Splink JSON), or None before the first run."""
        row = self.con.execute("SELECT model FROM models ORDER BY trained_at DESC LIMIT 1").fetchone()
        return json.loads(row[0]) if row else None

    def _score(self, model: dict[str, Any], run_id: str, *, first_run: bool) -> None:
        """Score the staged records against each other and, unless they are the whole index
        (a first run), against the rest of it."""
        con, keep = self.con, self.thresholds.keep
        if first_run:
            scored = [linkage_model.score_within(con, model, "staged_features", keep_weight=keep)]
        else:
            if con.execute("SELECT count(*) FROM staged_features").fetchone()[0] == 0:
                return
            # A view, not a copy: the index's features are committed, a copy would not be.
            con.execute(
                "CREATE OR REPLACE TEMP VIEW indexed_linkable AS "
                "SELECT * FROM features WHERE rid NOT IN (SELECT rid FROM staged)"
            )
            scored = [linkage_model.score_within(con, model, "staged_features", keep_weight=keep)]
            if con.execute("SELECT count(*) FROM indexed_linkable").fetchone()[0]:
                scored.append(linkage_model.score_between(
                    con, model, "staged_features", "indexed_linkable", keep_weight=keep
                ))
        # Splink yields each pair once (a blocking rule skips the pairs an earlier rule
        # found), and pairs within the batch and between it and the index are disjoint.
        for relation in scored:
            con.execute(
                f"""INSERT INTO pairs SELECT rid_l, rid_r, match_weight, match_probability, guarded,
                   match_key, {_literal(run_id)} FROM relation"""
            )

    def _affected(self, run_id: str, everything: bool) -> np.ndarray:
        """Records whose people this run may change: the staged ones and everyone they link to.

        When every record in the index was staged (a first run), that is all of them.
        """
        if everything:
            return self.con.execute("SELECT rid FROM records ORDER BY rid").fetchnumpy()["rid"]
        link = self.thresholds.link
        return self.con.execute(
            f"""WITH touched AS (
                    SELECT rid FROM staged
                    UNION SELECT rid_l FROM pairs WHERE run_id = {_literal(run_id)} AND match_weight >= {link}
                    UNION SELECT rid_r FROM pairs WHERE run_id = {_literal(run_id)} AND match_weight >= {link}
                    UNION SELECT f2.rid FROM features f1 JOIN features f2 USING (nhs_number)
                          WHERE f1.rid IN (SELECT rid FROM staged)
                    UNION SELECT f2.rid FROM features f1 JOIN features f2 USING (upn)
                          WHERE f1.rid IN (SELECT rid FROM staged)
                    UNION SELECT f2.rid FROM features f1 JOIN features f2 USING (other_id)
                          WHERE f1.rid IN (SELECT rid FROM staged)
                ), people AS (SELECT DISTINCT person_id FROM persons WHERE rid IN (SELECT rid FROM touched))
                SELECT rid FROM touched
                UNION SELECT rid FROM persons WHERE person_id IN (SELECT person_id FROM people)
                ORDER BY 1"""
        ).fetchnumpy()["rid"]

    def _recluster(self, affected: np.ndarray, run_id: str) -> list[Change]:
        """Cluster the ``affected`` records afresh and carry their person ids forward."""
        con = self.con
        con.register("affected_arrow", pa.table({"rid": pa.array(affected, pa.int64())}))
        con.execute("CREATE OR REPLACE TEMP TABLE affected AS SELECT * FROM affected_arrow")
        con.unregister("affected_arrow")
        link = self.thresholds.link
        evidence = [Evidence("decision", *self._arrays(
            "SELECT rid_l, rid_r FROM constraints WHERE same"
        ))]
        for key in ("nhs_number", "upn", "other_id"):
            # A star per shared value: every record joins the group's first record.
            evidence.append(Evidence(key, *self._arrays(
                f"""SELECT min(rid) OVER (PARTITION BY {key}) AS l, rid AS r FROM features
                    WHERE {key} IS NOT NULL AND rid IN (SELECT rid FROM affected)"""
            )))
        l, r, w = self._arrays(
            f"""SELECT rid_l, rid_r, match_weight FROM pairs
                WHERE match_weight >= {link} AND NOT guarded
                  AND rid_l IN (SELECT rid FROM affected) AND rid_r IN (SELECT rid FROM affected)""",
            width=3,
        )
        evidence.append(Evidence("model", l, r, w))
        cannot = [(a, b, "a reviewer decided they are not the same child", True)
                  for a, b in con.execute("SELECT rid_l, rid_r FROM constraints WHERE NOT same").fetchall()]
        cannot += [(a, b, "sibling guard: forenames or sex clearly differ", False)
                   for a, b in con.execute(
                       f"""SELECT rid_l, rid_r FROM pairs WHERE guarded AND match_weight >= {self.thresholds.review}
                           AND rid_l IN (SELECT rid FROM affected) AND rid_r IN (SELECT rid FROM affected)"""
                   ).fetchall()]
        nhs = dict(con.execute(
            "SELECT rid, nhs_number FROM features WHERE nhs_number IS NOT NULL AND rid IN (SELECT rid FROM affected)"
        ).fetchall())
        adoption = dict(con.execute(
            "SELECT rid, adoption FROM features WHERE adoption IS NOT NULL AND rid IN (SELECT rid FROM affected)"
        ).fetchall())
        previous = dict(con.execute(
            "SELECT rid, person_id FROM persons WHERE rid IN (SELECT rid FROM affected)"
        ).fetchall())
        # Records that had a person are clustered edge by edge, so a merge can say why.
        result = cluster(affected, evidence, nhs_number=nhs, adoption=adoption, cannot_link=cannot,
                         explained=previous.keys())
        taken = {row[0] for row in con.execute("SELECT person_id FROM issued_ids").fetchall()}
        before = set(taken)
        person, changes = carry_forward(result.labels, previous, taken=taken)
        self._explain(changes, result, previous, person)
        con.register("assigned", pa.table({
            "rid": pa.array(list(person), pa.int64()), "person_id": pa.array(list(person.values()), pa.string()),
        }))
        con.execute("DELETE FROM persons WHERE rid IN (SELECT rid FROM affected)")
        con.execute("INSERT INTO persons SELECT rid, person_id FROM assigned")
        con.unregister("assigned")
        fresh = list(taken - before)
        if fresh:
            con.register("fresh_ids", pa.table({"person_id": pa.array(fresh, pa.string())}))
            con.execute("INSERT INTO issued_ids SELECT person_id FROM fresh_ids")
            con.unregister("fresh_ids")
        if changes:
            con.executemany(
                "INSERT INTO events VALUES (now(), ?, ?, ?, ?, ?)",
                [[run_id, c.kind, c.person_id, c.others, c.reason] for c in changes],
            )
        return changes

    @staticmethod
    def _explain(changes: list[Change], result, previous: dict[int, str], person: dict[int, str]) -> None:
        """Fill in why each split or merge happened, from the evidence the clustering used."""
        joined_by: dict[frozenset, str] = {}
        for a, b, kind in result.joins:
            before = frozenset((previous.get(a), previous.get(b)))
            if len(before) == 2 and None not in before:
                joined_by.setdefault(before, kind)
        refused: dict[frozenset, str] = {}
        for a, b, reason in result.refused:
            refused.setdefault(frozenset((person[a], person[b])), reason)
        for change in changes:
            if change.kind == "merge":
                kinds = {joined_by.get(frozenset((change.person_id, o)))
                         for o in change.others} - {None}
                change.reason = "linked by " + (", ".join(sorted(kinds)) if kinds else "new records")
            else:
                reasons = {refused.get(frozenset((change.person_id, o))) for o in change.others} - {None}
                change.reason = "; ".join(sorted(reasons)) or "the evidence no longer reaches the link threshold"

    def _arrays(self, sql: str, width: int = 2):
        result = self.con.execute(sql).fetchnumpy()
        return [np.asarray(v) for v in list(result.values())[:width]]

    def _queue_reviews(self, run_id: str) -> None:
        """Queue this run's undecided pairs in the review band that join different people."""
        t = self.thresholds
        con = self.con
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE band AS
                SELECT p.rid_l, p.rid_r, p.match_weight, p.match_probability, a.person_id AS person_l
                FROM pairs p JOIN persons a ON a.rid = p.rid_l
                WHERE p.run_id = {_literal(run_id)} AND p.match_weight >= {t.review}
                  AND p.match_weight < {t.link} AND NOT p.guarded"""
        )
        con.execute("DELETE FROM band WHERE (rid_l, rid_r) IN (SELECT (rid_l, rid_r) FROM constraints)")
        # The second person is looked up in its own statement: given both joins at once,
        # DuckDB 1.5 plans "person_l <> person_id" as a nested loop over all people.
        con.execute(
            f"""INSERT INTO review_queue
                SELECT band.rid_l, band.rid_r, band.match_weight, band.match_probability,
                       {_literal(run_id)}, 'open'
                FROM band JOIN persons b ON b.rid = band.rid_r
                WHERE b.person_id <> band.person_l"""
        )

    # -- reading ---------------------------------------------------------------------

    def clusters(self) -> pa.Table:
        """Every indexed record with its person id: source, record_id, person_id."""
        return self.con.execute(
            "SELECT source, record_id, person_id FROM records JOIN persons USING (rid) ORDER BY source, record_id"
        ).to_arrow_table()

    def pairs(self, run_id: str | None = None) -> pa.Table:
        """Scored pairs at or above the review weight (of one run, or all), by record."""
        where = f"AND p.run_id = {_literal(run_id)}" if run_id else ""
        return self.con.execute(
            f"""SELECT a.source AS source_l, a.record_id AS record_id_l, b.source AS source_r,
                       b.record_id AS record_id_r, p.match_probability, p.match_weight
                FROM pairs p JOIN records a ON a.rid = p.rid_l JOIN records b ON b.rid = p.rid_r
                WHERE p.match_weight >= {self.thresholds.review} {where}
                ORDER BY p.match_weight DESC, 1, 2, 3, 4"""
        ).to_arrow_table()

    def events(self) -> pa.Table:
        """Every split and merge ever made, with its run and reason."""
        return self.con.execute("SELECT * FROM events ORDER BY happened_at").to_arrow_table()

    # -- clerical review -------------------------------------------------------------

    def review_queue(self) -> list[ReviewItem]:
        """Open pairs in the uncertain band, most likely matches first."""
        rows = self.con.execute(
            """SELECT q.match_weight, q.match_probability, a.*, b.* FROM review_queue q
               JOIN records a ON a.rid = q.rid_l JOIN records b ON b.rid = q.rid_r
               WHERE q.status = 'open' ORDER BY q.match_weight DESC"""
        )
        names = [d[0] for d in rows.description]
        width = (len(names) - 2) // 2
        shown = ("source", "record_id", "forename", "surname", "dob", "sex", "postcode")
        items = []
        for row in rows.fetchall():
            left = dict(zip(names[2:2 + width], row[2:2 + width]))
            right = dict(zip(names[2:2 + width], row[2 + width:]))
            items.append(ReviewItem(
                pair=(left["source"], left["record_id"], right["source"], right["record_id"]),
                match_weight=row[0], match_probability=row[1],
                left={k: left[k] for k in shown}, right={k: right[k] for k in shown},
            ))
        return items

    def decide(self, pair: PairKey, same: bool, reviewer: str, reason: str) -> list[Change]:
        """Record a reviewer's decision on ``pair`` and apply it now and in every later run.

        ``same=True`` becomes a must-link, ``same=False`` a cannot-link. Returns the
        splits and merges it caused.
        """
        if not reviewer or not reason:
            raise KinsightError("a review decision needs the reviewer and a reason")
        rids = []
        for source, record_id in (pair[:2], pair[2:]):
            row = self.con.execute(
                "SELECT rid FROM records WHERE source = ? AND record_id = ?", [source, record_id]
            ).fetchone()
            if row is None:
                raise KinsightError(f"no record {source}/{record_id} in the child index")
            rids.append(row[0])
        low, high = sorted(rids)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM constraints WHERE rid_l = ? AND rid_r = ?", [low, high])
            con.execute("INSERT INTO constraints VALUES (?, ?, ?, ?, ?, now())", [low, high, same, reviewer, reason])
            con.execute(
                "UPDATE review_queue SET status = 'decided' WHERE rid_l = ? AND rid_r = ?", [low, high]
            )
            affected = con.execute(
                """SELECT rid FROM persons WHERE person_id IN
                   (SELECT person_id FROM persons WHERE rid IN (?, ?)) ORDER BY rid""",
                [low, high],
            ).fetchnumpy()["rid"]
            run_id = "review-" + uuid.uuid4().hex[:8]
            changes = self._recluster(affected, run_id)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return changes

    # -- adoption --------------------------------------------------------------------

    def allow_adoption_link(self, purpose: str, *, authorised_by: str) -> pa.Table:
        """The links between pre- and post-adoption identities, for one named purpose.

        The index itself never merges them. Governance calls this only when the policy
        allows re-identification across an adoption for ``purpose``; each call is
        recorded in ``events``. Returns person_id_pre, person_id_post, match_weight.
        """
        if not purpose or not purpose.strip() or not authorised_by:
            raise KinsightError("an adoption link needs a named purpose and who authorised it")
        # Pairs across an adoption first (few), then their people, in two statements so
        # DuckDB does not plan the inequality of person ids as a loop over everyone.
        self.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE across_adoption AS
                SELECT CASE WHEN fa.adoption = 'pre' THEN p.rid_l ELSE p.rid_r END AS rid_pre,
                       CASE WHEN fa.adoption = 'pre' THEN p.rid_r ELSE p.rid_l END AS rid_other,
                       p.match_weight
                FROM pairs p JOIN features fa ON fa.rid = p.rid_l JOIN features fb ON fb.rid = p.rid_r
                WHERE p.match_weight >= {self.thresholds.link}
                  AND coalesce(fa.adoption = 'pre', false) <> coalesce(fb.adoption = 'pre', false)"""
        )
        found = self.con.execute(
            """SELECT pa.person_id AS person_id_pre, pb.person_id AS person_id_post,
                      max(x.match_weight) AS match_weight
               FROM across_adoption x JOIN persons pa ON pa.rid = x.rid_pre JOIN persons pb ON pb.rid = x.rid_other
               WHERE pa.person_id IS DISTINCT FROM pb.person_id GROUP BY 1, 2 ORDER BY 1, 2"""
        ).to_arrow_table()
        self.con.execute(
            "INSERT INTO events VALUES (now(), NULL, 'adoption_link', NULL, [], ?)",
            [f"pre/post-adoption links released for purpose {purpose!r} by {authorised_by} ({found.num_rows} links)"],
        )
        return found


#: The new and changed records of the batch being linked (see ``ChildIndex._prepare``).
_STAGED_RECORDS = "(SELECT * EXCLUDE (old_rid, old_fp) FROM batch WHERE old_rid IS NULL OR fingerprint <> old_fp)"


def _with_key_order(batch: pa.Table) -> pa.Table:
    """``batch`` with ``key_order``: each record's place (from 1) in source and record id order."""
    order = pc.sort_indices(batch, sort_keys=[("source", "ascending"), ("record_id", "ascending")])
    place = np.empty(batch.num_rows, dtype=np.int64)
    place[order.to_numpy()] = np.arange(1, batch.num_rows + 1)
    return batch.append_column("key_order", pa.array(place))


def _literal(run_id: str) -> str:
    """A run id as an SQL literal.

    Run ids are made here (timestamp and hex), never from user text; they are inlined
    rather than bound because DuckDB 1.5 plans these joins badly with a bound parameter
    (seconds instead of milliseconds at 100,000 records).
    """
    if not re.fullmatch(r"[0-9A-Za-z-]+", run_id):
        raise ValueError(f"not a run id: {run_id!r}")
    return f"'{run_id}'"


def _sql_type(kind: pa.DataType) -> str:
    return "DATE" if kind == pa.date32() else "VARCHAR"
