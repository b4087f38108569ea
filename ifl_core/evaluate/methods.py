"""The clustering methods and classifiers that the evaluation compares.

Clustering: ``kmeans``, ``hca-average``, ``hca-ward`` (agglomerative clustering
with average or Ward linkage) and ``dec`` (the registered DEC clusterer). Classifiers:
``tree``, ``forest``, ``xgboost``, ``knn`` and ``mlp`` (adam). ``xgboost`` needs the
optional package of that name (``pip install 'ifl[eval]'``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ifl_core.errors import ConfigError

CLUSTERING_METHODS = ("kmeans", "hca-average", "hca-ward", "dec")
CLASSIFIERS = ("tree", "forest", "xgboost", "knn", "mlp")


def cluster(
    method: str,
    X: Any,
    n_clusters: int,
    *,
    seed: int,
    dec_params: dict[str, Any],
    device: str = "cpu",
) -> np.ndarray:
    """Hard cluster labels of the rows of ``X`` by ``method``."""
    from sklearn.cluster import AgglomerativeClustering, KMeans

    if method == "kmeans":
        return KMeans(n_clusters, n_init=10, random_state=seed).fit_predict(X)
    if method in ("hca-average", "hca-ward"):
        dense = X.toarray() if sp.issparse(X) else np.asarray(X)
        linkage = method.split("-")[1]
        return AgglomerativeClustering(n_clusters, linkage=linkage).fit_predict(dense)
    if method == "dec":
        from ifl_core.registry import get_registry

        cls = get_registry().get("clusterer", "dec")
        model = cls(n_clusters, cls.make_params(dec_params), seed=seed, device=device)
        return np.asarray(model.fit(X).labels_)
    raise ConfigError(
        f"unknown clustering method {method!r}; "
        f"available: {', '.join(CLUSTERING_METHODS)}"
    )


def make_classifier(name: str, *, seed: int, quick: bool) -> Any:
    """A fresh scikit-learn compatible classifier; ``quick`` trains less."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier

    trees = 50 if quick else 100
    if name == "tree":
        return DecisionTreeClassifier(random_state=seed)
    if name == "forest":
        return RandomForestClassifier(trees, random_state=seed, n_jobs=1)
    if name == "xgboost":
        try:
            from xgboost import XGBClassifier
        except ImportError:
            raise ConfigError(
                "classifier 'xgboost' needs the xgboost package: "
                "pip install 'ifl[eval]'"
            ) from None
        return XGBClassifier(
            n_estimators=trees,
            random_state=seed,
            n_jobs=1,
            tree_method="hist",
            verbosity=0,
        )
    if name == "knn":
        return KNeighborsClassifier(5)
    if name == "mlp":
        return MLPClassifier(
            (100,), solver="adam", max_iter=60 if quick else 200, random_state=seed
        )
    raise ConfigError(
        f"unknown classifier {name!r}; available: {', '.join(CLASSIFIERS)}"
    )


def classifier_settings(quick: bool) -> dict[str, str]:
    """The classifier settings, as recorded with the results."""
    trees = 50 if quick else 100
    return {
        "tree": "DecisionTreeClassifier(default)",
        "forest": f"RandomForestClassifier(n_estimators={trees})",
        "xgboost": f"XGBClassifier(n_estimators={trees}, tree_method=hist)",
        "knn": "KNeighborsClassifier(n_neighbors=5)",
        "mlp": f"MLPClassifier((100,), adam, max_iter={60 if quick else 200})",
    }


class LongLayoutClassifier:
    """Technique 1: every row becomes ``s`` versions, one per cluster.

    Version ``k`` of a row holds its primary features (when given), the row's
    confidence, its weight to cluster ``k`` and, when present, its accuracy of
    assignment. Every version of a training row carries the row's label. A new row
    is predicted as the class with the highest probability over all its versions.

    Parameters
    ----------
    base : classifier with ``fit`` and ``predict_proba``
    columns : list of str
        Names of the IFL feature columns (``confidence``, ``accuracy``,
        ``weight_0`` ...).
    """

    def __init__(self, base: Any, columns: list[str]) -> None:
        self.base = base
        self.columns = list(columns)

    def _versions(self, primary: Any, ifl: np.ndarray) -> Any:
        weights = [i for i, c in enumerate(self.columns) if c.startswith("weight_")]
        shared = [
            i for i, c in enumerate(self.columns) if c in ("confidence", "accuracy")
        ]
        s = len(weights)
        n = ifl.shape[0]
        long_ifl = np.empty((n * s, len(shared) + 1))
        long_ifl[:, : len(shared)] = np.repeat(ifl[:, shared], s, axis=0)
        long_ifl[:, -1] = ifl[:, weights].reshape(-1)
        if primary is None:
            return long_ifl
        rows = np.repeat(np.arange(n), s)
        if sp.issparse(primary):
            return sp.hstack([sp.csr_matrix(primary)[rows], long_ifl], format="csr")
        return np.hstack([np.asarray(primary)[rows], long_ifl])

    def fit(self, primary: Any, ifl: np.ndarray, y: np.ndarray) -> LongLayoutClassifier:
        s = sum(c.startswith("weight_") for c in self.columns)
        self.base.fit(self._versions(primary, ifl), np.repeat(y, s))
        self.classes_ = np.asarray(self.base.classes_)
        return self

    def predict(self, primary: Any, ifl: np.ndarray) -> np.ndarray:
        s = sum(c.startswith("weight_") for c in self.columns)
        proba = self.base.predict_proba(self._versions(primary, ifl))
        proba = proba.reshape(ifl.shape[0], s, -1).max(axis=1)
        return self.classes_[np.argmax(proba, axis=1)]
