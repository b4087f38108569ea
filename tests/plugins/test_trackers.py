"""Cluster tracking: the Hungarian tracker recovers known renumberings."""

from __future__ import annotations

import numpy as np

from ifl_core.interfaces import Partition
from ifl_plugins.trackers import HungarianTracker


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
