"""The conformance kit: every built-in plugin passes it, and broken plugins fail it."""

from __future__ import annotations

import numpy as np
import pytest

from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import ClusterTracker, ErrorMetric, Fold, FoldStrategy
from ifl_core.registry import build_plugin_manager
from ifl_core.testing import (
    CHECKS,
    check_clusterer,
    check_fold_strategy,
    check_metric,
    check_plugin,
    check_tracker,
)
from ifl_plugins.kmeans import KMeansClusterer
from ifl_plugins.metrics import Weight

_, BUILTINS = build_plugin_manager(entry_points=False)

_TINY_AE = {"hidden_dims": [16], "latent_dim": 3, "pretrain_epochs": 3,
            "kmeans_n_init": 2}
_TINY_DEC = {**_TINY_AE, "max_iterations": 10, "update_interval": 5}
#: Small parameters for slow built-ins; every other built-in runs on its defaults.
FAST_PARAMS = {"dec": _TINY_DEC, "idec": _TINY_DEC, "ae-kmeans": _TINY_AE}


@pytest.mark.parametrize(
    "kind, name", [(e.kind, e.name) for e in BUILTINS.entries() if e.kind in CHECKS]
)
def test_builtin_plugin_passes_its_conformance_check(kind, name):
    CHECKS[kind](BUILTINS.get(kind, name), FAST_PARAMS.get(name))


# ------------------------------------------------------------- broken clusterers


class OutOfRange(KMeansClusterer):
    name = "out-of-range"

    def fit(self, X):
        super().fit(X)
        self.labels_ = self.labels_ + 1
        return self


class Unseeded(KMeansClusterer):
    name = "unseeded"

    def fit(self, X):
        super().fit(X)
        jitter = np.random.default_rng().normal(scale=1e-3, size=self.centroids_.shape)
        self.centroids_ = self.centroids_ + jitter
        return self


class BatchNormalised(KMeansClusterer):
    """Encodes rows relative to the batch it is given: leaks across test rows."""

    name = "batch"

    def encode(self, X):
        X = np.asarray(X, dtype=np.float64)
        return X - X.mean(axis=0) + self.centroids_.mean(axis=0)


class Refitting(KMeansClusterer):
    name = "refitting"

    def encode(self, X):
        self.fit(X)
        return super().encode(X)


@pytest.mark.parametrize("cls, message", [
    (OutOfRange, r"labels_ holds 1\.\.3, outside 0\.\.2"),
    (Unseeded, "same seed gave different"),
    (BatchNormalised, "depending on the rows encoded with it"),
    (Refitting, "encode changed labels_ or centroids_"),
])
def test_check_clusterer_names_the_broken_rule(cls, message):
    with pytest.raises(AssertionError, match=rf"check_clusterer\({cls.__name__}\): .*"
                                             + message):
        check_clusterer(cls, {"n_init": 1})


def test_check_clusterer_rejects_a_class_of_another_kind():
    with pytest.raises(AssertionError, match="does not derive from Clusterer"):
        check_clusterer(Weight)


# --------------------------------------------------------- broken metrics, folds


class Standardised(Weight):
    """Scales distances by statistics of the whole inner test."""

    name = "standardised"

    def compute(self, ctx):
        d = ctx.distances
        return (d - d.mean(axis=0)) / (d.std(axis=0) + 1.0)


class RatioToNearest(Weight):
    """Divides by the nearest distance, which is 0 for a row on a centroid."""

    name = "ratio"

    def compute(self, ctx):
        with np.errstate(divide="ignore", invalid="ignore"):
            return ctx.distances / ctx.distances.min(axis=1, keepdims=True)


class WrongWidth(ErrorMetric):
    name = "wrong-width"

    def columns(self, n_clusters):
        return ["a", "b"]

    def compute(self, ctx):
        return np.zeros((len(ctx.z), 3))


@pytest.mark.parametrize("cls, message", [
    (Standardised, "change with the other inner-test rows"),
    (RatioToNearest, "NaN or infinite"),
    (WrongWidth, r"shape \(25, 3\), expected \(25, 2\)"),
])
def test_check_metric_names_the_broken_rule(cls, message):
    with pytest.raises(AssertionError, match=message):
        check_metric(cls)


class Leaky(FoldStrategy):
    """Leaves the inner test inside the inner train."""

    name = "leaky"

    def split(self, n_rows, y=None, groups=None):
        rows = np.arange(n_rows)
        return [Fold(rows, rows[j::self.n_folds]) for j in range(self.n_folds)]


class Incomplete(FoldStrategy):
    name = "incomplete"

    def split(self, n_rows, y=None, groups=None):
        rows = np.arange(n_rows - 1)
        return [Fold(rows[rows % 2 == j], rows[rows % 2 != j]) for j in range(2)]


class IgnoresGroups(Leaky):
    name = "ignores-groups"
    requires_groups = True

    def split(self, n_rows, y=None, groups=None):
        rows = np.arange(n_rows)
        return [Fold(rows[rows % 2 == j], rows[rows % 2 != j]) for j in range(2)]


@pytest.mark.parametrize("cls, message", [
    (Leaky, "are in its inner train and test"),
    (Incomplete, r"rows \[59\] are in no inner test"),
    (IgnoresGroups, "groups .* are split"),
])
def test_check_fold_strategy_names_the_broken_rule(cls, message):
    with pytest.raises(AssertionError, match=message):
        check_fold_strategy(cls)


class Identity(ClusterTracker):
    """Tracks nothing: keeps every model's own numbering."""

    name = "identity"

    def align(self, partitions, n_clusters, y=None):
        return [np.arange(n_clusters) for _ in partitions]


class NotAPermutation(Identity):
    name = "not-a-permutation"

    def align(self, partitions, n_clusters, y=None):
        return [np.zeros(n_clusters, dtype=int) for _ in partitions]


@pytest.mark.parametrize("cls, message", [
    (Identity, "partitions 0 and 1 disagree on"),
    (NotAPermutation, r"permutation 0 is \[0, 0, 0\]"),
])
def test_check_tracker_names_the_broken_rule(cls, message):
    with pytest.raises(AssertionError, match=message):
        check_tracker(cls)


# ------------------------------------------------------------------ check_plugin


class GoodPlugin:
    @hookimpl
    def ifl_register(self, registry):
        registry.add_metric(Weight)
        registry.add_fold_strategy(Leaky)


def test_check_plugin_checks_every_class_the_plugin_adds():
    with pytest.raises(AssertionError, match=r"check_fold_strategy\(Leaky\)"):
        check_plugin(GoodPlugin())


def test_check_plugin_lists_what_it_checked():
    class MetricOnly:
        @hookimpl
        def ifl_register(self, registry):
            registry.add_metric(Weight)

    assert check_plugin(MetricOnly()) == ["metric:weight"]


def test_check_plugin_refuses_an_unknown_hook():
    class Future:
        @hookimpl
        def ifl_register_v2(self, registry):
            """A hook of some later plugin API."""

    with pytest.raises(AssertionError, match="hooks that ifl does not know"):
        check_plugin(Future())
