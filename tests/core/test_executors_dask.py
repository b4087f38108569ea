"""Folds on a two-worker ``dask.distributed`` cluster on loopback.

The same seed must give the same features as an in-process run, also when a worker
dies in the middle of a fold.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

from ifl_core.engine import Components, fold_seed, run_inner_folding
from ifl_core.errors import ExecutorError
from ifl_core.executors import DaskExecutor
from ifl_core.hookspecs import hookimpl
from ifl_core.registry import build_plugin_manager
from ifl_core.runner import extract
from ifl_core.settings import make_settings
from ifl_core.transformer import IFLTransformer
from ifl_plugins.kmeans import KMeansClusterer, KMeansParams
from tests.conftest import DASK_WAIT_S, TINY_DEC, threads


@pytest.fixture
def executor(dask_client):
    return DaskExecutor(client=dask_client, timeout=DASK_WAIT_S)


def test_dask_run_gives_the_in_process_features_and_records_the_cluster(
    small_digits, executor
):
    X, y = small_digits
    settings = make_settings({"clusterer": "kmeans", "n_clusters": 10, "n_folds": 4,
                              "seed": 3})
    with threads(1):  # as on the workers, so that sums round the same way
        local = extract(X, settings, report_labels=y)
    remote = extract(X, settings, report_labels=y, executor=executor)

    np.testing.assert_array_equal(remote.result.features, local.result.features)
    np.testing.assert_array_equal(remote.result.fold_of_row, local.result.fold_of_row)
    assert remote.result.fold_accuracy == local.result.fold_accuracy
    assert remote.record["executor"] == {"kind": "dask", "workers": 2, "threads": 2}
    assert [f["index"] for f in remote.record["folds"]] == [0, 1, 2, 3]


def test_transformer_with_tiny_dec_on_dask_matches_in_process(small_digits, executor):
    X, y = small_digits
    X, y = X[:150], y[:150]

    def transformer(**kwargs):
        return IFLTransformer("dec", n_folds=3, clusterer_params=dict(TINY_DEC),
                              random_state=5, device="cpu", **kwargs)

    # In-process, DEC trains its fold models together (batched_folds); a fold per
    # task on dask uses the plain trainer, which equals the in-process run with
    # batched_folds=False exactly and the batched one up to rounding.
    sequential = dict(TINY_DEC, batched_folds=False)
    with threads(1):
        local = IFLTransformer("dec", n_folds=3, clusterer_params=sequential,
                               random_state=5, device="cpu").fit_transform(X, y)
        batched = transformer().fit_transform(X, y)
        remote = transformer(executor=executor).fit_transform(X, y)

    assert local.shape == (150, 11)
    np.testing.assert_array_equal(remote, local)
    np.testing.assert_allclose(batched, local, atol=1e-3)


def test_resources_no_worker_offers_stop_the_run_at_once(small_digits, dask_client):
    X, _ = small_digits
    executor = DaskExecutor(client=dask_client, resources={"GPU": 1}, timeout=60)
    settings = make_settings({"clusterer": "kmeans", "n_clusters": 3, "n_folds": 2})

    with pytest.raises(ExecutorError, match=r"no worker of the dask cluster at "
                       r"tcp://127\.0\.0\.1:\d+ offers the resources \{'GPU': 1\}"):
        run_inner_folding(X, Components(settings), executor=executor)


# ------------------------------------------------------------------ a worker that dies


class KillerParams(KMeansParams):
    marker: str
    victim_seed: int


class KillerKMeans(KMeansClusterer):
    """k-means whose first attempt at one model kills the process that runs it.

    The marker file records the killed process and lets the next attempt through.
    """

    name = "killer-kmeans"
    Params = KillerParams

    def fit(self, X):
        marker = Path(self.params.marker)
        if self.seed == self.params.victim_seed and not marker.exists():
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return super().fit(X)


class KillerPlugin:
    @hookimpl
    def ifl_register(self, registry):
        registry.add_clusterer(KillerKMeans)


def test_a_worker_killed_mid_run_is_replaced_and_the_features_stay_the_same(
    small_digits, dask_client, executor, tmp_path
):
    X, _ = small_digits
    _, registry = build_plugin_manager(
        entry_points=False, extra_plugins=(KillerPlugin(),)
    )
    marker = tmp_path / "killed.pid"
    values = {"n_clusters": 10, "n_folds": 4, "seed": 6}
    killer = make_settings({
        **values, "clusterer": "killer-kmeans",
        "clusterer_params": {"marker": str(marker), "victim_seed": fold_seed(6, 2)},
    })
    plain = make_settings({**values, "clusterer": "kmeans"})
    workers_before = set(dask_client.run(os.getpid).values())

    remote, _ = run_inner_folding(X, Components(killer, registry), executor=executor)
    with threads(1):
        local, _ = run_inner_folding(X, Components(plain))

    killed = int(marker.read_text())
    assert killed in workers_before
    assert killed not in set(dask_client.run(os.getpid).values())
    np.testing.assert_array_equal(remote.features, local.features)
