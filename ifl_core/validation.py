"""Checks on input matrices and labels, each failing with a one-line DataError."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ifl_core.errors import DataError


def check_matrix(X: Any, *, name: str = "X", accept_sparse: bool = True) -> Any:
    """Return ``X`` as a 2-D finite float32 array (or CSR matrix when sparse).

    Raises :class:`DataError` on non-numeric values, NaN or infinity, a number of
    dimensions other than 2, or an empty matrix.
    """
    if sp.issparse(X):
        if not accept_sparse:
            raise DataError(f"{name} is sparse but this clusterer needs a dense array")
        X = sp.csr_matrix(X, dtype=np.float32)
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise DataError(f"{name} is empty (shape {X.shape})")
        if not np.isfinite(X.data).all():
            raise DataError(f"{name} contains NaN or infinite values")
        return X
    if hasattr(X, "to_numpy"):
        X = X.to_numpy()
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{name} is not a rectangular array: {exc}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise DataError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise DataError(f"{name} must be 2-D (rows x features), got {arr.ndim}-D {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(f"{name} is empty (shape {arr.shape})")
    arr = arr.astype(np.float32, copy=False)
    if not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).sum())
        raise DataError(f"{name} contains {bad} NaN or infinite value(s)")
    return arr


def encode_labels(y: Any, n_rows: int, *, name: str = "y") -> tuple[np.ndarray, np.ndarray]:
    """Class codes ``0 .. C-1`` for ``y`` and the sorted class values.

    Accepts strings, arbitrary integers and pandas Series. Raises :class:`DataError`
    when the length differs from ``n_rows`` or there are fewer than 2 classes.
    """
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"{name} must be 1-D, got shape {arr.shape}")
    if len(arr) != n_rows:
        raise DataError(f"{name} has {len(arr)} labels but X has {n_rows} rows")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise DataError(f"{name} contains NaN or infinite labels")
    classes, codes = np.unique(arr, return_inverse=True)
    if len(classes) < 2:
        raise DataError(f"{name} has a single class ({classes[0]!r}); need at least 2")
    return codes.astype(np.int64), classes
