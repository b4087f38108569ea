"""Conformance check of error metrics."""

from __future__ import annotations

from typing import Any

import numpy as np

from ifl_core.interfaces import ErrorContext, ErrorMetric
from ifl_core.testing._common import Check, check_class, same


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

    Parameters
    ----------
    cls : type
        The metric class.
    params : dict, optional
        Its parameters.
    n_clusters : int
        Clusters of the synthetic contexts, at least 3.
    """
    check = Check("check_metric", cls)
    check_class(check, cls, ErrorMetric, params)
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
        check(same(np.vstack(parts).astype(np.float64), out),
              "a row's features change with the other inner-test rows beside it")
