"""Fold strategies ``kfold`` and ``stratified`` (scikit-learn splitters, shuffled)."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold

from ifl_core.errors import DataError
from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import Fold, FoldStrategy
from ifl_core.registry import Registry


class KFoldStrategy(FoldStrategy):
    """Shuffled k-fold: ``r`` disjoint inner tests of (nearly) equal size."""

    name = "kfold"
    description = "shuffled k-fold inner folding"

    def split(self, n_rows, y=None, groups=None) -> list[Fold]:
        if n_rows < self.n_folds:
            raise DataError(f"{n_rows} rows cannot be split into {self.n_folds} folds")
        splitter = KFold(self.n_folds, shuffle=True, random_state=self.seed)
        return [Fold(tr, te) for tr, te in splitter.split(np.zeros((n_rows, 1)))]


class StratifiedStrategy(FoldStrategy):
    """Shuffled stratified k-fold: each inner test keeps the class proportions."""

    name = "stratified"
    description = "shuffled stratified k-fold (needs labels)"
    requires_labels = True

    def split(self, n_rows, y=None, groups=None) -> list[Fold]:
        if y is None:
            raise DataError("the 'stratified' fold strategy needs labels")
        counts = np.bincount(np.unique(y, return_inverse=True)[1])
        if counts.min() < self.n_folds:
            raise DataError(
                f"a class has {counts.min()} rows, fewer than the {self.n_folds} "
                "folds that stratified folding needs"
            )
        splitter = StratifiedKFold(self.n_folds, shuffle=True, random_state=self.seed)
        return [Fold(tr, te) for tr, te in splitter.split(np.zeros((n_rows, 1)), y)]


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_fold_strategy(KFoldStrategy)
    registry.add_fold_strategy(StratifiedStrategy)
