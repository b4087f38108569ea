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


def test_extract_runs_on_a_registered_data_set(tiny_mnist, monkeypatch, tmp_path):
    import numpy as np

    from ifl_core.datasets import DataFile, get_dataset

    names = [f"{part}-{kind}-idx{d}-ubyte.gz" for part in ("train", "t10k")
             for kind, d in (("images", 3), ("labels", 1))]
    cls = type(get_dataset("mnist"))
    monkeypatch.setattr(cls, "files", tuple(DataFile(n) for n in names))
    out = tmp_path / "f.npz"
    command = ["extract", "--dataset", "mnist", "--data-dir", str(tiny_mnist),
               "--clusterer", "kmeans", "--folds", "2", "-o", str(out), "-q"]

    # s defaults to the set's class count (10 for MNIST): too many for 10 rows
    default = CliRunner().invoke(app, command)
    assert default.exit_code == 2
    assert "fewer than the 10 clusters" in default.output
    assert not out.exists()

    result = CliRunner().invoke(app, [*command, "--n-clusters", "3"])

    assert result.exit_code == 0, result.output
    assert np.load(out)["features"].shape == (10, 4)  # confidence + 3 weights
    record = json.loads((tmp_path / "f.run.json").read_text())
    assert record["data"]["dataset"] == "mnist"
    assert record["settings"]["n_clusters"] == 3
    assert all("accuracy" in fold for fold in record["folds"])


def test_extract_refuses_two_data_sources(tmp_path):
    result = CliRunner().invoke(app, [
        "extract", "--dataset", "mnist", "--input", str(tmp_path / "x.npy"),
    ])
    assert result.exit_code == 2
    assert "--input and --dataset" in result.output
