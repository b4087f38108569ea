"""Error metrics ``confidence`` and ``weight``."""

from __future__ import annotations

import numpy as np

from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import ErrorContext, ErrorMetric
from ifl_core.registry import Registry


class Confidence(ErrorMetric):
    """|c_b| / |C|: the share of inner-train rows in the cluster nearest to the row.

    A row whose nearest cluster is empty in the inner train gets 0.
    """

    name = "confidence"
    description = "share of inner-train rows in the nearest cluster (1 column)"

    def columns(self, n_clusters: int) -> list[str]:
        return ["confidence"]

    def compute(self, ctx: ErrorContext) -> np.ndarray:
        total = max(len(ctx.train_clusters), 1)
        return (ctx.cluster_sizes[ctx.nearest] / total)[:, None].astype(np.float64)


class Weight(ErrorMetric):
    """Euclidean distance from the row's latent features to each centroid."""

    name = "weight"
    description = "distance to every centroid in the latent space (s columns)"

    def columns(self, n_clusters: int) -> list[str]:
        return [f"weight_{k}" for k in range(n_clusters)]

    def compute(self, ctx: ErrorContext) -> np.ndarray:
        return ctx.distances


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_metric(Confidence)
    registry.add_metric(Weight)
