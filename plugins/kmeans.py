"""``kmeans``: k-means on the rows themselves (the encoder is the identity).

A fast baseline clusterer, and the workhorse of quick tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field
from sklearn.cluster import KMeans as _KMeans

from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import InputSpaceClusterer, PluginParams
from ifl_core.registry import Registry


class KMeansParams(PluginParams):
    n_init: int = Field(10, ge=1, description="k-means restarts")
    max_iter: int = Field(300, ge=1, description="Lloyd iterations per restart")


class KMeansClusterer(InputSpaceClusterer):
    """k-means (scikit-learn) in the input space."""

    name = "kmeans"
    description = "k-means on the input rows (scikit-learn); identity encoder"
    Params = KMeansParams
    accepts_sparse = True

    def fit(self, X: Any) -> KMeansClusterer:
        model = _KMeans(
            n_clusters=self.n_clusters,
            n_init=self.params.n_init,
            max_iter=self.params.max_iter,
            random_state=self.seed,
        )
        self.labels_ = model.fit_predict(X).astype(np.int64)
        self.centroids_ = model.cluster_centers_.astype(np.float64)
        return self


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_clusterer(KMeansClusterer)
