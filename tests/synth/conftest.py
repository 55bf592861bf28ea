"""One generated LA shared by the synth tests (generation is the slow part)."""

import pytest

from kinsight.synth import generate


@pytest.fixture(scope="session")
def la(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "la"
    generate(out, children=30_000, seed=7, fault_rate=0.01)
    return out
