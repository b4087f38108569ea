"""Conformance check of cluster trackers."""

from __future__ import annotations

from typing import Any

import numpy as np

from ifl_core.interfaces import ClusterTracker, Partition
from ifl_core.testing._common import Check, check_class


def check_tracker(
    cls: type[ClusterTracker],
    params: dict[str, Any] | None = None,
    *,
    n_clusters: int = 3,
) -> None:
    """Check a :class:`~ifl_core.interfaces.ClusterTracker` subclass.

    Four inner trains of a 4-fold split get one clustering, renumbered at random
    in each; after tracking, the four must agree on every row they share. Labels
    (the true clusters) are given when the tracker requires them.

    Parameters
    ----------
    cls : type
        The tracker class.
    params : dict, optional
        Its parameters.
    n_clusters : int
        Number of clusters ``s``.
    """
    check = Check("check_tracker", cls)
    check_class(check, cls, ClusterTracker, params)
    s = n_clusters
    rng = np.random.default_rng(0)
    n = 120
    truth = np.arange(n) % s
    fold = rng.permutation(n) % 4
    partitions = []
    for j in range(4):
        rows = np.flatnonzero(fold != j)
        partitions.append(Partition(rows, rng.permutation(s)[truth[rows]]))
    y = truth if cls.requires_labels else None
    kept = [(p.rows.copy(), p.clusters.copy()) for p in partitions]

    tracker = cls(cls.make_params(params))
    perms = [np.asarray(p) for p in tracker.align(partitions, s, y)]
    check(len(perms) == len(partitions),
          f"align returned {len(perms)} permutations for {len(partitions)} partitions")
    for j, perm in enumerate(perms):
        check(sorted(perm.tolist()) == list(range(s)),
              f"permutation {j} is {perm.tolist()}, not a permutation of 0..{s - 1}")
    check(all(np.array_equal(p.rows, r) and np.array_equal(p.clusters, c)
              for p, (r, c) in zip(partitions, kept)),
          "align modified the partitions")

    tracked = np.full((4, n), -1)
    for j, (part, perm) in enumerate(zip(partitions, perms)):
        tracked[j, part.rows] = np.argsort(perm)[part.clusters]
    for i in range(4):
        for j in range(i + 1, 4):
            shared = (tracked[i] >= 0) & (tracked[j] >= 0)
            differ = int((tracked[i, shared] != tracked[j, shared]).sum())
            check(not differ, f"after tracking, partitions {i} and {j} disagree on "
                              f"{differ} of {int(shared.sum())} shared rows")

    again = cls(cls.make_params(params)).align(partitions, s, y)
    check(all(np.array_equal(a, b) for a, b in zip(again, perms)),
          "two alignments of the same partitions differ")
    rows = np.flatnonzero(truth < s - 1)  # a model that left one cluster empty
    partial = [partitions[0], Partition(rows, truth[rows])]
    for j, perm in enumerate(cls(cls.make_params(params)).align(partial, s, y)):
        check(sorted(np.asarray(perm).tolist()) == list(range(s)),
              "with an empty cluster, align did not return permutations")
