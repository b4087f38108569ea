"""group-kfold keeps groups whole; repeated-kfold tests every row several times."""

from __future__ import annotations

import numpy as np
import pytest

from ifl_core.engine import Components, run_inner_folding
from ifl_core.errors import DataError
from ifl_core.settings import make_settings
from ifl_plugins.group_folds import GroupKFoldStrategy, RepeatedKFoldStrategy


def test_group_kfold_never_splits_a_group_and_balances_the_folds():
    groups = np.repeat(np.array(list("abcdefg")), [9, 7, 6, 5, 5, 4, 4])
    folds = GroupKFoldStrategy(3, seed=0).split(len(groups), groups=groups)

    assert len(folds) == 3
    for fold in folds:
        assert not set(groups[fold.train]) & set(groups[fold.test])
    sizes = sorted(len(f.test) for f in folds)
    assert sum(sizes) == len(groups)
    assert sizes[-1] - sizes[0] <= 4


def test_group_kfold_seed_changes_which_groups_go_together():
    groups = np.arange(40) // 2
    a = GroupKFoldStrategy(4, seed=0).split(40, groups=groups)
    b = GroupKFoldStrategy(4, seed=1).split(40, groups=groups)

    assert any(not np.array_equal(x.test, y.test) for x, y in zip(a, b))


@pytest.mark.parametrize("groups, message", [
    (None, "needs groups"),
    (np.arange(5), r"shape \(5,\), expected \(6,\)"),
    (np.array([0, 0, 0, 1, 1, 1]), "2 groups cannot be split into 3 folds"),
])
def test_group_kfold_errors_name_the_problem(groups, message):
    with pytest.raises(DataError, match=message):
        GroupKFoldStrategy(3).split(6, groups=groups)


def test_repeated_kfold_tests_each_row_once_per_repeat():
    folds = RepeatedKFoldStrategy(4, {"n_repeats": 3}, seed=0).split(30)
    counts = np.bincount(np.concatenate([f.test for f in folds]), minlength=30)

    assert len(folds) == 12
    np.testing.assert_array_equal(counts, 3)
    assert not np.array_equal(folds[0].test, folds[4].test)


def test_engine_averages_repeated_features_over_the_repeats(small_digits):
    X, _ = small_digits
    settings = make_settings({
        "clusterer": "kmeans", "clusterer_params": {"n_init": 1}, "n_clusters": 4,
        "n_folds": 3, "fold_strategy": "repeated-kfold",
        "fold_params": {"n_repeats": 2}, "metrics": ["confidence"],
    })
    result, _ = run_inner_folding(X[:90], Components(settings))

    per_fold = np.zeros((90, 2))
    for outcome in result.outcomes:
        sizes = np.bincount(outcome.train_clusters, minlength=4) / len(outcome.train)
        nearest = np.argmin(
            ((outcome.z_test[:, None] - outcome.centroids[None]) ** 2).sum(2), axis=1
        )
        per_fold[outcome.test, outcome.index // 3] = sizes[nearest]
    np.testing.assert_allclose(result.features[:, 0], per_fold.mean(1))


def test_transformer_passes_groups_to_the_fold_strategy(small_digits):
    from ifl_core import IFLTransformer

    X, y = small_digits
    groups = np.arange(len(X)) % 12
    ifl = IFLTransformer("kmeans", n_clusters=10, n_folds=3,
                         clusterer_params={"n_init": 1}, fold_strategy="group-kfold")
    ifl.fit(X, y, groups=groups)

    for fold in ifl.folding_.folds:
        assert not set(groups[fold.train]) & set(groups[fold.test])
