"""How fast a subject access pack is made for one child, against the 2-second target.

Builds a synthetic LA (``kinsight synth``) with a warehouse linked by its truth (see
``tests/governance/synthetic_warehouse.py``) or, with ``--pipeline``, by the real
pipeline and child index (``kinsight run``: slower to set up, and the pack then also
reads the index's match probabilities), then times the pack (``sar.json`` and
``sar.html``) for the children with the most records. The anchor, measured in the same
run, is reading every partner file of the LA once with ``kinsight.sources.files.read_table``
— the least a pack built from the files as sent could cost. Prints seconds, the ratio
to the 2 s target (below 1.0 meets it) and the ratio to the anchor.

    python benchmarks/sar_speed.py            # 2,000 children
    python benchmarks/sar_speed.py 20000      # a larger LA
    python benchmarks/sar_speed.py 2000 --pipeline
"""

import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from governance import synthetic_warehouse  # noqa: E402

from kinsight.sources.files import files_of, read_table  # noqa: E402
from kinsight.synth import generate  # noqa: E402

TARGET = 2.0
CHILDREN_TIMED = 10


def main(children: int, pipeline: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        la = Path(folder) / "la"
        generate(la, children=children, seed=3)
        os.environ.pop("KINSIGHT_DATABASE_URL", None)
        if pipeline:
            from kinsight.core.config import load_config
            from kinsight.store import run_pipeline

            config = load_config(la / "kinsight.toml")
            run_pipeline(config)
        else:
            config = synthetic_warehouse.build(la)
        from kinsight.governance import runtime

        runtime.setup(config)
        from kinsight.governance import agreements, sar

        for name in agreements.TEMPLATES:
            agreements.load_template(name, actor="benchmark")

        started = time.perf_counter()
        for source in config.sources:
            if source.format in ("csv", "xlsx"):
                for path in files_of(source.path):
                    read_table(path, **source.options)
        anchor = time.perf_counter() - started

        timings = []
        for person in _busiest(config, la, pipeline):
            started = time.perf_counter()
            pack = sar.subject_access(config, person, actor="benchmark")
            sar.write_pack(pack, Path(folder) / "packs" / person)
            timings.append((time.perf_counter() - started, len(pack["records"])))
        cold, records = timings[0]
        warm = sorted(t for t, _ in timings[1:])
        median = warm[len(warm) // 2]
        print(f"anchor: read every partner file once     {anchor:6.2f} s")
        print(f"sar, first pack (cold, {records} records)     {cold:6.2f} s  target {TARGET:.0f} s  "
              f"ratio {cold / TARGET:.2f}  vs anchor {cold / anchor:.2f}")
        print(f"sar, median of next {len(warm)} packs            {median:6.2f} s  target {TARGET:.0f} s  "
              f"ratio {median / TARGET:.2f}  vs anchor {median / anchor:.2f}")
        print(f"sar, slowest pack                        {max(warm):6.2f} s  ratio {max(warm) / TARGET:.2f}")


def _busiest(config, la: Path, pipeline: bool) -> list[str]:
    """The person_ids with the most records: the packs that cost most."""
    if not pipeline:
        owners = synthetic_warehouse.truth(la)
        return [synthetic_warehouse.person_id(c) for c, _ in Counter(owners.values()).most_common(CHILDREN_TIMED)]
    from kinsight.store import open_snapshot

    con = open_snapshot(config)
    try:
        rows = con.execute("SELECT person_id FROM source_records WHERE person_id IS NOT NULL GROUP BY 1 "
                           "ORDER BY count(*) DESC LIMIT ?", [CHILDREN_TIMED]).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--pipeline"]
    main(int(arguments[0]) if arguments else 2000, pipeline="--pipeline" in sys.argv[1:])
