"""Conformance checks for ``ifl`` plugins, to call from a plugin's own test suite.

Each check builds small data, drives the plugin the way the inner-folding engine
does, and raises :class:`AssertionError` with a message naming the plugin and the
broken rule. They test the interface contract, the shapes and names of outputs,
seeded determinism and the out-of-fold property::

    from ifl_core.testing import check_clusterer, check_plugin

    def test_my_clusterer_conforms():
        check_clusterer(MyClusterer, {"epochs": 2})

    def test_my_plugin_registers_conforming_classes():
        check_plugin(my_plugin_module, {"my-clusterer": {"epochs": 2}})

The out-of-fold property, that a row's features come from a model that never saw
the row, is shared among the kinds: a fold strategy must never put a row in the
inner train of a fold whose inner test holds it; a clusterer's fitted model must
not change when it encodes new rows, nor encode a row differently because of the
rows beside it; a metric must compute a row's features from that row and the
fold's model alone, not from the other inner-test rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pluggy
import scipy.sparse as sp
from pydantic import ValidationError

from ifl_core import hookspecs
from ifl_core.errors import IFLError
from ifl_core.interfaces import (
    Clusterer,
    ClusterTracker,
    ErrorContext,
    ErrorMetric,
    Fold,
    FoldStrategy,
    Partition,
    Plugin,
    PluginParams,
)
from ifl_core.registry import Registry, Source

__all__ = [
    "blobs",
    "check_clusterer",
    "check_fold_strategy",
    "check_metric",
    "check_plugin",
    "check_tracker",
]

#: Tolerance of "the same result" for floating-point outputs of two seeded runs.
RTOL, ATOL = 1e-5, 1e-7


class _Check:
    """Raises :class:`AssertionError` prefixed with the check and the plugin."""

    def __init__(self, check: str, obj: Any) -> None:
        self.prefix = f"{check}({getattr(obj, '__name__', obj)!s})"

    def __call__(self, condition: Any, message: str) -> None:
        if not condition:
            raise AssertionError(f"{self.prefix}: {message}")


def blobs(
    n_rows: int = 90, n_features: int = 6, n_clusters: int = 3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Well-separated Gaussian blobs: X (float32, shape (n_rows, n_features)), y."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=4.0, size=(n_clusters, n_features))
    y = np.arange(n_rows) % n_clusters
    X = centers[y] + rng.normal(scale=0.5, size=(n_rows, n_features))
    return X.astype(np.float32), y.astype(np.int64)


def _check_class(check: _Check, cls: Any, base: type, params: Any) -> None:
    check(isinstance(cls, type), f"expected a class, got {cls!r}")
    check(issubclass(cls, base), f"does not derive from {base.__name__}")
    name = getattr(cls, "name", None)
    check(isinstance(name, str) and name.strip(),
          f"needs a non-empty name, has {name!r}")
    check(isinstance(cls.description, str), "description must be a string")
    check(
        isinstance(cls.Params, type) and issubclass(cls.Params, PluginParams),
        "Params must derive from PluginParams",
    )
    try:
        cls.make_params(params)
    except ValidationError as exc:
        message = f"{check.prefix}: rejects the given params: {exc}"
        raise AssertionError(message) from None
    try:
        cls.make_params({"no_such_parameter_xyz": 1})
    except ValidationError:
        pass
    else:
        check(False, "Params accepts unknown fields; derive it from PluginParams")
    for flag in ("requires_labels", "requires_groups", "accepts_sparse"):
        if hasattr(cls, flag):
            check(isinstance(getattr(cls, flag), bool), f"{flag} must be a bool")


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.allclose(a, b, rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------- clusterer


def check_clusterer(
    cls: type[Clusterer],
    params: dict[str, Any] | None = None,
    *,
    n_clusters: int = 3,
    X: np.ndarray | None = None,
    device: str = "cpu",
) -> None:
    """Check a :class:`~ifl_core.interfaces.Clusterer` subclass.

    Parameters
    ----------
    cls : type
        The clusterer class.
    params : dict, optional
        Its parameters; small values (few epochs, narrow layers) keep checks fast.
    n_clusters : int
        Number of clusters to fit.
    X : array of shape (n, h), optional
        Data; by default 90 rows of three well-separated blobs in 6 dimensions.
        The first two thirds are the inner train, the rest the inner test.
    device : str
        Device passed to the clusterer.
    """
    check = _Check("check_clusterer", cls)
    _check_class(check, cls, Clusterer, params)
    X = blobs(n_clusters=n_clusters)[0] if X is None else np.asarray(X)
    cut = 2 * len(X) // 3
    train, test = X[:cut], X[cut:]

    model = cls(n_clusters, cls.make_params(params), seed=0, device=device)
    check(model.n_clusters == n_clusters and model.seed == 0,
          "__init__ must keep n_clusters and seed")
    before = train.copy()
    check(model.fit(train) is model, "fit must return self")
    check(np.array_equal(train, before), "fit modified its input X")
    labels, centroids = _fitted(check, model, len(train), n_clusters)
    z = _encoded(check, model, test, centroids.shape[1])

    # The out-of-fold property: the model is a function of its inner train alone.
    check(np.array_equal(model.labels_, labels) and _same(model.centroids_, centroids),
          "encode changed labels_ or centroids_; encoding must not refit the model")
    half = len(test) // 2
    parts = np.vstack([model.encode(test[:half]), model.encode(test[half:])])
    check(_same(np.asarray(parts, dtype=np.float64), z),
          "encode gives a row other values depending on the rows encoded with it")

    twin = cls(n_clusters, cls.make_params(params), seed=0, device=device).fit(train)
    check(np.array_equal(np.asarray(twin.labels_), labels),
          "two fits with the same seed gave different labels_")
    check(_same(np.asarray(twin.centroids_, dtype=np.float64), centroids),
          "two fits with the same seed gave different centroids_")
    check(_same(np.asarray(twin.encode(test), dtype=np.float64), z),
          "two fits with the same seed encode the same rows differently")

    _check_state(check, cls, params, model, test, z, device)
    if cls.accepts_sparse:
        sparse = cls(n_clusters, cls.make_params(params), seed=0, device=device)
        sparse.fit(sp.csr_matrix(train))
        _fitted(check, sparse, len(train), n_clusters)
        _encoded(check, sparse, sp.csr_matrix(test), centroids.shape[1])


def _fitted(check: _Check, model: Clusterer, n: int, s: int):
    check(hasattr(model, "labels_") and hasattr(model, "centroids_"),
          "fit must set labels_ and centroids_")
    labels = np.asarray(model.labels_)
    centroids = np.asarray(model.centroids_, dtype=np.float64)
    check(labels.shape == (n,), f"labels_ has shape {labels.shape}, expected ({n},)")
    check(np.issubdtype(labels.dtype, np.integer),
          f"labels_ must hold integers, has dtype {labels.dtype}")
    check(labels.min() >= 0 and labels.max() < s,
          f"labels_ holds {labels.min()}..{labels.max()}, outside 0..{s - 1}")
    check(centroids.ndim == 2 and centroids.shape[0] == s,
          f"centroids_ has shape {centroids.shape}, expected ({s}, e)")
    check(np.isfinite(centroids).all(), "centroids_ holds NaN or infinite values")
    return labels, centroids


def _encoded(check: _Check, model: Clusterer, rows: Any, e: int) -> np.ndarray:
    z = np.asarray(model.encode(rows), dtype=np.float64)
    m = rows.shape[0]
    check(z.shape == (m, e),
          f"encode returned shape {z.shape}, expected ({m}, {e}) as the centroids")
    check(np.isfinite(z).all(), "encode returned NaN or infinite values")
    return z


def _check_state(check, cls, params, model, test, z, device) -> None:
    try:
        state = model.get_state()
    except NotImplementedError:
        return  # checkpoints are optional
    check(isinstance(state, dict) and all(
        isinstance(k, str) and isinstance(v, np.ndarray) for k, v in state.items()
    ), "get_state must return a dict of str to numpy arrays")
    check(all(v.dtype != object for v in state.values()),
          "get_state returned an object array, which needs pickle to save")
    restored = cls(model.n_clusters, cls.make_params(params), seed=0, device=device)
    restored.set_state(state)
    check(_same(np.asarray(restored.encode(test), dtype=np.float64), z),
          "a model restored by set_state encodes rows differently")
    check(np.array_equal(np.asarray(restored.labels_), np.asarray(model.labels_)),
          "a model restored by set_state has other labels_")


# ------------------------------------------------------------------------------ metric


def _context(
    s: int, *, labels: bool, rows: slice = slice(None), seed: int = 0
) -> ErrorContext:
    """An inner-test context with an empty cluster and a row on a centroid."""
    rng = np.random.default_rng(seed)
    centroids = rng.normal(scale=3.0, size=(s, 3))
    train_clusters = rng.integers(0, s - 1, 60)  # cluster s-1 stays empty
    z = centroids[rng.integers(0, s, 25)] + rng.normal(size=(25, 3))
    z[0] = centroids[0]
    n_classes = s
    y_train = (train_clusters + (rng.random(60) < 0.2)) % n_classes
    return ErrorContext(
        z=z[rows],
        centroids=centroids,
        train_clusters=train_clusters,
        y_train=y_train if labels else None,
        n_classes=n_classes if labels else None,
    )


def check_metric(
    cls: type[ErrorMetric], params: dict[str, Any] | None = None, *, n_clusters: int = 4
) -> None:
    """Check an :class:`~ifl_core.interfaces.ErrorMetric` subclass.

    The metric is computed on synthetic contexts of ``n_clusters`` clusters, one of
    them without inner-train rows and one inner-test row exactly on a centroid;
    without labels unless the metric requires them, and with labels.
    """
    check = _Check("check_metric", cls)
    _check_class(check, cls, ErrorMetric, params)
    check(n_clusters >= 3, "use n_clusters >= 3 (one cluster is left empty)")
    metric = cls(cls.make_params(params))
    for s in (2, n_clusters):
        columns = metric.columns(s)
        check(isinstance(columns, list) and columns
              and all(isinstance(c, str) and c for c in columns),
              f"columns({s}) must be a non-empty list of names, got {columns!r}")
        check(len(set(columns)) == len(columns), f"columns({s}) repeats a name")
        check(metric.columns(s) == columns, f"columns({s}) changes between calls")
    width = len(metric.columns(n_clusters))

    for labels in ((True,) if cls.requires_labels else (False, True)):
        ctx = _context(n_clusters, labels=labels)
        arrays = ("z", "centroids", "train_clusters")
        kept = {k: np.copy(getattr(ctx, k)) for k in arrays}
        out = np.asarray(metric.compute(ctx), dtype=np.float64)
        where = "with labels" if labels else "without labels"
        check(out.shape == (25, width),
              f"compute {where} returned shape {out.shape}, expected (25, {width})")
        check(np.isfinite(out).all(),
              f"compute {where} returned NaN or infinite values")
        check(all(np.array_equal(getattr(ctx, k), v) for k, v in kept.items()),
              "compute modified the context's arrays")
        again = metric.compute(_context(n_clusters, labels=labels))
        check(np.array_equal(np.asarray(again, dtype=np.float64), out),
              "compute gives other values on the same context")

        # The out-of-fold property: a row's features ignore the other test rows.
        parts = [
            np.asarray(metric.compute(_context(n_clusters, labels=labels, rows=r)))
            for r in (slice(0, 1), slice(1, 10), slice(10, None))
        ]
        check(_same(np.vstack(parts).astype(np.float64), out),
              "a row's features change with the other inner-test rows beside it")


# ----------------------------------------------------------------------- fold strategy


def check_fold_strategy(
    cls: type[FoldStrategy],
    params: dict[str, Any] | None = None,
    *,
    n_folds: int = 3,
    n_rows: int = 60,
) -> None:
    """Check a :class:`~ifl_core.interfaces.FoldStrategy` subclass.

    The strategy splits ``n_rows`` rows with labels (three classes) and groups (of
    four consecutive rows) at hand.
    """
    check = _Check("check_fold_strategy", cls)
    _check_class(check, cls, FoldStrategy, params)
    y = np.arange(n_rows) % 3
    groups = np.arange(n_rows) // 4
    strategy = cls(n_folds, cls.make_params(params), seed=0)
    folds = strategy.split(n_rows, y=y, groups=groups)
    check(isinstance(folds, list) and folds, "split must return a non-empty list")

    tested = np.zeros(n_rows, dtype=bool)
    for j, fold in enumerate(folds):
        check(isinstance(fold, Fold),
              f"fold {j} is a {type(fold).__name__}, not a Fold")
        for part in ("train", "test"):
            rows = np.asarray(getattr(fold, part))
            check(rows.ndim == 1 and np.issubdtype(rows.dtype, np.integer),
                  f"fold {j}: {part} must be a 1-D integer array")
            check(rows.size and rows.min() >= 0 and rows.max() < n_rows,
                  f"fold {j}: {part} is empty or indexes outside 0..{n_rows - 1}")
            check(len(np.unique(rows)) == len(rows), f"fold {j}: {part} repeats rows")
        both = np.intersect1d(fold.train, fold.test)
        check(not both.size,
              f"fold {j}: rows {both[:5].tolist()} are in its inner train and test")
        if cls.requires_groups:
            mixed = np.intersect1d(groups[fold.train], groups[fold.test])
            check(not mixed.size, f"fold {j}: groups {mixed[:5].tolist()} are split")
        tested[fold.test] = True
    untested = np.flatnonzero(~tested)[:5].tolist()
    check(not untested, f"rows {untested} are in no inner test")

    twin = cls(n_folds, cls.make_params(params), seed=0)
    again = twin.split(n_rows, y=y, groups=groups)
    check(len(again) == len(folds) and all(
        np.array_equal(a.train, b.train) and np.array_equal(a.test, b.test)
        for a, b in zip(again, folds)
    ), "two splits with the same seed differ")
    needs = [("labels", {"groups": groups}, cls.requires_labels),
             ("groups", {"y": y}, cls.requires_groups)]
    for what, given, required in needs:
        if required:
            _raises_ifl_error(check, lambda g=given: strategy.split(n_rows, **g),
                              f"split without {what} (requires_{what} is set)")


def _raises_ifl_error(check: _Check, call: Callable[[], Any], what: str) -> None:
    try:
        call()
    except IFLError:
        return
    except Exception as exc:
        check(False, f"{what} raised {type(exc).__name__}, not an ifl_core error")
    check(False, f"{what} did not raise")


# ----------------------------------------------------------------------------- tracker


def check_tracker(
    cls: type[ClusterTracker],
    params: dict[str, Any] | None = None,
    *,
    n_clusters: int = 3,
) -> None:
    """Check a :class:`~ifl_core.interfaces.ClusterTracker` subclass.

    Four inner trains of a 4-fold split get one clustering, renumbered at random
    in each; after tracking, the four must agree on every row they share. Labels
    (the true clusters) are given when the tracker requires them.
    """
    check = _Check("check_tracker", cls)
    _check_class(check, cls, ClusterTracker, params)
    s = n_clusters
    rng = np.random.default_rng(0)
    n = 120
    truth = np.arange(n) % s
    fold = rng.permutation(n) % 4
    partitions = []
    for j in range(4):
        rows = np.flatnonzero(fold != j)
        partitions.append(Partition(rows, rng.permutation(s)[truth[rows]]))
    y = truth if cls.requires_labels else None
    kept = [(p.rows.copy(), p.clusters.copy()) for p in partitions]

    tracker = cls(cls.make_params(params))
    perms = [np.asarray(p) for p in tracker.align(partitions, s, y)]
    check(len(perms) == len(partitions),
          f"align returned {len(perms)} permutations for {len(partitions)} partitions")
    for j, perm in enumerate(perms):
        check(sorted(perm.tolist()) == list(range(s)),
              f"permutation {j} is {perm.tolist()}, not a permutation of 0..{s - 1}")
    check(all(np.array_equal(p.rows, r) and np.array_equal(p.clusters, c)
              for p, (r, c) in zip(partitions, kept)),
          "align modified the partitions")

    tracked = np.full((4, n), -1)
    for j, (part, perm) in enumerate(zip(partitions, perms)):
        tracked[j, part.rows] = np.argsort(perm)[part.clusters]
    for i in range(4):
        for j in range(i + 1, 4):
            shared = (tracked[i] >= 0) & (tracked[j] >= 0)
            differ = int((tracked[i, shared] != tracked[j, shared]).sum())
            check(not differ, f"after tracking, partitions {i} and {j} disagree on "
                              f"{differ} of {int(shared.sum())} shared rows")

    again = cls(cls.make_params(params)).align(partitions, s, y)
    check(all(np.array_equal(a, b) for a, b in zip(again, perms)),
          "two alignments of the same partitions differ")
    rows = np.flatnonzero(truth < s - 1)  # a model that left one cluster empty
    partial = [partitions[0], Partition(rows, truth[rows])]
    for j, perm in enumerate(cls(cls.make_params(params)).align(partial, s, y)):
        check(sorted(np.asarray(perm).tolist()) == list(range(s)),
              "with an empty cluster, align did not return permutations")


# ------------------------------------------------------------------------------ plugin

#: The check of each extension kind.
CHECKS: dict[str, Callable[..., None]] = {
    "clusterer": check_clusterer,
    "fold_strategy": check_fold_strategy,
    "tracker": check_tracker,
    "metric": check_metric,
}


def check_plugin(
    plugin: Any, params: dict[str, dict[str, Any]] | None = None
) -> list[str]:
    """Register ``plugin`` alone and check every class it adds.

    Parameters
    ----------
    plugin : module or object
        What the package's ``ifl.plugins`` entry point names.
    params : dict, optional
        ``{extension name: parameters}`` for the checks.

    Returns
    -------
    list of str
        ``kind:name`` of every extension checked.
    """
    check = _Check("check_plugin", getattr(plugin, "__name__", type(plugin).__name__))
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    registry = Registry()
    pm.hook.ifl_register.call_historic(kwargs={"registry": registry})
    with registry.loading(Source("checked", "unknown", "unknown")):
        pm.register(plugin)
    unknown = [c.name for c in pm.get_hookcallers(plugin) or [] if c.spec is None]
    check(not unknown, f"implements hooks that ifl does not know: {unknown}")
    entries = registry.entries()
    check(entries, "registered no extension through ifl_register")
    checked = []
    for entry in entries:
        check(isinstance(entry.obj, type) and issubclass(entry.obj, Plugin),
              f"{entry.kind} {entry.name!r} is not a Plugin subclass")
        if entry.kind in CHECKS:
            CHECKS[entry.kind](entry.obj, (params or {}).get(entry.name))
            checked.append(f"{entry.kind}:{entry.name}")
    return checked
