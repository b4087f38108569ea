"""``ifl evaluate`` and ``ifl datasets`` through typer's test runner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ifl_cli.app import app

runner = CliRunner()


def test_evaluate_writes_tables_and_reports_files(tmp_path):
    out = tmp_path / "ev"
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--dataset",
            "digits",
            "--rows",
            "100",
            "--seeds",
            "0",
            "--folds",
            "2",
            "--clusterer",
            "kmeans",
            "--method",
            "kmeans",
            "--classifier",
            "tree",
            "--no-plots",
            "--threads",
            "1",
            "-o",
            str(out),
        ],
    )

    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'results.md'}" in result.stdout
    assert "| kmeans | primary |" in (out / "results.md").read_text()
    record = json.loads((out / "settings.json").read_text())
    assert record["settings"]["rows"] == 100


def test_evaluate_bad_seeds_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--dataset",
            "digits",
            "--seeds",
            "a,b",
            "-o",
            str(tmp_path / "ev"),
        ],
    )

    assert result.exit_code == 2
    assert "error: --seeds expects integers" in result.stderr
    assert "Traceback" not in result.output


def test_evaluate_of_missing_files_names_the_file(tmp_path):
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--dataset",
            "mnist",
            "--data-dir",
            str(tmp_path),
            "-o",
            str(tmp_path / "ev"),
        ],
    )

    assert result.exit_code == 2
    assert "train-images-idx3-ubyte.gz not found" in result.stderr


def test_datasets_json_shows_missing_files_in_an_empty_dir(tmp_path):
    result = runner.invoke(app, ["datasets", "--data-dir", str(tmp_path), "--json"])

    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)["datasets"]}
    assert rows["digits"]["state"] == "bundled"
    assert rows["mnist"]["state"] == "missing"
    assert rows["mnist"]["rows"] == 70000
    assert rows["hapt"]["classes"] == 6


def test_datasets_fetch_of_a_set_without_address_fails_cleanly(tmp_path):
    result = runner.invoke(
        app, ["datasets", "fetch", "reuters-weka", "--data-dir", str(tmp_path)]
    )

    assert result.exit_code == 2
    assert "no download address" in result.stderr
