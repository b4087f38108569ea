"""The inner-folding loop, with the fast k-means clusterer and a spy clusterer."""

from __future__ import annotations

import numpy as np
import pytest

from ifl_core.engine import Components, fold_seed, run_inner_folding
from ifl_core.errors import DataError, PluginError
from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import Clusterer
from ifl_core.registry import build_plugin_manager
from ifl_core.settings import make_settings


def components(n_clusters=10, registry=None, **values):
    settings = make_settings(
        {"clusterer": "kmeans", "n_clusters": n_clusters, **values}
    )
    return Components(settings, registry)


def test_kmeans_loop_gives_one_named_finite_row_per_input(small_digits):
    X, _ = small_digits
    result, _ = run_inner_folding(X, components(n_folds=5))

    assert result.features.shape == (300, 11)
    assert result.columns == ["confidence"] + [f"weight_{k}" for k in range(10)]
    assert np.isfinite(result.features).all()
    assert ((result.features[:, 0] > 0) & (result.features[:, 0] <= 1)).all()
    assert (result.features[:, 1:] >= 0).all()


def test_every_row_comes_from_a_model_that_did_not_train_on_it(small_digits):
    X, _ = small_digits
    result, _ = run_inner_folding(X, components(n_folds=4))

    assert (result.fold_of_row >= 0).all()
    for row, fold_index in enumerate(result.fold_of_row):
        fold = result.folds[fold_index]
        assert row in set(fold.test.tolist())
        assert row not in set(fold.train.tolist())


class SpyClusterer(Clusterer):
    """Remembers its training rows (column 0 holds a row id) and refuses to
    encode them."""

    name = "spy"

    def fit(self, X):
        self.seen = set(X[:, 0].astype(int).tolist())
        rng = np.random.default_rng(self.seed)
        self.labels_ = rng.integers(0, self.n_clusters, len(X))
        self.labels_[: self.n_clusters] = np.arange(self.n_clusters)
        self.centroids_ = rng.normal(size=(self.n_clusters, 2))
        return self

    def encode(self, X):
        ids = set(X[:, 0].astype(int).tolist())
        if ids & self.seen:
            raise AssertionError(
                f"asked to encode {len(ids & self.seen)} training rows"
            )
        return np.column_stack([X[:, 0], X[:, 0]]) * 0.0


class SpyPlugin:
    @hookimpl
    def ifl_register(self, registry):
        registry.add_clusterer(SpyClusterer)


def test_no_model_is_asked_to_encode_a_row_it_trained_on():
    _, registry = build_plugin_manager(entry_points=False, extra_plugins=(SpyPlugin(),))
    X = np.column_stack([np.arange(60), np.zeros(60)]).astype(np.float32)
    comps = components(3, registry, clusterer="spy", n_folds=6)

    result, _ = run_inner_folding(X, comps)

    assert result.features.shape == (60, 4)


def test_same_seed_same_features_and_other_seed_other_split(small_digits):
    X, _ = small_digits
    a, _ = run_inner_folding(X, components(n_folds=3, seed=7))
    b, _ = run_inner_folding(X, components(n_folds=3, seed=7))
    c, _ = run_inner_folding(X, components(n_folds=3, seed=8))

    np.testing.assert_array_equal(a.features, b.features)
    assert not np.array_equal(a.fold_of_row, c.fold_of_row)


def test_fold_seeds_depend_on_seed_and_index_only():
    assert fold_seed(0, 1) == fold_seed(0, 1)
    assert len({fold_seed(0, i) for i in range(11)}) == 11
    assert fold_seed(0, 1) != fold_seed(1, 1)


def test_fold_accuracy_is_reported_when_labels_are_known(small_digits):
    X, y = small_digits
    result, _ = run_inner_folding(X, components(n_folds=3), report_labels=y)

    assert len(result.fold_accuracy) == 3
    assert all(0.5 < acc <= 1.0 for acc in result.fold_accuracy)


def test_fewer_rows_than_folds_is_a_data_error():
    X = np.random.default_rng(0).random((4, 3)).astype(np.float32)
    with pytest.raises(DataError, match="fewer than the 5 folds"):
        run_inner_folding(X, components(2, n_folds=5))


class BrokenClusterer(SpyClusterer):
    name = "broken"

    def fit(self, X):
        raise RuntimeError("boom")


class BrokenPlugin:
    @hookimpl
    def ifl_register(self, registry):
        registry.add_clusterer(BrokenClusterer)


def test_a_clusterer_that_raises_is_named_in_the_error():
    _, registry = build_plugin_manager(
        entry_points=False, extra_plugins=(BrokenPlugin(),)
    )
    X = np.random.default_rng(0).random((30, 3)).astype(np.float32)
    with pytest.raises(PluginError, match="clusterer 'broken' failed.*boom"):
        run_inner_folding(X, components(2, registry, clusterer="broken", n_folds=3))
