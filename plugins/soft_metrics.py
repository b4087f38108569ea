"""Error metrics from the soft assignment: ``soft-assignment``, ``entropy``, ``margin``.

They describe *how* an inner-test row sits among the clusters, beyond the distances
of ``weight``: how its membership spreads over the clusters (``soft-assignment``),
how uncertain that spread is (``entropy``), and how close it lies to the border
between its two nearest clusters (``margin``).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import ErrorContext, ErrorMetric, PluginParams
from ifl_core.registry import Registry


def student_t_assignment(distances: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """DEC's soft assignment from Euclidean distances, rows summing to 1.

    q_ij ∝ (1 + d_ij² / α)^(-(α+1)/2), computed in log space so that rows far from
    every centroid still get a proper distribution.

    Parameters
    ----------
    distances : array of shape (m, s)
        Distance of every row to every centroid.
    alpha : float
        Degrees of freedom of the Student-t kernel.

    Returns
    -------
    array of shape (m, s)
    """
    u = np.asarray(distances, dtype=np.float64) / np.sqrt(alpha)
    # log(1 + u²), written so that u² cannot overflow for far rows
    far = np.maximum(u, 1.0)
    log_kernel = np.where(
        u > 1.0,
        2.0 * np.log(far) + np.log1p(far**-2.0),
        np.log1p(np.minimum(u, 1.0) ** 2),
    )
    log_q = -(alpha + 1.0) / 2.0 * log_kernel
    log_q -= log_q.max(axis=1, keepdims=True)
    q = np.exp(log_q)
    return q / q.sum(axis=1, keepdims=True)


class KernelParams(PluginParams):
    alpha: float = Field(1.0, gt=0, description="Student-t degrees of freedom")


class SoftAssignment(ErrorMetric):
    """Membership of the row in each cluster: DEC's Student-t soft assignment q."""

    name = "soft-assignment"
    description = "Student-t soft assignment to every cluster, as in DEC (s columns)"
    Params = KernelParams

    def columns(self, n_clusters: int) -> list[str]:
        return [f"q_{k}" for k in range(n_clusters)]

    def compute(self, ctx: ErrorContext) -> np.ndarray:
        return student_t_assignment(ctx.distances, self.params.alpha)


class EntropyParams(KernelParams):
    normalize: bool = Field(
        True, description="divide by log(s), so that the entropy lies in [0, 1]"
    )


class Entropy(ErrorMetric):
    """Shannon entropy of the soft assignment q: 0 when the row belongs to one
    cluster, largest when it belongs to all alike."""

    name = "entropy"
    description = "entropy of the soft assignment (1 column)"
    Params = EntropyParams

    def columns(self, n_clusters: int) -> list[str]:
        return ["entropy"]

    def compute(self, ctx: ErrorContext) -> np.ndarray:
        q = student_t_assignment(ctx.distances, self.params.alpha)
        terms = np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0)
        entropy = -terms.sum(axis=1)
        if self.params.normalize and ctx.n_clusters > 1:
            entropy /= np.log(ctx.n_clusters)
        return np.clip(entropy, 0.0, None)[:, None]


class Margin(ErrorMetric):
    """Distance to the second-nearest centroid minus distance to the nearest one.

    Near 0 on the border between two clusters, large deep inside one.
    """

    name = "margin"
    description = "second-nearest minus nearest centroid distance (1 column)"

    def columns(self, n_clusters: int) -> list[str]:
        return ["margin"]

    def compute(self, ctx: ErrorContext) -> np.ndarray:
        if ctx.n_clusters < 2:
            return np.zeros((len(ctx.z), 1))
        two = np.partition(ctx.distances, 1, axis=1)[:, :2]
        return (two[:, 1] - two[:, 0])[:, None]


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_metric(SoftAssignment)
    registry.add_metric(Entropy)
    registry.add_metric(Margin)
