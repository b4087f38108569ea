"""What every conformance check shares: the failure helper, data and tolerances."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import ValidationError

from ifl_core.errors import IFLError
from ifl_core.interfaces import PluginParams

#: Tolerance of "the same result" for floating-point outputs of two seeded runs.
RTOL, ATOL = 1e-5, 1e-7


class Check:
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


def check_class(check: Check, cls: Any, base: type, params: Any) -> None:
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


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.allclose(a, b, rtol=RTOL, atol=ATOL)


def raises_ifl_error(check: Check, call: Callable[[], Any], what: str) -> None:
    try:
        call()
    except IFLError:
        return
    except Exception as exc:
        check(False, f"{what} raised {type(exc).__name__}, not an ifl_core error")
    check(False, f"{what} did not raise")
