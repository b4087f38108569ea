"""Error metrics ``confidence``, ``weight`` and ``accuracy`` (of assignment)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ifl_core.errors import DataError
from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import ErrorContext, ErrorMetric, PluginParams
from ifl_core.matching import contingency, match
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


class AccuracyParams(PluginParams):
    unmatched: Literal["zero", "majority"] = Field(
        "zero",
        description="accuracy of a cluster that the matching leaves without a class "
        "(more clusters than classes): 0, or the share of its majority class",
    )


class AccuracyOfAssignment(ErrorMetric):
    """Accuracy of assignment: the clustering accuracy of the row's nearest cluster.

    The clusters of the inner train are matched one to one to the classes by
    Hungarian matching on their contingency table (inner-train rows only). The
    accuracy of a cluster is the share of its inner-train members whose label is
    the class it is matched to; a row gets the accuracy of its nearest cluster ``b``.

    Edge cases, all computed on the inner train:

    * an empty cluster has accuracy 0;
    * classes with no row in this inner train take part in no match;
    * with more clusters than (present) classes, the clusters left unmatched get 0
      (``unmatched="zero"``, the clustering-accuracy reading) or the share of their
      most frequent class (``unmatched="majority"``).

    The matching is computed here from the tracked clusters, so the metric works
    with any cluster tracker.
    """

    name = "accuracy"
    description = "clustering accuracy of the nearest cluster (1 column, needs labels)"
    requires_labels = True
    Params = AccuracyParams

    def columns(self, n_clusters: int) -> list[str]:
        return ["accuracy"]

    def compute(self, ctx: ErrorContext) -> np.ndarray:
        return cluster_accuracies(
            ctx.train_clusters, ctx.y_train, ctx.n_clusters, ctx.n_classes,
            unmatched=self.params.unmatched,
        )[ctx.nearest][:, None]


def cluster_accuracies(
    clusters: np.ndarray,
    y: np.ndarray | None,
    n_clusters: int,
    n_classes: int | None = None,
    *,
    unmatched: str = "zero",
) -> np.ndarray:
    """Accuracy of every cluster under the Hungarian cluster-to-class matching.

    Parameters
    ----------
    clusters : int array of shape (n,)
        Cluster ``0 .. n_clusters-1`` of each row.
    y : int array of shape (n,)
        Class code ``0 .. n_classes-1`` of each row.
    n_clusters : int
    n_classes : int or None
        Number of classes ``C``; ``None`` means ``y.max() + 1``.
    unmatched : {"zero", "majority"}
        Accuracy of clusters left without a class when ``n_clusters > C``.

    Returns
    -------
    ndarray of shape (n_clusters,)
    """
    if y is None:
        raise DataError("the 'accuracy' metric needs the labels of the inner train")
    clusters = np.asarray(clusters, dtype=np.int64)
    y = np.asarray(y, dtype=np.int64)
    n_classes = int(y.max()) + 1 if n_classes is None else int(n_classes)
    counts = contingency(clusters, y, n_clusters, n_classes)
    sizes = counts.sum(axis=1)
    # classes absent from these rows take part in no match, as in the labels tracker
    counts = counts[:, counts.sum(axis=0) > 0]
    class_of_cluster = match(counts)

    hits = np.zeros(n_clusters)
    matched = class_of_cluster >= 0
    hits[matched] = counts[np.flatnonzero(matched), class_of_cluster[matched]]
    if unmatched == "majority":
        hits[~matched] = counts[~matched].max(axis=1, initial=0)
    return np.divide(hits, sizes, out=np.zeros(n_clusters), where=sizes > 0)


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_metric(Confidence)
    registry.add_metric(Weight)
    registry.add_metric(AccuracyOfAssignment)
