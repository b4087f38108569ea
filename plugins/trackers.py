"""Cluster tracker ``hungarian``: label-free alignment to a reference partition."""

from __future__ import annotations

import numpy as np
from pydantic import Field

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


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_tracker(HungarianTracker)
