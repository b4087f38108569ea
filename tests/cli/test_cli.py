"""The command line, through typer's test runner."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
from typer.testing import CliRunner

from ifl_cli.app import app

runner = CliRunner()


def test_list_plugins_json_has_every_builtin_with_kind():
    result = runner.invoke(app, ["list-plugins", "--json"])

    assert result.exit_code == 0, result.output
    rows = {(p["name"], p["kind"]) for p in json.loads(result.stdout)["plugins"]}
    for pair in [("dec", "clusterer"), ("kmeans", "clusterer"),
                 ("kfold", "fold_strategy"),
                 ("stratified", "fold_strategy"), ("hungarian", "tracker"),
                 ("confidence", "metric"), ("weight", "metric"),
                 ("labels", "tracker"), ("accuracy", "metric")]:
        assert pair in rows


def test_extract_on_bundled_digits_writes_features_and_record(tmp_path):
    out = tmp_path / "f.npz"
    result = runner.invoke(
        app,
        ["extract", "--clusterer", "kmeans", "--folds", "3", "-o", str(out), "--quiet"],
    )

    assert result.exit_code == 0, result.output
    with np.load(out) as data:
        assert data["features"].shape == (1797, 11)
        assert list(data["columns"][:2]) == ["confidence", "weight_0"]
        assert data["fold_of_row"].min() == 0
    record = json.loads((tmp_path / "f.run.json").read_text())
    assert record["settings"]["n_folds"] == 3
    assert len(record["folds"]) == 3
    assert 0.5 < record["mean_fold_accuracy"] <= 1
    assert record["versions"]["numpy"] == np.__version__


def test_extract_prints_mean_fold_accuracy(tmp_path):
    out = tmp_path / "f.csv"
    result = runner.invoke(
        app, ["extract", "--clusterer", "kmeans", "--folds", "2", "-o", str(out)]
    )

    assert result.exit_code == 0, result.output
    assert "mean fold kmeans ACC: 0." in result.stdout
    header = out.read_text().splitlines()[0]
    assert header.startswith("confidence,weight_0,")


def test_extract_with_input_file_and_dec_overrides(tmp_path, small_digits):
    X, _ = small_digits
    src = tmp_path / "x.npy"
    np.save(src, X[:120])
    out = tmp_path / "f.npy"
    result = runner.invoke(
        app,
        ["extract", "--input", str(src), "--n-clusters", "4", "--folds", "3",
         "--pretrain-epochs", "1", "--max-iterations", "5", "-p", "hidden_dims=[16]",
         "-p", "latent_dim=3", "--device", "cpu", "-o", str(out), "--quiet"],
    )

    assert result.exit_code == 0, result.output
    assert np.load(out).shape == (120, 5)
    assert json.loads((tmp_path / "f.columns.json").read_text())[0] == "confidence"


def test_config_file_sets_values_and_flags_override_it(tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("clusterer: kmeans\nn_folds: 5\nseed: 3\n")
    out = tmp_path / "f.npz"
    result = runner.invoke(
        app, ["extract", "--config", str(cfg), "--folds", "2", "-o", str(out), "-q"]
    )

    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "f.run.json").read_text())
    assert record["settings"]["n_folds"] == 2
    assert record["settings"]["seed"] == 3


def test_bad_input_gives_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["extract", "--input", str(tmp_path / "missing.npy"),
                                 "--n-clusters", "3"])

    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "input file not found" in result.stderr
    assert "Traceback" not in result.output


def test_groups_file_selects_group_kfold_and_keeps_groups_whole(tmp_path):
    groups = tmp_path / "groups.txt"
    groups.write_text("subject\n" + "\n".join(str(r % 15) for r in range(1797)) + "\n")
    out = tmp_path / "f.npz"
    result = runner.invoke(app, [
        "extract", "--clusterer", "kmeans", "-p", "n_init=1", "--folds", "3",
        "--groups", str(groups), "-o", str(out), "-q",
    ])

    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "f.run.json").read_text())
    assert record["resolved"]["fold_strategy"] == "group-kfold"
    assert record["data"]["groups"] == 15
    with np.load(out) as data:
        fold_of_row = data["fold_of_row"]
    subject = np.arange(1797) % 15
    for s in range(15):
        assert len(set(fold_of_row[subject == s].tolist())) == 1


def test_group_kfold_without_groups_is_one_line_error():
    result = runner.invoke(app, ["extract", "--clusterer", "kmeans",
                                 "--fold-strategy", "group-kfold", "-q"])

    assert result.exit_code == 2
    expected = "error: fold strategy 'group-kfold' needs groups (--groups)\n"
    assert result.stderr == expected


def test_groups_of_the_wrong_length_are_rejected(tmp_path):
    groups = tmp_path / "groups.npy"
    np.save(groups, np.arange(10))
    result = runner.invoke(app, ["extract", "--clusterer", "kmeans",
                                 "--groups", str(groups), "-q"])

    assert result.exit_code == 2
    assert "groups has shape (10,), expected (1797,)" in result.stderr


def test_list_plugins_reports_failed_and_disabled_plugins(tmp_path, monkeypatch):
    (tmp_path / "fake_ifl_cli_broken.py").write_text("raise ImportError('gone')\n")
    info = tmp_path / "fake_cli_broken-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fake-cli-broken\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(
        "[ifl.plugins]\nfake_ifl_cli_broken = fake_ifl_cli_broken\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("IFL_DISABLE_PLUGINS", "ifl_plugins.gmm")

    listing = json.loads(runner.invoke(app, ["list-plugins", "--json"]).stdout)
    table = runner.invoke(app, ["list-plugins"])

    assert listing["failed"] == [
        {"plugin": "fake_ifl_cli_broken", "error": "ImportError: gone"}
    ]
    assert listing["disabled"] == ["ifl_plugins.gmm"]
    assert "gmm" not in {p["name"] for p in listing["plugins"]}
    kmeans = next(p for p in listing["plugins"] if p["name"] == "kmeans")
    assert kmeans["hooks"] == ["ifl_register"]
    assert kmeans["plugin"] == "ifl_plugins.kmeans"
    assert table.exit_code == 0
    assert "skipped plugin fake_ifl_cli_broken: ImportError: gone" in table.stderr
    assert "disabled plugin ifl_plugins.gmm (IFL_DISABLE_PLUGINS)" in table.stderr


# ------------------------------------------------------------- classification mode


def test_technique_2_on_bundled_digits_writes_train_and_test_features(tmp_path):
    out = tmp_path / "f.npz"
    result = runner.invoke(
        app, ["extract", "--clusterer", "kmeans", "--folds", "3", "--technique", "2",
              "-p", "n_init=2", "-o", str(out)]
    )

    assert result.exit_code == 0, result.output
    with np.load(out) as train, np.load(tmp_path / "f.test.npz") as test:
        # stratified 70/30 split of the 1797 digits
        assert train["features"].shape == (1257, 12)
        assert test["features"].shape == (540, 12)
        assert list(train["columns"][:3]) == ["confidence", "accuracy", "weight_0"]
        assert len(test["labels"]) == 540
    record = json.loads((tmp_path / "f.run.json").read_text())
    assert record["mode"] == "classification"
    assert record["technique"] == 2
    assert record["resolved"]["tracker"] == "labels"
    assert record["resolved"]["fold_strategy"] == "stratified"
    assert record["data"]["split"] == "stratified 70%/30%, seed 0"
    assert 0.5 < record["whole_train_model"]["test_accuracy"] <= 1
    assert "wrote 540 test lines" in result.stdout


def test_technique_1_with_input_labels_test_and_primary(tmp_path, small_digits):
    X, y = small_digits
    np.save(tmp_path / "x.npy", X[:200])
    np.save(tmp_path / "x_test.npy", X[200:])
    (tmp_path / "y.csv").write_text("\n".join(f"d{v}" for v in y[:200]))
    out = tmp_path / "f.npz"
    result = runner.invoke(
        app, ["extract", "--clusterer", "kmeans", "--folds", "3", "--input",
              str(tmp_path / "x.npy"), "--labels", str(tmp_path / "y.csv"), "--test",
              str(tmp_path / "x_test.npy"), "--technique", "1", "--with-primary",
              "-o", str(out), "-q"]
    )

    assert result.exit_code == 0, result.output
    with np.load(out) as train, np.load(tmp_path / "f.test.npz") as test:
        assert train["features"].shape == (200 * 10, 64 + 3)
        assert list(train["columns"][-3:]) == ["confidence", "weight", "accuracy"]
        assert list(train["labels"][:11]) == [f"d{y[0]}"] * 10 + [f"d{y[1]}"]
        assert list(train["version"][:11]) == list(range(10)) + [0]
        assert test["features"].shape == (100 * 10, 64 + 3)
        first_row = np.repeat(X[200:201], 10, axis=0)
        np.testing.assert_allclose(test["features"][:10, :64], first_row)
    record = json.loads((tmp_path / "f.run.json").read_text())
    assert record["settings"]["n_clusters"] == 10
    assert record["data"]["classes"][0] == "d0"


def test_classification_errors_are_one_line(tmp_path):
    result = runner.invoke(
        app, ["extract", "--technique", "3", "--clusterer", "kmeans"]
    )
    assert result.exit_code == 2
    assert "technique must be one of (1, 2), got 3" in result.stderr

    np.save(tmp_path / "x.npy", np.zeros((5, 2)))
    result = runner.invoke(app, ["extract", "--input", str(tmp_path / "x.npy"),
                                 "--technique", "1"])
    assert result.exit_code == 2
    assert "needs --labels with --input" in result.stderr
    assert "Traceback" not in result.output


def test_outputs_get_the_umask_mode_not_the_private_temporary_one(tmp_path):
    out = tmp_path / "f.npz"
    old = os.umask(0o022)
    try:
        result = runner.invoke(
            app, ["extract", "--clusterer", "kmeans", "--folds", "3", "-o", str(out),
                  "--quiet"],
        )
    finally:
        os.umask(old)

    assert result.exit_code == 0, result.output
    for written in (out, tmp_path / "f.run.json"):
        assert stat.S_IMODE(written.stat().st_mode) == 0o644, written
