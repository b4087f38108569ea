"""A run killed mid-way and resumed gives the features of an uninterrupted run.

The run happens in a real subprocess (``python -m ifl_cli extract``) so that it can be
killed with real signals. A test plugin, ``slow-kmeans``, sleeps before each fit so
that the run is slow enough to be killed between folds without using the CPU.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from ifl_core.runner import extract
from ifl_core.settings import make_settings

N_FOLDS = 6
PLUGIN = """
    import time

    from pydantic import Field

    from ifl_core import hookimpl
    from ifl_plugins.kmeans import KMeansClusterer, KMeansParams


    class SlowParams(KMeansParams):
        delay: float = Field(0.0, ge=0)


    class SlowKMeans(KMeansClusterer):
        name = "slow-kmeans"
        Params = SlowParams

        def fit(self, X):
            time.sleep(self.params.delay)
            return super().fit(X)


    @hookimpl
    def ifl_register(registry):
        registry.add_clusterer(SlowKMeans)
"""


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory):
    """A folder holding the ``slow-kmeans`` plugin as an installed distribution."""
    root = tmp_path_factory.mktemp("site")
    (root / "slow_ifl_plugin.py").write_text(textwrap.dedent(PLUGIN))
    info = root / "slow_ifl_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: slow-ifl-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[ifl.plugins]\nslow_ifl_plugin = slow_ifl_plugin\n")
    return root


@pytest.fixture(scope="module")
def data(small_digits, tmp_path_factory):
    X = small_digits[0][:180]
    path = tmp_path_factory.mktemp("data") / "x.npy"
    np.save(path, X)
    return path, X


@pytest.fixture(scope="module")
def reference(data):
    """Features of an uninterrupted run (plain kmeans: the same computation)."""
    settings = make_settings({"clusterer": "kmeans", "n_clusters": 4,
                              "n_folds": N_FOLDS, "seed": 3,
                              "clusterer_params": {"n_init": 2}})
    return extract(data[1], settings).result.features


def start(plugin_path, args):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(plugin_path), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "ifl_cli", "extract", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def first_run_args(data, out):
    return ["-i", str(data[0]), "--n-clusters", "4", "--folds", str(N_FOLDS),
            "--seed", "3", "--clusterer", "slow-kmeans", "-p", "delay=0.4",
            "-p", "n_init=2", "-o", str(out), "-q"]


def wait_for_checkpoints(run_dir: Path, count: int, proc) -> bool:
    """Wait for ``count`` fold checkpoints; False if the process ended first."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(run_dir.glob("fold_*.npz"))) >= count:
            return True
        time.sleep(0.02)
    return False


def finished(run_dir: Path) -> list[int]:
    return sorted(int(p.stem.split("_")[1]) for p in run_dir.glob("fold_*.npz"))


def resume(plugin_path, run_dir):
    proc = start(plugin_path, ["--resume", str(run_dir), "-q"])
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    return stderr


def test_run_killed_twice_resumes_to_the_uninterrupted_features(
    tmp_path, plugin_path, data, reference
):
    out = tmp_path / "features.npz"
    run_dir = tmp_path / "features.ckpt"

    # SIGKILL right after the first checkpoint: nothing can be cleaned up.
    proc = start(plugin_path, first_run_args(data, out))
    assert wait_for_checkpoints(run_dir, 1, proc), proc.communicate()
    proc.kill()
    proc.communicate(timeout=60)
    saved_first = finished(run_dir)
    assert not out.exists()
    assert 1 <= len(saved_first) < N_FOLDS

    # SIGTERM during the resumed run: one line, exit 130, no temporary files.
    proc = start(plugin_path, ["--resume", str(run_dir), "-q"])
    reached = wait_for_checkpoints(run_dir, len(saved_first) + 1, proc)
    assert reached, proc.communicate()
    proc.terminate()
    _, stderr = proc.communicate(timeout=60)
    saved_second = finished(run_dir)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        f"error: interrupted; no output was written; {len(saved_second)} finished "
        f"fold(s) are saved, continue with --resume {run_dir}"
    ]
    assert not out.exists()
    assert not (tmp_path / "features.run.json").exists()
    assert not list(tmp_path.rglob(".*.part"))
    assert len(saved_second) < N_FOLDS

    resume(plugin_path, run_dir)

    with np.load(out) as result:
        np.testing.assert_array_equal(result["features"], reference)
    record = json.loads((tmp_path / "features.run.json").read_text())
    assert record["resumed_folds"] == saved_second
    assert not run_dir.exists()
    assert not list(tmp_path.rglob(".*.part"))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_killed_at_a_random_moment_and_resumed(tmp_path, plugin_path, data, reference,
                                               seed):
    """Kill after a random number of folds plus a random part of the next one.

    The moment may fall before the first checkpoint, between folds, while the output
    is written, or after the run ended; in every case finishing the run gives the
    features of an uninterrupted one.
    """
    rng = np.random.default_rng(seed)
    out = tmp_path / "features.npz"
    run_dir = tmp_path / "features.ckpt"
    proc = start(plugin_path, first_run_args(data, out))
    wait_for_checkpoints(run_dir, int(rng.integers(0, N_FOLDS + 1)), proc)
    time.sleep(rng.uniform(0.0, 0.5))
    proc.kill()
    proc.communicate(timeout=60)

    if not out.exists():
        if (run_dir / "manifest.json").exists():
            resume(plugin_path, run_dir)
        else:
            again = start(plugin_path, first_run_args(data, out))
            assert again.wait(timeout=300) == 0

    with np.load(out) as result:
        np.testing.assert_array_equal(result["features"], reference)
    assert json.loads((tmp_path / "features.run.json").read_text())["output"]
    assert not list(tmp_path.glob(".features.*.part"))
