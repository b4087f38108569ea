"""Hungarian matching of clusters, shared by trackers, metrics and reports."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def contingency(a: np.ndarray, b: np.ndarray, n_a: int, n_b: int) -> np.ndarray:
    """Count matrix ``C[i, j]`` = number of positions where ``a == i`` and
    ``b == j``."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    flat = np.bincount(a * n_b + b, minlength=n_a * n_b)
    return flat.reshape(n_a, n_b)


def match(counts: np.ndarray) -> np.ndarray:
    """Best one-to-one matching of rows to columns of a count matrix.

    Returns ``col_of_row`` of shape (n_rows,): the column matched to each row, or -1
    for rows left unmatched when there are more rows than columns.
    """
    rows, cols = linear_sum_assignment(counts, maximize=True)
    col_of_row = np.full(counts.shape[0], -1, dtype=np.int64)
    col_of_row[rows] = cols
    return col_of_row


def clustering_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Clustering ACC: share of rows right under the best cluster-to-class map."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError("y_true and y_pred differ in length")
    if y_true.size == 0:
        return 0.0
    _, t = np.unique(y_true, return_inverse=True)
    _, p = np.unique(y_pred, return_inverse=True)
    counts = contingency(p, t, int(p.max()) + 1, int(t.max()) + 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / y_true.size)


def complete_permutation(target_of_source: np.ndarray, n: int) -> np.ndarray:
    """Turn a partial map source→target (``-1`` = unmatched) into a permutation.

    Returns ``perm`` with ``perm[target] = source``: unmatched sources fill the
    unclaimed targets in increasing order.
    """
    perm = np.full(n, -1, dtype=np.int64)
    for source, target in enumerate(target_of_source):
        if target >= 0:
            perm[target] = source
    leftovers = iter(s for s in range(n) if s not in set(perm.tolist()))
    for target in range(n):
        if perm[target] < 0:
            perm[target] = next(leftovers)
    return perm
