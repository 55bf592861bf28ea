"""The synthetic local authority: realistic multi-agency children's data with known truth.

``generate(out, children=60_000, seed=0, la_code=None, year=2026)`` writes the layout in
docs/contracts.md §2; docs/synthetic-la.md describes the model. Production code never
imports this package's truth files.
"""

from kinsight.synth.generate import Summary, generate
from kinsight.synth.model import calibration_targets

__all__ = ["Summary", "calibration_targets", "generate"]
