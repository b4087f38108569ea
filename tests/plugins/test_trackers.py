"""Cluster tracking: the Hungarian and labels trackers recover known renumberings."""

from __future__ import annotations

import numpy as np
import pytest

from ifl_core.errors import ConfigError
from ifl_core.interfaces import Partition
from ifl_plugins.trackers import (
    HungarianTracker,
    LabelsTracker,
    map_clusters_to_classes,
)


def test_recovers_a_known_permutation_of_clusters():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 4, 200)
    rows_a = np.arange(0, 150)
    rows_b = np.arange(50, 200)
    relabel = np.array([2, 0, 3, 1])  # model b calls cluster c "relabel[c]"
    a = Partition(rows_a, truth[rows_a])
    b = Partition(rows_b, relabel[truth[rows_b]])

    perm_a, perm_b = HungarianTracker().align([a, b], 4)

    np.testing.assert_array_equal(perm_a, np.arange(4))
    # column k of model b must be its cluster relabel[k]
    np.testing.assert_array_equal(perm_b, relabel)


def test_noisy_overlap_still_aligns_the_majority():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, 300)
    noisy = truth.copy()
    flip = rng.random(300) < 0.15
    noisy[flip] = rng.integers(0, 3, flip.sum())
    relabel = np.array([1, 2, 0])
    a = Partition(np.arange(300), truth)
    b = Partition(np.arange(300), relabel[noisy])

    _, perm_b = HungarianTracker().align([a, b], 3)

    np.testing.assert_array_equal(perm_b, relabel)


# ------------------------------------------------------------------ labels tracker


def test_labels_tracker_puts_the_cluster_of_class_k_in_column_k():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 4, 400)
    noisy = y.copy()
    flip = rng.random(400) < 0.1
    noisy[flip] = rng.integers(0, 4, flip.sum())
    relabel = np.array([3, 1, 0, 2])  # model calls the cluster of class c relabel[c]
    parts = [Partition(np.arange(0, 300), relabel[noisy[:300]]),
             Partition(np.arange(100, 400), relabel[noisy[100:]])]

    perms = LabelsTracker().align(parts, 4, y)

    for perm in perms:
        np.testing.assert_array_equal(perm, relabel)


def test_extra_clusters_follow_matched_ones_by_majority_class_then_size():
    # 2 classes, 4 clusters: clusters 2 and 0 are class 0's and class 1's best;
    # leftovers: cluster 3 (majority class 0) and cluster 1 (majority class 1)
    clusters = np.array([2, 2, 2, 2, 0, 0, 0, 0, 3, 3, 1, 1, 1])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1])

    perm = map_clusters_to_classes(clusters, y, 4, 2)

    np.testing.assert_array_equal(perm, [2, 0, 3, 1])


def test_class_missing_from_an_inner_train_gets_a_leftover_cluster():
    # class 1 has no row in this inner train; cluster 2 is left over for it
    clusters = np.array([0, 0, 1, 1, 2])
    y_all = np.array([0, 0, 2, 2, 0, 1])
    part = Partition(np.array([0, 1, 2, 3, 4]), clusters)

    (perm,) = LabelsTracker().align([part], 3, y_all)

    np.testing.assert_array_equal(perm, [0, 2, 1])


def test_labels_tracker_refuses_fewer_clusters_than_classes():
    part = Partition(np.arange(6), np.array([0, 0, 1, 1, 0, 1]))

    with pytest.raises(ConfigError, match="n_clusters=2 for 3 classes"):
        LabelsTracker().align([part], 2, np.array([0, 0, 1, 1, 2, 2]))
    with pytest.raises(ConfigError, match="n_clusters >= the number of classes"):
        LabelsTracker().check(5, 10)
    LabelsTracker().check(12, 10)
