"""``gmm``: a Gaussian mixture on the rows themselves (scikit-learn).

The encoder is the identity, the centroids are the component means, and each
training row's hard cluster is its most probable component. A component that no
row prefers is an empty cluster, as with any other clusterer.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field
from sklearn.mixture import GaussianMixture

from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import InputSpaceClusterer, PluginParams
from ifl_core.registry import Registry


class GMMParams(PluginParams):
    covariance_type: Literal["full", "tied", "diag", "spherical"] = Field(
        "diag",
        description="shape of each component's covariance; 'diag' stays cheap and "
        "stable in many dimensions",
    )
    n_init: int = Field(1, ge=1, description="EM restarts; the best is kept")
    max_iter: int = Field(100, ge=1, description="EM iterations per restart")
    tol: float = Field(1e-3, gt=0, description="EM convergence threshold")
    reg_covar: float = Field(
        1e-6, ge=0, description="added to the covariance diagonals (constant features)"
    )
    init_params: Literal["kmeans", "k-means++", "random", "random_from_data"] = (
        "kmeans"
    )


class GMMClusterer(InputSpaceClusterer):
    """Gaussian mixture (expectation maximisation) in the input space."""

    name = "gmm"
    description = "Gaussian mixture (scikit-learn); identity encoder, centroids = means"
    Params = GMMParams

    def fit(self, X: Any) -> GMMClusterer:
        p = self.params
        model = GaussianMixture(
            n_components=self.n_clusters,
            covariance_type=p.covariance_type,
            n_init=p.n_init,
            max_iter=p.max_iter,
            tol=p.tol,
            reg_covar=p.reg_covar,
            init_params=p.init_params,
            random_state=self.seed,
        )
        X = np.asarray(X, dtype=np.float64)
        self.labels_ = model.fit_predict(X).astype(np.int64)
        self.centroids_ = model.means_.astype(np.float64)
        self.info["converged"] = bool(model.converged_)
        self.info["em_iterations"] = int(model.n_iter_)
        return self


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_clusterer(GMMClusterer)
