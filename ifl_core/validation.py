"""Checks on input matrices and labels, each failing with a one-line DataError.

They are shared by the transformer, the command line and the runner, so that every
entry point refuses the same inputs with the same message, before any model is fitted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ifl_core.errors import ConfigError, DataError


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
    if arr.dtype == object or np.iscomplexobj(arr) or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise DataError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise DataError(
            f"{name} must be 2-D (rows x features), got {arr.ndim}-D {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(f"{name} is empty (shape {arr.shape})")
    arr = arr.astype(np.float32, copy=False)
    if not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).sum())
        raise DataError(f"{name} contains {bad} NaN or infinite value(s)")
    return arr


def encode_labels(
    y: Any, n_rows: int, *, name: str = "y"
) -> tuple[np.ndarray, np.ndarray]:
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
        raise DataError(
            f"{name} has a single class ({_show(classes[0])}); need at least 2"
        )
    return codes.astype(np.int64), classes


def check_rows(n_rows: int, n_clusters: int, n_folds: int, *, name: str = "X") -> None:
    """Refuse fewer rows than folds, or inner trains smaller than the cluster count.

    With ``r`` folds an inner train holds about ``n (r-1) / r`` rows; the clusterer
    needs at least one row per cluster in each of them.
    """
    if n_rows < n_folds:
        raise DataError(f"{name} has {n_rows} rows, fewer than the {n_folds} folds")
    if n_rows < n_clusters:
        raise DataError(
            f"{name} has {n_rows} rows, fewer than the {n_clusters} clusters"
        )
    smallest_train = n_rows - -(-n_rows // n_folds)
    if smallest_train < n_clusters:
        raise DataError(
            f"{name} has {n_rows} rows: an inner train of {n_folds} folds holds "
            f"{smallest_train}, fewer than the {n_clusters} clusters"
        )


def check_class_counts(codes: np.ndarray, n_folds: int, *, name: str = "y") -> None:
    """Refuse a class with fewer rows than folds (stratified folding needs one each)."""
    values, counts = np.unique(np.asarray(codes), return_counts=True)
    if counts.min() < n_folds:
        smallest = values[int(np.argmin(counts))]
        raise DataError(
            f"class {_show(smallest)} of {name} has {counts.min()} rows, fewer than "
            f"the {n_folds} folds that stratified folding needs"
        )


def check_length(values: Any, n_rows: int, name: str = "y") -> None:
    """Refuse ``values`` unless it has one entry per row of X."""
    if len(values) != n_rows:
        raise DataError(f"{name} have {len(values)} entries but X has {n_rows} rows")


def check_width(
    X: Any, n_features: int, *, name: str = "X", fitted: str = "the model"
) -> None:
    """Refuse a matrix whose number of columns differs from the training data's.

    ``fitted`` names what was fitted (``"the transformer"``) in the message.
    """
    if X.shape[1] != n_features:
        raise DataError(
            f"{name} has {X.shape[1]} features, but {fitted} was fitted with "
            f"{n_features}"
        )


def _show(value: Any) -> str:
    """``repr`` of a label as the user wrote it (``'b'``, ``3``), not numpy's."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    """Raise :class:`ConfigError` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ConfigError(f"{name} must be one of {choices}, got {value!r}")
