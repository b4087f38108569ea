"""Shared fixtures: small real data (scikit-learn's digits) and tiny DEC settings."""

from __future__ import annotations

import numpy as np
import pytest

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
