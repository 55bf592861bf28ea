"""``kinsight link``: config in, clusters, pairs, model and report out, all or nothing."""

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from kinsight.core.config import load_config
from kinsight.core.errors import KinsightError
from kinsight.linkage.run import OUTPUT_FILES, link_sources


def _write_la(folder: Path, la, sources=None) -> Path:
    """Write the synthetic LA as one CSV per service and a config mapping their columns."""
    blocks = []
    names = sorted(set(la.records["source"].to_pylist()))
    for name in sources or names:
        table = la.records.filter(pc.equal(la.records["source"], name)).drop_columns(["source"])
        table = table.set_column(table.schema.get_field_index("dob"), "dob", pc.strftime(table["dob"], "%d/%m/%Y"))
        renamed = table.rename_columns([c.upper() for c in table.column_names])
        pacsv.write_csv(renamed, folder / f"{name}.csv")
        columns = "\n".join(f'{c} = "{c.upper()}"' for c in table.column_names
                            if c not in ("record_id", "ethnicity"))
        blocks.append(f'[[sources]]\nname = "{name}"\npath = "{name}.csv"\nformat = "csv"\n'
                      f'record_id = "RECORD_ID"\nethnicity_column = "ETHNICITY"\n[sources.columns]\n{columns}\n')
    (folder / "link.toml").write_text("\n".join(blocks))
    pacsv.write_csv(la.truth, folder / "truth.csv")
    return folder / "link.toml"


@pytest.fixture(scope="module")
def linked_run(tmp_path_factory):
    from synthetic import generate

    folder = tmp_path_factory.mktemp("la")
    config = _write_la(folder, generate(1500, seed=3))
    return folder, link_sources(load_config(config), folder / "out", truth=folder / "truth.csv")


def test_every_output_is_written_in_the_contract_shape(linked_run):
    folder, _ = linked_run
    assert sorted(p.name for p in (folder / "out").iterdir()) == sorted(OUTPUT_FILES)
    clusters = pacsv.read_csv(folder / "out" / "clusters.csv")
    assert clusters.column_names == ["source", "record_id", "person_id"]
    pairs = pacsv.read_csv(folder / "out" / "pairs.csv")
    assert pairs.column_names == ["source_l", "record_id_l", "source_r", "record_id_r",
                                  "match_probability", "match_weight"]
    assert json.loads((folder / "out" / "model.json").read_text())["comparisons"]


def test_the_report_covers_provenance_quality_accuracy_and_subgroups(linked_run):
    folder, _ = linked_run
    report = json.loads((folder / "out" / "report.json").read_text())
    assert {"provenance", "input_quality", "blocking", "model", "outcomes", "implausible_clusters",
            "accuracy", "subgroups", "changes", "known_limitations"} <= set(report)
    assert report["provenance"]["versions"]["splink"].startswith("5")
    assert all(len(f["sha256"]) == 64 for i in report["provenance"]["inputs"] for f in i["files"])
    assert report["accuracy"]["pairwise"]["f1"] >= 0.98
    groups = {g["group"] for g in report["subgroups"]["ethnicity"]}
    assert "WIRT" in groups and "not recorded" in groups
    quality = {q["source"]: q for q in report["input_quality"]}
    assert quality["health_visiting"]["nhs_number"]["test_range_999"] > 0


def test_the_html_report_works_offline(linked_run):
    folder, _ = linked_run
    page = (folder / "out" / "report.html").read_text()
    assert "<svg" in page and "Linkage quality and bias report" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page


def test_a_single_source_is_deduplicated(tmp_path):
    from synthetic import generate

    config = _write_la(tmp_path, generate(300, seed=5), sources=["school_census"])
    run = link_sources(load_config(config), tmp_path / "out")
    clusters = run.result.clusters
    assert set(clusters["source"].to_pylist()) == {"school_census"}
    assert len(set(clusters["person_id"].to_pylist())) < clusters.num_rows  # some pupils have two records
    # Without a truth file, production's report rests on reviewers' decisions only.
    assert run.result.report["accuracy"]["basis"] == "reviewed decisions"
    assert "pairwise" not in run.result.report["accuracy"]


def test_bad_input_leaves_the_previous_outputs_untouched(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "clusters.csv").write_text("previous run\n")
    (tmp_path / "p.csv").write_text("ID,FIRST\n1,Amy\n")
    (tmp_path / "link.toml").write_text(
        '[[sources]]\nname = "p"\npath = "p.csv"\nformat = "csv"\nrecord_id = "ID"\n'
        '[sources.columns]\nforename = "FIRST"\nsurname = "LAST"\n'
    )
    with pytest.raises(KinsightError, match="LAST"):
        link_sources(load_config(tmp_path / "link.toml"), out)
    assert (out / "clusters.csv").read_text() == "previous run\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_command_prints_one_line_and_exits_2_on_bad_input(tmp_path):
    (tmp_path / "link.toml").write_text(
        '[[sources]]\nname = "p"\npath = "missing.csv"\nformat = "csv"\nrecord_id = "ID"\n'
    )
    done = subprocess.run([sys.executable, "-m", "kinsight", "link", "--config", str(tmp_path / "link.toml"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 2
    assert "missing.csv" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
