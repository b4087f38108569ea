"""``--run-dir``, ``--resume``, ``--overwrite`` and ``--deterministic`` in process."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from ifl_cli.app import app
from ifl_core.checkpoint import fold_file

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["extract", "--clusterer", "kmeans", "-p", "n_init=2",
                               "--folds", "3", "-q", *args])


def test_default_run_directory_is_removed_after_success(tmp_path):
    out = tmp_path / "f.npz"
    result = run("-o", str(out))

    assert result.exit_code == 0, result.output
    assert out.exists()
    assert not (tmp_path / "f.ckpt").exists()


def test_explicit_run_directory_is_kept_and_resumable(tmp_path):
    out, run_dir = tmp_path / "f.npz", tmp_path / "keep"
    assert run("-o", str(out), "--run-dir", str(run_dir)).exit_code == 0
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "fold_00.npz", "fold_01.npz", "fold_02.npz", "manifest.json"]
    first = np.load(out)["features"]
    (run_dir / fold_file(2)).unlink()

    refused = runner.invoke(app, ["extract", "--resume", str(run_dir), "-q"])
    assert refused.exit_code == 2
    assert "exists; pass --overwrite" in refused.stderr

    result = runner.invoke(app, ["extract", "--resume", str(run_dir), "--overwrite",
                                 "-q"])
    assert result.exit_code == 0, result.output
    np.testing.assert_array_equal(np.load(out)["features"], first)
    record = json.loads((tmp_path / "f.run.json").read_text())
    assert record["resumed_folds"] == [0, 1]
    assert (run_dir / fold_file(2)).exists()


def test_resume_with_other_settings_is_refused_in_one_line(tmp_path):
    run_dir = tmp_path / "keep"
    assert run("-o", str(tmp_path / "f.npz"), "--run-dir", str(run_dir)).exit_code == 0
    (tmp_path / "f.npz").unlink()

    result = runner.invoke(app, ["extract", "--resume", str(run_dir), "--seed", "4"])

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: cannot resume {run_dir}: settings differ from the saved run "
        "(seed: 0 -> 4)"
    ]


def test_a_leftover_run_directory_blocks_a_new_run_unless_overwrite(tmp_path):
    out, run_dir = tmp_path / "f.npz", tmp_path / "f.ckpt"
    assert run("-o", str(out), "--run-dir", str(run_dir)).exit_code == 0
    out.unlink()

    blocked = run("-o", str(out))
    assert blocked.exit_code == 2
    assert f"continue it with --resume {run_dir}" in blocked.stderr

    replaced = run("-o", str(out), "--overwrite")
    assert replaced.exit_code == 0, replaced.output
    assert not run_dir.exists()


def test_deterministic_flag_is_recorded_and_changes_no_cpu_result(tmp_path):
    plain, strict = tmp_path / "a.npz", tmp_path / "b.npz"
    assert run("-o", str(plain)).exit_code == 0
    assert run("-o", str(strict), "--deterministic").exit_code == 0

    np.testing.assert_array_equal(np.load(plain)["features"],
                                  np.load(strict)["features"])
    assert json.loads((tmp_path / "b.run.json").read_text())["deterministic"] is True
    assert json.loads((tmp_path / "a.run.json").read_text())["deterministic"] is False


def test_resume_keeps_the_deterministic_mode_of_the_saved_run(tmp_path):
    out, run_dir = tmp_path / "f.npz", tmp_path / "keep"
    first = run("-o", str(out), "--run-dir", str(run_dir), "--deterministic")
    assert first.exit_code == 0, first.output
    out.unlink()

    result = runner.invoke(app, ["extract", "--resume", str(run_dir), "-q"])

    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "f.run.json").read_text())["deterministic"] is True


def test_temporary_files_of_a_killed_write_are_removed_by_the_next(tmp_path):
    out = tmp_path / "f.npz"
    stale = [tmp_path / ".f.npz.x1y2.part", tmp_path / ".f.run.json.abc.part"]
    for path in stale:
        path.write_bytes(b"half a file")
    keep = tmp_path / ".other.npz.abc.part"
    keep.write_bytes(b"not ours")

    assert run("-o", str(out)).exit_code == 0

    assert not any(path.exists() for path in stale)
    assert keep.exists()


def test_a_failed_write_keeps_the_folds_for_a_resume(tmp_path, monkeypatch):
    out = tmp_path / "f.npz"

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("ifl_core.runner.save_features", disk_full)
    failed = run("-o", str(out))
    monkeypatch.undo()

    assert failed.exit_code == 2
    assert failed.stderr.strip().splitlines() == [
        f"error: cannot write {out}: No space left on device; every fold is saved, "
        f"continue with --resume {tmp_path / 'f.ckpt'}"
    ]
    assert not out.exists()
    assert not (tmp_path / "f.run.json").exists()

    resumed = runner.invoke(app, ["extract", "--resume", str(tmp_path / "f.ckpt"),
                                  "-q"])

    assert resumed.exit_code == 0, resumed.output
    record = json.loads((tmp_path / "f.run.json").read_text())
    assert record["resumed_folds"] == [0, 1, 2]
    assert np.load(out)["features"].shape == (1797, 11)
