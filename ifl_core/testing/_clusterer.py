"""Conformance check of clusterers."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ifl_core.interfaces import Clusterer
from ifl_core.testing._common import Check, blobs, check_class, same


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
    check = Check("check_clusterer", cls)
    check_class(check, cls, Clusterer, params)
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
    check(np.array_equal(model.labels_, labels) and same(model.centroids_, centroids),
          "encode changed labels_ or centroids_; encoding must not refit the model")
    half = len(test) // 2
    parts = np.vstack([model.encode(test[:half]), model.encode(test[half:])])
    check(same(np.asarray(parts, dtype=np.float64), z),
          "encode gives a row other values depending on the rows encoded with it")

    twin = cls(n_clusters, cls.make_params(params), seed=0, device=device).fit(train)
    check(np.array_equal(np.asarray(twin.labels_), labels),
          "two fits with the same seed gave different labels_")
    check(same(np.asarray(twin.centroids_, dtype=np.float64), centroids),
          "two fits with the same seed gave different centroids_")
    check(same(np.asarray(twin.encode(test), dtype=np.float64), z),
          "two fits with the same seed encode the same rows differently")

    _check_state(check, cls, params, model, test, z, device)
    if cls.accepts_sparse:
        sparse = cls(n_clusters, cls.make_params(params), seed=0, device=device)
        sparse.fit(sp.csr_matrix(train))
        _fitted(check, sparse, len(train), n_clusters)
        _encoded(check, sparse, sp.csr_matrix(test), centroids.shape[1])


def _fitted(check: Check, model: Clusterer, n: int, s: int):
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


def _encoded(check: Check, model: Clusterer, rows: Any, e: int) -> np.ndarray:
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
    check(same(np.asarray(restored.encode(test), dtype=np.float64), z),
          "a model restored by set_state encodes rows differently")
    check(np.array_equal(np.asarray(restored.labels_), np.asarray(model.labels_)),
          "a model restored by set_state has other labels_")
