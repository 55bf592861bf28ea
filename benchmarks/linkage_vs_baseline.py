"""Kinsight's linkage against a plain Splink model, side by side on the same records.

The baseline is what a careful first Splink job looks like, from Splink's documented
defaults: ``NameComparison`` on forename and surname, ``DateOfBirthComparison`` and
``PostcodeComparison`` (term frequencies on names and postcode), blocking on name and
date-of-birth combinations, prior from a deterministic rule, u by random sampling, m by
EM, connected components at p ≥ 0.9. Kinsight is the whole ``ChildIndex.link``:
standardisation, identifier checks, its model, guarded and constrained clustering.
Target (issue 5): Kinsight's F1 higher, in no more than 1.5× the baseline's time; the
baseline's time is the anchor.

    .venv/bin/python benchmarks/linkage_vs_baseline.py [--records 200000]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).parent))

from linkage_common import Timer, pairwise_f1, peak_rss_gb, synthetic_la


def baseline(records: pa.Table) -> pa.Table:
    """Plain Splink 5: documented comparisons on name, date of birth and postcode."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    table = records.select(["source", "record_id", "forename", "surname", "dob", "postcode"])
    table = table.append_column("unique_id", pa.array(range(table.num_rows), pa.int64()))
    table = table.set_column(table.schema.get_field_index("dob"), "dob", table["dob"].cast(pa.string()))
    db_api = DuckDBAPI()
    frame = db_api.register(table, table_name="baseline_records")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("forename").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("forename", "dob"), block_on("surname", "dob"),
            block_on("forename", "surname"), block_on("postcode", "dob"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker(frame, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("forename", "surname", "dob")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("forename", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.9)
    result = clusters.as_duckdbpyrelation().select("unique_id, cluster_id").to_arrow_table()
    ids = pc.take(table.select(["source", "record_id"]), result["unique_id"])
    return ids.append_column("person_id", result["cluster_id"].cast(pa.string()))


def kinsight(records: pa.Table) -> pa.Table:
    from kinsight.linkage import ChildIndex

    with tempfile.TemporaryDirectory(prefix="kinsight-vs-") as scratch:
        with ChildIndex.open(scratch) as index:
            return index.link(records).clusters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()
    records, truth, _ = synthetic_la(args.records)
    with Timer() as base_time:
        base_clusters = baseline(records)
    with Timer() as kin_time:
        kin_clusters = kinsight(records)
    base = pairwise_f1(base_clusters, truth)
    kin = pairwise_f1(kin_clusters, truth)
    print(f"records: {records.num_rows:,}")
    print(f"{'':22}{'precision':>10}{'recall':>10}{'F1':>10}{'time':>10}")
    print(f"{'plain Splink baseline':22}{base[0]:>10.4f}{base[1]:>10.4f}{base[2]:>10.4f}{base_time.seconds:>9.1f}s")
    print(f"{'Kinsight':22}{kin[0]:>10.4f}{kin[1]:>10.4f}{kin[2]:>10.4f}{kin_time.seconds:>9.1f}s")
    print(f"Kinsight time = {kin_time.seconds / base_time.seconds:.2f}× baseline [target ≤ 1.5×]; "
          f"F1 {'higher' if kin[2] > base[2] else 'NOT higher'} ({kin[2] - base[2]:+.4f}); "
          f"peak {peak_rss_gb():.2f} GB")


if __name__ == "__main__":
    main()
