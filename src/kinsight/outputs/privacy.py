"""Optional differentially private releases of counts, through OpenDP, with a per-project
privacy budget ledger.

Where a project chooses differential privacy (dashboards queried again and again, research
extracts under an agreement that says so), counts are released with integer Laplace noise
calibrated to the epsilon spent. Every release is written to the project's ledger before the
noisy counts are returned; a release that would take the project past its budget is refused
and nothing is spent. The ledger is a JSON file, replaced atomically on each write.

Privacy unit: one child contributes to one cell of a released table (the cells are disjoint),
so the table has L1 sensitivity 1 and its release costs epsilon = 1 / scale.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import opendp.prelude as dp

from kinsight.core.errors import KinsightError

dp.enable_features("contrib")


@dataclass(frozen=True)
class Release:
    """Noisy counts and what they cost."""

    counts: dict[str, int]
    epsilon: float
    #: Half-width of the 95% interval of each count's noise.
    accuracy_95: float
    remaining: float


class PrivacyLedger:
    """The epsilon budget of each project and every release made against it."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def _load(self) -> dict:
        if not self.path.exists():
            return {}
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise KinsightError(f"{self.path}: the privacy ledger is not valid JSON ({error.msg})") from None

    def _save(self, ledger: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(dir=self.path.parent, prefix=".ledger-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(ledger, out, indent=2)
        os.replace(staging, self.path)

    def set_budget(self, project: str, epsilon: float) -> None:
        """Give a project its total budget (typically from its data sharing agreement)."""
        if not epsilon > 0:
            raise KinsightError(f"a privacy budget must be above 0, not {epsilon}")
        ledger = self._load()
        entry = ledger.setdefault(project, {"budget": epsilon, "releases": []})
        spent = sum(r["epsilon"] for r in entry["releases"])
        if epsilon < spent:
            raise KinsightError(f"project {project}: {spent:.3g} is already spent")
        entry["budget"] = epsilon
        self._save(ledger)

    def spent(self, project: str) -> float:
        return sum(r["epsilon"] for r in self._load().get(project, {}).get("releases", []))

    def remaining(self, project: str) -> float:
        entry = self._load().get(project)
        if entry is None:
            raise KinsightError(f"project {project} has no privacy budget")
        return entry["budget"] - self.spent(project)

    def charge(self, project: str, epsilon: float, purpose: str) -> float:
        """Record a release; refuse (spending nothing) if it would exceed the budget."""
        ledger = self._load()
        if project not in ledger:
            raise KinsightError(f"project {project} has no privacy budget")
        entry = ledger[project]
        left = entry["budget"] - sum(r["epsilon"] for r in entry["releases"])
        if epsilon > left + 1e-12:
            raise KinsightError(
                f"project {project}: the privacy budget is exhausted "
                f"({left:.3g} left, this release needs {epsilon:.3g})"
            )
        entry["releases"].append({"epsilon": epsilon, "purpose": purpose,
                                  "at": datetime.now(timezone.utc).isoformat()})
        self._save(ledger)
        return left - epsilon


def release_counts(counts: dict[str, int], *, epsilon: float, ledger: PrivacyLedger,
                   project: str, purpose: str) -> Release:
    """Counts of disjoint groups released with epsilon-differential privacy."""
    if not epsilon > 0:
        raise KinsightError(f"epsilon must be above 0, not {epsilon}")
    scale = 1.0 / epsilon
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    mechanism = dp.m.make_laplace(*space, scale=scale)
    cost = mechanism.map(d_in=1)
    remaining = ledger.charge(project, cost, purpose)
    keys = list(counts)
    noisy = mechanism([int(counts[k]) for k in keys])
    # Negative counts mean nothing to a reader; clamping after release is post-processing.
    released = {k: max(int(v), 0) for k, v in zip(keys, noisy)}
    return Release(released, cost, accuracy_95=scale * math.log(20), remaining=remaining)
