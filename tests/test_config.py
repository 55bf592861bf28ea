"""kinsight.toml: what a deployment declares and what a user gets wrong."""

import pytest

from kinsight.core.config import load_config
from kinsight.core.errors import KinsightError

GOOD = """
[project]
la = "E09000027"
warehouse = "warehouse"

[[sources]]
name = "health_visiting"
path = "partners/health_visiting"
format = "csv"
record_id = "HV_ID"
agreement = "early-help"
id_namespace = "nhs"
[sources.columns]
nhs_number = "NHS_NO"
dob = "DATE_OF_BIRTH"
"""


def write(tmp_path, text):
    path = tmp_path / "kinsight.toml"
    path.write_text(text)
    return path


def test_paths_resolve_against_the_config_folder(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    source = config.source("health_visiting")
    assert config.la == "E09000027"
    assert config.warehouse == tmp_path.resolve() / "warehouse"
    assert source.path == tmp_path.resolve() / "partners/health_visiting"
    assert source.columns == {"nhs_number": "NHS_NO", "dob": "DATE_OF_BIRTH"}
    assert source.options == {"id_namespace": "nhs"}


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(KinsightError, match="configuration file not found"):
        load_config(tmp_path / "nope.toml")


def test_unknown_person_attribute_is_named(tmp_path):
    with pytest.raises(KinsightError, match="unknown person attribute.*shoe_size"):
        load_config(write(tmp_path, GOOD.replace('dob = "', 'shoe_size = "')))


def test_required_keys(tmp_path):
    with pytest.raises(KinsightError, match="'record_id' is required"):
        load_config(write(tmp_path, GOOD.replace('record_id = "HV_ID"', "")))


def test_sources_only_file_is_enough_for_linkage(tmp_path):
    text = GOOD.split("[[sources]]", 1)[1]
    config = load_config(write(tmp_path, "[[sources]]" + text))
    assert config.la is None and len(config.sources) == 1


def test_not_toml(tmp_path):
    with pytest.raises(KinsightError, match="not a valid TOML"):
        load_config(write(tmp_path, "[[sources]\nname="))
