"""The probabilistic linkage model: Splink 5 on DuckDB, configured by ``data/model.yaml``.

The model is trained without labels (u by random sampling, m by expectation
maximisation, the prior from deterministic rules) and saved as Splink JSON, so a
later run, or the incremental link of a monthly extract, scores with exactly the
same parameters. Term frequencies are given to Splink as ``tf_*`` columns computed
over the whole index, which lets ``predict_within`` and ``predict_between`` score a
small batch of new records against a million indexed ones.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import duckdb
import yaml

#: Features given term-frequency adjustments.
TF_COLUMNS = ("forename", "surname", "postcode")


@cache
def model_spec() -> dict[str, Any]:
    """The declared model: comparisons, blocking, training and thresholds."""
    text = resources.files("kinsight.linkage").joinpath("data/model.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class Thresholds:
    """Match-weight cut-offs: link at ``link``, review in [``review``, ``link``), keep above ``keep``."""

    link: float
    review: float
    keep: float

    @classmethod
    def default(cls) -> Thresholds:
        t = model_spec()["thresholds"]
        return cls(link=t["link_weight"], review=t["review_weight"], keep=t["keep_weight"])


def settings_dict() -> dict[str, Any]:
    """Splink settings for an untrained model."""
    spec = model_spec()
    return {
        "link_type": spec["link_type"],
        "unique_id_column_name": spec["unique_id_column_name"],
        "comparisons": copy.deepcopy(spec["comparisons"]),
        "blocking_rules_to_generate_predictions": list(spec["blocking_rules"]),
        "retain_intermediate_calculation_columns": False,
        # Scored pairs carry only what the sibling guard reads: writing every compared
        # column (address words, postcode parts) for a million pairs was half the scoring.
        "retain_matching_columns": False,
        "additional_columns_to_retain": guard_columns(),
    }


def guard_columns() -> list[str]:
    """The features the sibling guard compares (``forename`` for ``forename_l``/``forename_r``)."""
    return sorted(set(re.findall(r"\b(\w+)_[lr]\b", model_spec()["sibling_guard"])))


def model_hash(model: dict[str, Any]) -> str:
    """A short, stable fingerprint of a trained model for provenance."""
    return hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()[:16]


def term_frequency_sql(features: str, column: str) -> str:
    """SQL for the term-frequency lookup of ``column`` over the relation ``features``."""
    return (
        f"SELECT {column}, count(*) / sum(count(*)) OVER () AS tf_{column} "
        f"FROM {features} WHERE {column} IS NOT NULL GROUP BY {column}"
    )


def _linker(con: duckdb.DuckDBPyConnection, settings: dict[str, Any], tables: list[str]):
    """A Splink linker over DuckDB tables already in ``con``, with Kinsight's tf lookups.

    The lookups (tables ``tf_<column>``, see :func:`term_frequency_sql`) are computed over
    the whole index, so a batch of new records is scored with the index's frequencies.
    """
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    frames = [db_api.register(name, table_name=f"{name}_in") for name in tables]
    # A dedupe model is built on one table; predict_between is handed both roles itself.
    # Splink's progress and untrained-level warnings are noise in a CLI run; the report
    # lists untrained levels.
    linker = Linker(frames[0], settings, log_level=logging.ERROR)
    for column in TF_COLUMNS:
        lookup = db_api.register(f"tf_{column}", table_name=f"tf_{column}_in")
        linker.table_management.register_term_frequency_lookup(lookup, column)
    return linker, db_api, frames


def train(con: duckdb.DuckDBPyConnection, table: str, *, seed: int = 42) -> dict[str, Any]:
    """Train the model on the features relation ``table`` without labels; return Splink JSON."""
    spec = model_spec()
    training = spec["training"]
    linker, _, _ = _linker(con, settings_dict(), [table])
    prior = spec["prior_rules"]
    linker.training.estimate_probability_two_random_records_match(prior["rules"], recall=prior["recall"])
    linker.training.estimate_u_using_random_sampling(max_pairs=training["u_max_pairs"], seed=seed)
    for rule in training["em_rules"]:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, max_pairs=training["em_max_pairs"]
        )
    return linker.misc.save_model_to_json(overwrite=True)


def score_within(con, model: dict[str, Any], table: str, *, keep_weight: float) -> duckdb.DuckDBPyRelation:
    """Score every candidate pair within ``table``; the pairs above ``keep_weight``."""
    linker, _, frames = _linker(con, model, [table])
    scored = linker.inference.predict_within(
        frames[0], threshold_match_weight=keep_weight, warning_mode="never"
    )
    return _pairs(con, scored)


def score_between(con, model: dict[str, Any], new: str, indexed: str, *, keep_weight: float):
    """Score candidate pairs between the ``new`` records and the ``indexed`` ones."""
    linker, _, frames = _linker(con, model, [new, indexed])
    scored = linker.inference.predict_between(
        frames[0], frames[1], threshold_match_weight=keep_weight, warning_mode="never"
    )
    return _pairs(con, scored)


def _pairs(con, scored) -> duckdb.DuckDBPyRelation:
    """Scored pairs: rid_l, rid_r, match_weight, match_probability, guarded, match_key (blocking rule)."""
    guard = model_spec()["sibling_guard"]
    return con.sql(
        f"""SELECT least(rid_l, rid_r) AS rid_l, greatest(rid_l, rid_r) AS rid_r,
                   match_weight, match_probability, coalesce({guard}, false) AS guarded,
                   CAST(match_key AS INTEGER) AS match_key
            FROM {scored.physical_name}"""
    )

