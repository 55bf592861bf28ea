"""Shared pieces of the linkage benchmarks: the synthetic LA at scale, cached, and scoring.

The data come from the linkage tests' own generator (tests/linkage/synthetic.py), kept
for the benchmarks so that their figures compare from one round to the next (the LA of
``kinsight synth`` is held to its targets in tests/linkage/test_synthetic_la.py);
generating a million records takes about a minute, so they are cached as Parquet under
``$KINSIGHT_BENCH_CACHE`` (default /tmp).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "linkage"))

RECORDS_PER_CHILD = 2.2  # the generator's average over its six services


def synthetic_la(records: int, seed: int = 2026) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(records, truth, children) for about ``records`` records, cached on disk."""
    cache = Path(os.environ.get("KINSIGHT_BENCH_CACHE", "/tmp")) / f"kinsight-linkage-la-{records}-{seed}"
    if not (cache / "records.parquet").exists():
        from synthetic import generate

        la = generate(int(records / RECORDS_PER_CHILD), seed=seed)
        cache.mkdir(parents=True, exist_ok=True)
        for name in ("records", "truth", "children"):
            pq.write_table(getattr(la, name), cache / f"{name}.parquet")
    return tuple(pq.read_table(cache / f"{name}.parquet") for name in ("records", "truth", "children"))


def write_sources(records: pa.Table, folder: Path) -> Path:
    """One CSV per service, as partners send them, and a link config mapping their columns."""
    folder.mkdir(parents=True, exist_ok=True)
    blocks = []
    for name in sorted(set(records["source"].to_pylist())):
        table = records.filter(pc.equal(records["source"], name)).drop_columns(["source"])
        table = table.set_column(table.schema.get_field_index("dob"), "dob", pc.strftime(table["dob"], "%d/%m/%Y"))
        pacsv.write_csv(table, folder / f"{name}.csv")
        columns = "\n".join(f'{c} = "{c}"' for c in table.column_names if c not in ("record_id", "ethnicity"))
        blocks.append(f'[[sources]]\nname = "{name}"\npath = "{name}.csv"\nformat = "csv"\n'
                      f'record_id = "record_id"\nethnicity_column = "ethnicity"\n[sources.columns]\n{columns}\n')
    (folder / "link.toml").write_text("\n".join(blocks))
    return folder / "link.toml"


def pairwise_f1(clusters: pa.Table, truth: pa.Table, *, person: str = "person_id") -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of ``clusters`` (source, record_id, person) against truth."""
    con = duckdb.connect()
    con.register("c", clusters)
    con.register("t", truth)
    tp, predicted, true = con.execute(
        f"""WITH j AS (SELECT c.{person} AS p, t.child_id FROM c JOIN t USING (source, record_id))
           SELECT (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM j GROUP BY p, child_id)),
                  (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM j GROUP BY p)),
                  (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM j GROUP BY child_id))"""
    ).fetchone()
    precision, recall = tp / predicted, tp / true
    return precision, recall, 2 * precision * recall / (precision + recall)


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far, in GB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def cpu_seconds() -> float:
    """User plus system CPU time of this process so far: on a shared machine, the honest cost."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *_):
        self.seconds = time.perf_counter() - self.start
