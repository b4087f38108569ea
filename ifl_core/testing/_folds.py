"""Conformance check of fold strategies."""

from __future__ import annotations

from typing import Any

import numpy as np

from ifl_core.interfaces import Fold, FoldStrategy
from ifl_core.testing._common import Check, check_class, raises_ifl_error


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

    Parameters
    ----------
    cls : type
        The fold strategy class.
    params : dict, optional
        Its parameters.
    n_folds : int
        Number of inner folds ``r`` to ask for.
    n_rows : int
        Number of rows to split.
    """
    check = Check("check_fold_strategy", cls)
    check_class(check, cls, FoldStrategy, params)
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
            raises_ifl_error(check, lambda g=given: strategy.split(n_rows, **g),
                              f"split without {what} (requires_{what} is set)")
