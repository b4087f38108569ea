"""``pca-kmeans``: k-means in the space of the leading principal components."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from pydantic import Field
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

from ifl_core.interfaces import Clusterer, PluginParams

log = logging.getLogger(__name__)


class PCAKMeansParams(PluginParams):
    n_components: int = Field(
        10, ge=1, description="latent dimensions (capped by the rows and features)"
    )
    whiten: bool = Field(False, description="scale every component to unit variance")
    n_init: int = Field(10, ge=1, description="k-means restarts")


class PCAKMeansClusterer(Clusterer):
    """Project on the leading principal components, then run k-means there.

    The encoder is the fitted projection ``(x - mean) @ components.T`` (divided by
    the components' standard deviations when ``whiten`` is set), so that inner-test
    rows land in the same latent space as the centroids.
    """

    name = "pca-kmeans"
    description = "PCA projection, then k-means in the latent space (example plugin)"
    Params = PCAKMeansParams

    def fit(self, X: Any) -> PCAKMeansClusterer:
        X = np.asarray(X, dtype=np.float64)
        n_components = min(self.params.n_components, *X.shape)
        if n_components < self.params.n_components:
            log.info("pca-kmeans keeps %d components, as many as the data allow",
                     n_components)
        pca = PCA(n_components=n_components, random_state=self.seed).fit(X)
        self.mean_ = pca.mean_
        self.components_ = pca.components_
        self.scale_ = (
            np.sqrt(np.maximum(pca.explained_variance_, 1e-12))
            if self.params.whiten
            else np.ones(n_components)
        )
        kmeans = KMeans(self.n_clusters, n_init=self.params.n_init,
                        random_state=self.seed)
        self.labels_ = kmeans.fit_predict(self.encode(X)).astype(np.int64)
        self.centroids_ = kmeans.cluster_centers_.astype(np.float64)
        self.info["explained_variance"] = float(pca.explained_variance_ratio_.sum())
        return self

    def encode(self, X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        return (X - self.mean_) @ self.components_.T / self.scale_

    def get_state(self) -> dict[str, np.ndarray]:
        return {
            "mean": self.mean_, "components": self.components_, "scale": self.scale_,
            "centroids": self.centroids_, "labels": self.labels_,
        }

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        self.mean_ = np.asarray(state["mean"], dtype=np.float64)
        self.components_ = np.asarray(state["components"], dtype=np.float64)
        self.scale_ = np.asarray(state["scale"], dtype=np.float64)
        self.centroids_ = np.asarray(state["centroids"], dtype=np.float64)
        self.labels_ = np.asarray(state["labels"], dtype=np.int64)
