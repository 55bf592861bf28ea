"""How fast `kinsight synth` is against its targets (the anchors): 60,000 children in 60 s
and 1,000,000 in 600 s on the project's 2-core machine. Prints seconds and the ratio
time/target (below 1.0 meets the target). CPU seconds of this process are printed too, since the
machine is shared and wall time rises with other people's load.

    python benchmarks/synth_speed.py            # 60,000 and 1,000,000
    python benchmarks/synth_speed.py 60000      # one size
"""

import sys
import tempfile
import time
from pathlib import Path

from kinsight.synth import generate

TARGETS = {60_000: 60.0, 1_000_000: 600.0}


def main(sizes: list[int]) -> None:
    for n in sizes:
        target = TARGETS.get(n, 60.0 * n / 60_000)
        with tempfile.TemporaryDirectory() as folder:
            started, cpu = time.perf_counter(), time.process_time()
            generate(Path(folder) / "la", children=n, seed=1)
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"synth {n:>9,} children: {took:7.1f} s (cpu {cpu:6.1f} s)  target {target:5.0f} s  "
              f"ratio {took / target:.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or list(TARGETS))
