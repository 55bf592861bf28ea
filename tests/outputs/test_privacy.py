"""Differentially private releases spend a per-project budget and stop when it is gone."""

import json

import pytest

from kinsight.core.errors import KinsightError
from kinsight.outputs.privacy import PrivacyLedger, release_counts


@pytest.fixture
def ledger(tmp_path):
    book = PrivacyLedger(tmp_path / "privacy.json")
    book.set_budget("school-readiness-study", 1.0)
    return book


def release(ledger, epsilon, counts=None):
    return release_counts(counts or {"FSM": 120, "Not FSM": 480}, epsilon=epsilon, ledger=ledger,
                          project="school-readiness-study", purpose="GLD by FSM")


def test_a_release_spends_epsilon_and_records_it(ledger, tmp_path):
    result = release(ledger, 0.4)
    assert result.epsilon == pytest.approx(0.4)
    assert result.remaining == pytest.approx(0.6)
    assert set(result.counts) == {"FSM", "Not FSM"}
    assert all(isinstance(v, int) and v >= 0 for v in result.counts.values())
    saved = json.loads((tmp_path / "privacy.json").read_text())
    assert saved["school-readiness-study"]["releases"][0]["purpose"] == "GLD by FSM"


def test_noise_is_calibrated_to_epsilon(ledger):
    ledger.set_budget("school-readiness-study", 1000.0)
    errors = [abs(release(ledger, 5.0).counts["FSM"] - 120) for _ in range(40)]
    assert max(errors) <= 5  # scale 0.2: a count moves by more than 5 with probability e^-25
    assert release(ledger, 5.0).accuracy_95 == pytest.approx(0.2 * 2.9957, rel=1e-3)


def test_the_ledger_refuses_when_the_budget_is_exhausted_and_spends_nothing(ledger):
    release(ledger, 0.7)
    with pytest.raises(KinsightError, match="exhausted"):
        release(ledger, 0.5)
    assert ledger.spent("school-readiness-study") == pytest.approx(0.7)
    assert ledger.remaining("school-readiness-study") == pytest.approx(0.3)


def test_the_ledger_persists_across_sessions(ledger, tmp_path):
    release(ledger, 0.9)
    again = PrivacyLedger(tmp_path / "privacy.json")
    with pytest.raises(KinsightError, match="exhausted"):
        release(again, 0.2)


def test_bad_requests_are_clear(ledger, tmp_path):
    with pytest.raises(KinsightError, match="no privacy budget"):
        release_counts({"a": 1}, epsilon=0.1, ledger=ledger, project="unknown", purpose="x")
    with pytest.raises(KinsightError, match="above 0"):
        release(ledger, 0)
    with pytest.raises(KinsightError, match="already spent"):
        release(ledger, 0.5)
        ledger.set_budget("school-readiness-study", 0.2)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(KinsightError, match="not valid JSON"):
        PrivacyLedger(broken).spent("x")
