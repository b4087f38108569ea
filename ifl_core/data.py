"""The bundled default data set: scikit-learn's digits (no download)."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits


def bundled_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits: X of shape (1797, 64) scaled to [0, 1], and y."""
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y.astype(np.int64)
