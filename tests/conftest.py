"""Shared fixtures: small real data (scikit-learn's digits) and tiny DEC settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_limits

from ifl_core.data import bundled_digits

#: DEC small enough for unit tests: a narrow network and a few epochs.
TINY_DEC = {
    "hidden_dims": [32, 32],
    "latent_dim": 5,
    "pretrain_epochs": 3,
    "max_iterations": 30,
    "update_interval": 10,
    "kmeans_n_init": 2,
}


@pytest.fixture(scope="session")
def digits():
    """All 1797 digits, X in [0, 1] (float32) and y."""
    return bundled_digits()


@pytest.fixture(scope="session")
def small_digits(digits):
    """A fixed, class-balanced subset of 300 digits."""
    X, y = digits
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(len(X), 300, replace=False))
    return X[rows], y[rows]


@pytest.fixture
def tiny_dec():
    return dict(TINY_DEC)


#: Upper bound on any wait for the test cluster, so that a broken cluster fails.
DASK_WAIT_S = 120


@pytest.fixture(scope="session")
def dask_cluster():
    """A ``dask.distributed`` cluster of two one-thread worker processes on loopback."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def dask_client(dask_cluster):
    """The session's client, once both workers are up (one may have been killed)."""
    dask_cluster.wait_for_workers(2, timeout=DASK_WAIT_S)
    return dask_cluster


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` BLAS/OpenMP and torch threads.

    Multi-threaded reductions round differently with another thread count, so a
    bit-for-bit comparison with worker processes needs the workers' thread count.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(n):
            yield
    finally:
        torch.set_num_threads(before)
