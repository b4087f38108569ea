"""``ifl datasets`` on the real data directory."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ifl_cli.app import app


def test_datasets_lists_the_real_sets_as_verified(real_data_dir):
    result = CliRunner().invoke(
        app, ["datasets", "--data-dir", str(real_data_dir), "--json"]
    )

    assert result.exit_code == 0, result.output
    rows = {r["name"]: r["state"] for r in json.loads(result.stdout)["datasets"]}
    for name in ("mnist", "fashion-mnist", "hapt", "reuters-weka"):
        assert rows[name] == "verified"


def test_fetch_from_a_file_url_mirror_verifies_and_installs(real_data_dir, tmp_path):
    mirror = (real_data_dir / "mnist").resolve().as_uri()
    runner = CliRunner()

    first = runner.invoke(
        app,
        [
            "datasets",
            "fetch",
            "mnist",
            "--data-dir",
            str(tmp_path),
            "--base-url",
            mirror,
        ],
    )
    again = runner.invoke(
        app,
        [
            "datasets",
            "fetch",
            "mnist",
            "--data-dir",
            str(tmp_path),
            "--base-url",
            mirror,
        ],
    )

    assert first.exit_code == 0, first.output
    assert first.stdout.count(": downloaded") == 4
    assert again.stdout.count(": kept") == 4
    listing = runner.invoke(app, ["datasets", "--data-dir", str(tmp_path), "--json"])
    rows = {r["name"]: r["state"] for r in json.loads(listing.stdout)["datasets"]}
    assert rows["mnist"] == "verified"
    assert rows["hapt"] == "missing"
