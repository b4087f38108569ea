"""`ifl extract` with `--jobs` and `--executor dask` gives the same features."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from ifl_cli.app import app
from tests.conftest import threads

runner = CliRunner()


@pytest.fixture
def common(tmp_path, small_digits):
    """Arguments of a small k-means extraction from a 300-row digits file."""
    source = tmp_path / "x.npy"
    np.save(source, small_digits[0])
    return ["extract", "--input", str(source), "--n-clusters", "10",
            "--clusterer", "kmeans", "--folds", "3", "--seed", "2", "-q"]


def test_dask_executor_matches_the_local_run(tmp_path, common, dask_client):
    address = dask_client.scheduler.address

    with threads(1):  # dask workers run one BLAS/OpenMP thread each
        local = runner.invoke(app, [*common, "-o", str(tmp_path / "local.npz")])
    remote = runner.invoke(
        app, [*common, "--executor", "dask", "--scheduler", address,
              "-o", str(tmp_path / "dask.npz")],
    )

    assert local.exit_code == 0, local.output
    assert remote.exit_code == 0, remote.output
    with np.load(tmp_path / "local.npz") as a, np.load(tmp_path / "dask.npz") as b:
        assert a["features"].shape == (300, 11)
        np.testing.assert_array_equal(b["features"], a["features"])
    record = json.loads((tmp_path / "dask.run.json").read_text())
    assert record["executor"] == {"kind": "dask", "workers": 2, "threads": 2,
                                   "scheduler": address}


def test_two_jobs_match_the_in_process_run_with_as_many_threads(tmp_path, common):
    jobs = runner.invoke(
        app, [*common, "--jobs", "2", "-o", str(tmp_path / "jobs.npz")]
    )
    record = json.loads((tmp_path / "jobs.run.json").read_text())
    with threads(record["executor"]["threads_per_worker"]):
        local = runner.invoke(app, [*common, "-o", str(tmp_path / "local.npz")])

    assert local.exit_code == 0, local.output
    assert jobs.exit_code == 0, jobs.output
    with np.load(tmp_path / "local.npz") as a, np.load(tmp_path / "jobs.npz") as b:
        np.testing.assert_array_equal(b["features"], a["features"])
    assert record["executor"]["kind"] == "joblib"
    assert record["executor"]["workers"] == 2


def test_scheduler_without_dask_executor_is_one_line_and_exit_2(tmp_path, common):
    result = runner.invoke(
        app, [*common, "--scheduler", "tcp://127.0.0.1:8786",
              "-o", str(tmp_path / "f.npz")],
    )

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: scheduler, resources and timeout apply to the dask executor only"
    )
    assert not (tmp_path / "f.npz").exists()


def test_bad_resources_value_is_one_line_and_exit_2(tmp_path, common):
    result = runner.invoke(
        app, [*common, "--executor", "dask", "--scheduler", "tcp://127.0.0.1:8786",
              "--resources", "GPU=many", "-o", str(tmp_path / "f.npz")]
    )

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --resources GPU: expected a positive number, got 'many'"
    )


def test_timeout_without_dask_executor_is_one_line_and_exit_2(tmp_path, common):
    result = runner.invoke(
        app, [*common, "--timeout", "60", "-o", str(tmp_path / "f.npz")]
    )

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: scheduler, resources and timeout apply to the dask executor only"
    )


def test_dask_folds_past_the_timeout_end_in_one_line_and_no_output(
    tmp_path, small_digits, dask_client
):
    # A separate process, as a user runs it: the test cluster's scheduler logs to
    # this process's stderr, not to the command's.
    source = tmp_path / "x.npy"
    np.save(source, small_digits[0])
    out = tmp_path / "f.npz"
    result = subprocess.run(
        [sys.executable, "-m", "ifl_cli", "extract", "--input", str(source),
         "--n-clusters", "10", "--clusterer", "dec", "--pretrain-epochs", "200",
         "--folds", "2", "-p", "batched_folds=false", "-q", "--executor", "dask",
         "--scheduler", dask_client.scheduler.address, "--timeout", "0.5",
         "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "error: the folds did not finish on dask within 0.5 s"
    )
    assert not out.exists()


def test_non_positive_timeout_is_refused(tmp_path, common):
    result = runner.invoke(
        app, [*common, "--executor", "dask", "--scheduler", "tcp://127.0.0.1:8786",
              "--timeout", "0", "-o", str(tmp_path / "f.npz")]
    )

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: timeout must be a positive number of seconds, got 0.0"
    )
