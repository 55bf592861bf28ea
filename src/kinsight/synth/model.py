"""The synthetic LA's model parameters and reference tables, loaded from ``synth/data``.

Everything a calibration depends on is data (``model.yaml``, ``names.yaml``,
``la_profiles.csv``); this module only reads it and resolves an LA's own targets,
falling back to England where the LA publishes nothing (suppressed or missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd
import yaml

from kinsight.core.reference import LocalAuthority, la

_DATA = files("kinsight.synth") / "data"
ETHNICITIES = ("WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
               "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT")
#: Ethnicity not recorded: a share of children's records, drawn on top of the Census mix.
UNRECORDED_ETHNICITY = {"REFU": 1.2, "NOBT": 1.8}


@cache
def parameters() -> dict[str, Any]:
    """``model.yaml``: national targets, code distributions, error rates."""
    return yaml.safe_load((_DATA / "model.yaml").read_text(encoding="utf-8"))


@cache
def name_lists() -> dict[str, Any]:
    """``names.yaml``: nicknames, transliterations, group surnames, street names."""
    return yaml.safe_load((_DATA / "names.yaml").read_text(encoding="utf-8"))


@cache
def first_names() -> pd.DataFrame:
    """ONS baby names (England and Wales) given to at least 10 babies: year, sex, name, count."""
    return pd.read_parquet(_DATA / "first_names.parquet")


@cache
def surnames() -> pd.DataFrame:
    """500 common GB surnames with population shares (Faker en_GB weights, MIT)."""
    return pd.read_csv(_DATA / "surnames.csv")


@cache
def _profiles() -> pd.DataFrame:
    return pd.read_csv(_DATA / "la_profiles.csv", dtype={"old_la_code": str}).set_index("la_code")


def shares(mapping: dict[Any, float]) -> tuple[np.ndarray, np.ndarray]:
    """Keys and probabilities of a ``{code: share}`` mapping (shares need not sum to 100)."""
    keys = np.array([str(k) for k in mapping])
    weights = np.array(list(mapping.values()), dtype=float)
    return keys, weights / weights.sum()


@dataclass(frozen=True)
class Targets:
    """What the synthetic LA is calibrated to: the LA's own published rates where known."""

    cin_rate: float
    cla_rate: float
    cpp_rate: float
    rereferral_pct: float
    repeat_cpp_pct: float
    ethnicity: dict[str, float]


@dataclass(frozen=True)
class Setting:
    """One run's fixed inputs: the LA, the collection year and its dates, the targets."""

    authority: LocalAuthority
    year: int
    targets: Targets

    @property
    def reference_date(self) -> date:
        """31 March closing the collection year (the census and 903 reference date)."""
        return date(self.year, 3, 31)

    @property
    def year_start(self) -> date:
        return date(self.year - 1, 4, 1)


def setting(la_code: str | None, year: int) -> Setting:
    """Resolve the LA (default from the model) and its calibration targets."""
    params = parameters()
    authority = la(la_code or params["default_la"])
    england = params["england"]
    profile = _profiles().loc[authority.code]

    def rate(name: str) -> float:
        value = profile.get(name)
        # Tiny LAs publish rounded or suppressed figures; England serves them better.
        if pd.isna(value) or value <= 0 or profile["children_0_17"] < 5000:
            return float(england[name])
        return float(value)

    mix = {code: float(profile.get(f"eth_{code}", np.nan)) for code in ETHNICITIES[:18]}
    if any(pd.isna(v) for v in mix.values()):
        national = _profiles()[[f"eth_{c}" for c in ETHNICITIES[:18]]].mean()
        mix = {code: float(national[f"eth_{code}"]) for code in ETHNICITIES[:18]}
    mix |= UNRECORDED_ETHNICITY
    return Setting(
        authority=authority,
        year=year,
        targets=Targets(
            cin_rate=rate("cin_rate"),
            cla_rate=rate("cla_rate"),
            cpp_rate=rate("cpp_rate"),
            rereferral_pct=rate("rereferral_pct"),
            repeat_cpp_pct=rate("repeat_cpp_pct"),
            ethnicity=mix,
        ),
    )


def calibration_targets(la_code: str | None = None, year: int = 2026) -> dict[str, float]:
    """The headline rates a generated LA should show, for tests and the docs."""
    run = setting(la_code, year)
    england = parameters()["england"]
    return {
        "cin_rate": run.targets.cin_rate,
        "cla_rate": run.targets.cla_rate,
        "cpp_rate": run.targets.cpp_rate,
        "rereferral_pct": run.targets.rereferral_pct,
        "repeat_cpp_pct": run.targets.repeat_cpp_pct,
        "three_plus_placements_pct": england["three_plus_placements_pct"],
        "eet_17_18_pct": england["care_leavers"]["17-18"]["eet_pct"],
        "eet_19_21_pct": england["care_leavers"]["19-21"]["eet_pct"],
        "suitable_17_18_pct": england["care_leavers"]["17-18"]["suitable_pct"],
        "suitable_19_21_pct": england["care_leavers"]["19-21"]["suitable_pct"],
        "gld_pct": england["gld_pct"],
    }
