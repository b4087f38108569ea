"""``distance-ratio``: how ambiguous the row's nearest cluster is."""

from __future__ import annotations

import numpy as np

from ifl_core.interfaces import ErrorContext, ErrorMetric


class DistanceRatio(ErrorMetric):
    """Nearest over second-nearest centroid distance, in [0, 1].

    0 on a centroid, 1 on the border between the two nearest clusters. A row with
    both distances 0 (two clusters on one point) gets 1: it is fully ambiguous.
    """

    name = "distance-ratio"
    description = "nearest / second-nearest centroid distance (1 column, example)"

    def columns(self, n_clusters: int) -> list[str]:
        return ["distance_ratio"]

    def compute(self, ctx: ErrorContext) -> np.ndarray:
        if ctx.n_clusters < 2:
            return np.zeros((len(ctx.z), 1))
        two = np.partition(ctx.distances, 1, axis=1)[:, :2]
        ratio = np.divide(
            two[:, 0], two[:, 1], out=np.ones(len(two)), where=two[:, 1] > 0
        )
        return ratio[:, None]
