"""Degenerate but valid data: finite features, and a record of what went wrong."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from ifl_core.interfaces import ErrorContext
from ifl_core.runner import extract
from ifl_core.settings import make_settings
from tests.conftest import TINY_DEC

CLUSTERERS = [("kmeans", {"n_init": 2}), ("dec", TINY_DEC)]


def run(X, clusterer, params, n_clusters=4):
    settings = make_settings({"clusterer": clusterer, "n_clusters": n_clusters,
                              "n_folds": 3, "clusterer_params": params,
                              "device": "cpu"})
    return extract(X, settings)


@pytest.mark.parametrize(("clusterer", "params"), CLUSTERERS, ids=["kmeans", "dec"])
def test_identical_rows_collapse_with_a_warning_and_finite_features(
    clusterer, params, caplog
):
    X = np.full((45, 5), 0.5, dtype=np.float32)
    with caplog.at_level(logging.WARNING, logger="ifl_core.engine"):
        run_ = run(X, clusterer, params)

    features = run_.result.features
    assert np.isfinite(features).all()
    np.testing.assert_array_equal(features[:, 0], 1.0)  # the one cluster holds all
    assert run_.record["warnings"] == ["fold model(s) [0, 1, 2] collapsed into one "
                                       "cluster"]
    assert all(fold["collapsed"] for fold in run_.record["folds"])
    assert "collapsed into a single cluster" in caplog.text


@pytest.mark.parametrize(("clusterer", "params"), CLUSTERERS, ids=["kmeans", "dec"])
def test_constant_columns_give_finite_features(small_digits, clusterer, params):
    X = small_digits[0][:90].copy()
    X[:, :20] = 0.0
    X[:, 20] = 7.0

    features = run(X, clusterer, params).result.features

    assert np.isfinite(features).all()
    assert ((features[:, 0] > 0) & (features[:, 0] <= 1)).all()


def test_duplicate_rows_fewer_than_clusters_land_in_populated_clusters(small_digits):
    X = np.repeat(small_digits[0][:3], 20, axis=0)

    run_ = run(X, "kmeans", {"n_init": 2})

    features = run_.result.features
    assert np.isfinite(features).all()
    # Each row sits on a centroid of its own cluster: never an empty twin.
    assert (features[:, 0] > 0).all()
    np.testing.assert_allclose(features[:, 1:].min(axis=1), 0.0, atol=1e-5)
    assert run_.record["warnings"] == ["fold model(s) [0, 1, 2] left some clusters "
                                       "empty"]


def test_a_row_nearest_to_an_empty_cluster_gets_confidence_zero():
    from ifl_plugins.metrics import Confidence

    ctx = ErrorContext(z=np.array([[0.0], [10.0]]),
                       centroids=np.array([[0.0], [10.0]]),
                       train_clusters=np.array([0, 0, 0]))

    np.testing.assert_array_equal(Confidence().compute(ctx)[:, 0], [1.0, 0.0])
