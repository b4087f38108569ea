"""Cluster trackers ``hungarian`` (label-free) and ``labels`` (clusters to classes)."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from ifl_core.errors import ConfigError, DataError
from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import ClusterTracker, Partition, PluginParams
from ifl_core.matching import complete_permutation, contingency, match
from ifl_core.registry import Registry


class HungarianParams(PluginParams):
    reference: int = Field(0, ge=0, description="index of the reference partition")


class HungarianTracker(ClusterTracker):
    """Align every model to a reference model through the rows both labelled.

    Two inner trains of an r-fold split share r-2 folds of rows. On those rows the
    clusters of a model and of the reference are matched one to one (Hungarian
    matching on their contingency table), and the model's clusters are renumbered to
    the reference's numbers. The reference keeps its own numbering.
    """

    name = "hungarian"
    description = "label-free Hungarian alignment to a reference fold"
    Params = HungarianParams

    def align(self, partitions, n_clusters, y=None) -> list[np.ndarray]:
        ref_index = min(self.params.reference, len(partitions) - 1)
        ref = partitions[ref_index]
        ref_cluster = np.full(_n_rows(partitions), -1, dtype=np.int64)
        ref_cluster[ref.rows] = ref.clusters
        perms = []
        for index, part in enumerate(partitions):
            if index == ref_index:
                perms.append(np.arange(n_clusters))
                continue
            shared = ref_cluster[part.rows] >= 0
            counts = contingency(
                part.clusters[shared], ref_cluster[part.rows][shared],
                n_clusters, n_clusters,
            )
            perms.append(complete_permutation(match(counts), n_clusters))
        return perms


def _n_rows(partitions: list[Partition]) -> int:
    return int(max(p.rows.max(initial=-1) for p in partitions)) + 1


class LabelsTracker(ClusterTracker):
    """Map every model's clusters to classes, so that column ``k`` is class ``k``.

    For each model, its clusters are matched one to one to the classes present in
    its inner train by Hungarian matching on the contingency table of clusters and
    labels of those rows; the cluster matched to class ``k`` becomes column ``k``.
    Column ``k`` therefore means "the cluster of class ``k``" in every fold and in
    the model fitted on the whole training set.

    Clusters left over by the matching fill the remaining columns, in this order:

    1. the columns of classes absent from this inner train, in increasing class
       code (only possible when a class has fewer rows than there are folds, or
       with a custom fold strategy);
    2. the extra columns ``C .. s-1`` when there are more clusters ``s`` than
       classes ``C``.

    The leftover clusters are taken by their majority class on the inner train
    (smallest code first), then by decreasing size, then by their own number, so
    that, say, column ``C`` tends to be the second cluster of the lowest class in
    every fold. Empty clusters come last. Fewer clusters than classes cannot give
    every class a column and raise :class:`~ifl_core.errors.ConfigError`.
    """

    name = "labels"
    description = "map clusters to classes by Hungarian matching (needs labels)"
    requires_labels = True

    def check(self, n_clusters: int, n_classes: int | None) -> None:
        if n_classes is None:
            raise DataError("the 'labels' tracker needs labels")
        if n_clusters < n_classes:
            raise ConfigError(
                f"tracker 'labels' needs n_clusters >= the number of classes; got "
                f"n_clusters={n_clusters} for {n_classes} classes (use tracker "
                "'hungarian' for fewer clusters)"
            )

    def align(self, partitions, n_clusters, y=None) -> list[np.ndarray]:
        if y is None:
            raise DataError("the 'labels' tracker needs labels")
        y = np.asarray(y, dtype=np.int64)
        n_classes = int(y.max()) + 1
        self.check(n_clusters, n_classes)
        return [
            map_clusters_to_classes(p.clusters, y[p.rows], n_clusters, n_classes)
            for p in partitions
        ]


def map_clusters_to_classes(
    clusters: np.ndarray, y: np.ndarray, n_clusters: int, n_classes: int
) -> np.ndarray:
    """Permutation ``perm`` with ``perm[k]`` = the cluster that becomes column ``k``.

    See :class:`LabelsTracker` for the order of the columns.
    """
    counts = contingency(clusters, y, n_clusters, n_classes)
    present = np.flatnonzero(counts.sum(axis=0) > 0)
    perm = np.full(n_clusters, -1, dtype=np.int64)
    for cluster, index in enumerate(match(counts[:, present])):
        if index >= 0:
            perm[present[index]] = cluster

    sizes = counts.sum(axis=1)
    leftovers = sorted(
        (c for c in range(n_clusters) if c not in set(perm.tolist())),
        key=lambda c: (
            int(counts[c].argmax()) if sizes[c] else n_classes, -int(sizes[c]), c
        ),
    )
    free = [k for k in range(n_clusters) if perm[k] < 0]
    perm[free] = leftovers
    return perm


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_tracker(HungarianTracker)
    registry.add_tracker(LabelsTracker)
