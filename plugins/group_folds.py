"""Fold strategies ``group-kfold`` and ``repeated-kfold``.

``group-kfold`` keeps every user-given group (a patient, a recording session, a
subject) whole: a group's rows are all in the inner train or all in the inner test,
so that a row's features never come from a model that saw its group.
``repeated-kfold`` runs shuffled k-fold several times with different shuffles; each
row is then in several inner tests and its features are the mean over them, which
lowers the variance that one random split brings.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field
from sklearn.model_selection import KFold

from ifl_core.errors import DataError
from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import Fold, FoldStrategy, PluginParams
from ifl_core.registry import Registry


class GroupKFoldStrategy(FoldStrategy):
    """Shuffled group k-fold: whole groups go to the inner tests.

    The groups are visited from the largest to the smallest (ties in a seeded random
    order), each going to the inner test that holds the fewest rows so far, so that
    the inner tests end up of similar size.
    """

    name = "group-kfold"
    description = "group k-fold on user-given groups (no group is split)"
    requires_groups = True

    def split(self, n_rows, y=None, groups=None) -> list[Fold]:
        if groups is None:
            raise DataError(
                f"the {self.name!r} fold strategy needs groups "
                "(ifl extract --groups FILE, or fit(X, y, groups=...))"
            )
        groups = np.asarray(groups)
        if groups.shape != (n_rows,):
            raise DataError(
                f"groups has shape {groups.shape}, expected ({n_rows},): one per row"
            )
        _, codes = np.unique(groups, return_inverse=True)
        sizes = np.bincount(codes)
        if len(sizes) < self.n_folds:
            raise DataError(
                f"{len(sizes)} groups cannot be split into {self.n_folds} folds"
            )

        rng = np.random.default_rng(self.seed)
        shuffled = rng.permutation(len(sizes))
        order = shuffled[np.argsort(-sizes[shuffled], kind="stable")]
        fold_of_group = np.empty(len(sizes), dtype=np.int64)
        load = np.zeros(self.n_folds, dtype=np.int64)
        for group in order:
            target = int(np.argmin(load))
            fold_of_group[group] = target
            load[target] += sizes[group]

        fold_of_row = fold_of_group[codes]
        rows = np.arange(n_rows)
        return [
            Fold(rows[fold_of_row != j], rows[fold_of_row == j])
            for j in range(self.n_folds)
        ]


class RepeatedParams(PluginParams):
    n_repeats: int = Field(3, ge=1, description="how many shuffled k-fold splits")


class RepeatedKFoldStrategy(FoldStrategy):
    """``n_repeats`` shuffled k-fold splits: every row is tested ``n_repeats`` times.

    The engine averages a row's features over the models that tested it.
    """

    name = "repeated-kfold"
    description = "repeated shuffled k-fold; features averaged over the repeats"
    Params = RepeatedParams

    def split(self, n_rows, y=None, groups=None) -> list[Fold]:
        if n_rows < self.n_folds:
            raise DataError(f"{n_rows} rows cannot be split into {self.n_folds} folds")
        seeds = np.random.SeedSequence(self.seed).generate_state(self.params.n_repeats)
        dummy = np.zeros((n_rows, 1))
        return [
            Fold(train, test)
            for seed in seeds
            for train, test in KFold(
                self.n_folds, shuffle=True, random_state=int(seed)
            ).split(dummy)
        ]


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_fold_strategy(GroupKFoldStrategy)
    registry.add_fold_strategy(RepeatedKFoldStrategy)
