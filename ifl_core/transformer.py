"""scikit-learn transformer for Inverse Feature Learning."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from ifl_core.engine import (
    Components,
    FoldingResult,
    compute_features,
    fit_model,
    run_inner_folding,
    tracked_context,
)
from ifl_core.errors import ConfigError, require_fitted
from ifl_core.executors import Executor
from ifl_core.interfaces import Clusterer, Partition
from ifl_core.settings import RunSettings, make_settings
from ifl_core.validation import (
    check_choice,
    check_class_counts,
    check_matrix,
    check_rows,
    check_width,
    encode_labels,
)

OUTPUTS = ("ifl", "both")
SCALINGS = ("none", "standard")


class IFLTransformer(TransformerMixin, BaseEstimator):
    """Learn Inverse Feature Learning (IFL) features.

    ``fit`` runs *inner folding*: the rows are split into ``n_folds`` folds, a
    clusterer is fitted on every inner train (all folds but one), and each held-out
    row gets features that describe its place among that model's clusters (for
    example ``confidence`` and one ``weight`` per cluster). It also fits one clusterer
    on all rows, which ``transform`` uses for new rows.

    Because training rows must get their features from models that never saw them,
    ``fit_transform(X, y)`` is **not** ``fit(X, y).transform(X)``: the former returns
    the out-of-fold features of inner folding, the latter the features of the
    whole-data model, whose clusters were fitted on those very rows. In a
    :class:`~sklearn.pipeline.Pipeline`, ``fit`` uses the former and ``predict`` the
    latter, which is the method's protocol.

    Parameters
    ----------
    clusterer : str, default="dec"
        Name of the clusterer plugin (``ifl list-plugins`` shows them).
    n_clusters : int or None, default=None
        Number of clusters ``s``. ``None`` means the number of classes in ``y``
        (required when ``fit`` gets no labels).
    n_folds : int, default=10
        Number of inner folds ``r``.
    clusterer_params, fold_params, tracker_params : dict or None
        Parameters of the selected plugins, validated by each plugin.
    fold_strategy, tracker : str or None
        Plugin names; ``None`` picks ``stratified``/``labels`` when labels are
        given and ``kfold``/``hungarian`` otherwise.
    metrics : sequence of str, default=("confidence", "weight")
        Error metric plugins, in output column order.
    metric_params : dict or None
        ``{metric name: parameters}``.
    output : {"ifl", "both"}, default="ifl"
        ``"ifl"``: only the IFL features; ``"both"``: primary features, then IFL.
    scaling : {"none", "standard"}, default="none"
        Scaling of the IFL features (fitted on the training features). Distances and
        shares live on other ranges than the primary features; distance-based
        downstream methods are sensitive to that.
    random_state : int, default=0
        Seed of the fold split and of every model.
    device : str, default="auto"
        ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
    executor : Executor or None, default=None
        Where the fold models are fitted, for example
        ``JoblibExecutor(4)`` or ``DaskExecutor("tcp://host:8786")`` from
        :mod:`ifl_core.executors`. ``None`` fits them one after the other in this
        process. The features do not depend on it; the whole-data model is always
        fitted in this process.

    Attributes
    ----------
    train_features_ : ndarray of shape (n_samples, n_ifl_features)
        Out-of-fold IFL features of the training rows (unscaled).
    folding_ : FoldingResult
        Record of inner folding: folds, the fold that produced each row, timings.
    model_ : Clusterer
        The clusterer fitted on all training rows.
    feature_names_ifl_ : list of str
    n_features_in_ : int
    classes_ : ndarray or None
        Class values when ``fit`` got labels.
    """

    def __init__(
        self,
        clusterer: str = "dec",
        n_clusters: int | None = None,
        n_folds: int = 10,
        *,
        clusterer_params: dict[str, Any] | None = None,
        fold_strategy: str | None = None,
        fold_params: dict[str, Any] | None = None,
        tracker: str | None = None,
        tracker_params: dict[str, Any] | None = None,
        metrics: tuple[str, ...] | list[str] = ("confidence", "weight"),
        metric_params: dict[str, dict[str, Any]] | None = None,
        output: str = "ifl",
        scaling: str = "none",
        random_state: int = 0,
        device: str = "auto",
        executor: Executor | None = None,
    ) -> None:
        self.clusterer = clusterer
        self.n_clusters = n_clusters
        self.n_folds = n_folds
        self.clusterer_params = clusterer_params
        self.fold_strategy = fold_strategy
        self.fold_params = fold_params
        self.tracker = tracker
        self.tracker_params = tracker_params
        self.metrics = metrics
        self.metric_params = metric_params
        self.output = output
        self.scaling = scaling
        self.random_state = random_state
        self.device = device
        self.executor = executor

    # ------------------------------------------------------------------ settings

    def _settings(self, n_classes: int | None) -> RunSettings:
        n_clusters = self.n_clusters
        if n_clusters is None:
            if n_classes is None:
                raise ConfigError("n_clusters is required when fit gets no labels")
            n_clusters = n_classes
        return make_settings(
            {
                "clusterer": self.clusterer,
                "clusterer_params": self.clusterer_params or {},
                "n_clusters": n_clusters,
                "n_folds": self.n_folds,
                "fold_strategy": self.fold_strategy,
                "fold_params": self.fold_params or {},
                "tracker": self.tracker,
                "tracker_params": self.tracker_params or {},
                "metrics": list(self.metrics),
                "metric_params": self.metric_params or {},
                "seed": self.random_state,
                "device": self.device,
            }
        )

    # ----------------------------------------------------------------------- fit

    def fit(self, X: Any, y: Any = None, *, groups: Any = None, progress=None):
        """Run inner folding on ``X`` and fit the whole-data clusterer.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), optional
            Class labels (any values: strings, integers, a pandas Series).
        groups : array-like of shape (n_samples,), optional
            Group of every row, for group-aware fold strategies.
        progress : callable, optional
            ``progress(event, **details)`` called as models finish.

        Returns
        -------
        self
        """
        check_choice("output", self.output, OUTPUTS)
        check_choice("scaling", self.scaling, SCALINGS)
        if self.executor is not None and not isinstance(self.executor, Executor):
            raise ConfigError(
                f"executor must be an ifl_core.executors.Executor or None, "
                f"got {type(self.executor).__name__}"
            )
        X = check_matrix(X)
        n = X.shape[0]
        codes, classes = (None, None) if y is None else encode_labels(y, n)
        n_classes = None if classes is None else len(classes)
        settings = self._settings(n_classes)
        components = Components(settings, has_labels=codes is not None)
        components.tracker.check(settings.n_clusters, n_classes)
        if not components.clusterer_cls.accepts_sparse and sp.issparse(X):
            X = check_matrix(X.toarray())
        check_rows(n, settings.n_clusters, settings.n_folds)
        if codes is not None and components.fold_strategy.name == "stratified":
            check_class_counts(classes[codes], settings.n_folds)

        model = fit_model(components, X, np.arange(n), settings.n_folds)
        whole = Partition(np.arange(n), np.asarray(model.labels_, dtype=np.int64))
        folding, (perm,) = run_inner_folding(
            X, components, y=codes, n_classes=n_classes,
            groups=None if groups is None else np.asarray(groups),
            extra_partitions=[whole], progress=progress, executor=self.executor,
        )

        self.settings_ = settings
        self.components_ = components
        self.model_: Clusterer = model
        self.model_permutation_ = perm
        self.folding_: FoldingResult = folding
        self.train_features_ = folding.features
        self.feature_names_ifl_ = folding.columns
        self.n_features_in_ = X.shape[1]
        self.classes_ = classes
        self._y_codes = codes
        self._fit_scaler(folding.features)
        return self

    def _fit_scaler(self, features: np.ndarray) -> None:
        if self.scaling == "standard":
            self.scale_mean_ = features.mean(axis=0)
            std = features.std(axis=0)
            self.scale_std_ = np.where(std > 0, std, 1.0)
        else:
            self.scale_mean_ = np.zeros(features.shape[1])
            self.scale_std_ = np.ones(features.shape[1])

    # ----------------------------------------------------------------- transform

    def _check_fitted(self) -> None:
        require_fitted(self, "model_")

    def ifl_features(self, X: Any) -> np.ndarray:
        """Unscaled IFL features of new rows, from the whole-data clusterer."""
        self._check_fitted()
        X = check_matrix(X)
        check_width(X, self.n_features_in_, fitted="the transformer")
        if not self.components_.clusterer_cls.accepts_sparse and sp.issparse(X):
            X = X.toarray()
        ctx = tracked_context(
            self.model_.centroids_, np.asarray(self.model_.labels_, dtype=np.int64),
            self.model_permutation_, self.model_.encode(X), self._y_codes,
            None if self.classes_ is None else len(self.classes_),
        )
        return compute_features(self.components_.metrics, ctx)

    def _output(self, X: Any, ifl: np.ndarray) -> np.ndarray:
        ifl = (ifl - self.scale_mean_) / self.scale_std_
        if self.output == "ifl":
            return ifl
        primary = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
        return np.hstack([primary, ifl])

    def transform(self, X: Any) -> np.ndarray:
        """Features of new rows from the clusterer fitted on all training rows.

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
        """
        features = self.ifl_features(X)
        return self._output(check_matrix(X), features)

    def fit_transform(self, X: Any, y: Any = None, **fit_params) -> np.ndarray:
        """Fit, and return the out-of-fold features of the training rows."""
        self.fit(X, y, **fit_params)
        return self._output(check_matrix(X), self.train_features_)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output column names: ``confidence``, ``weight_0``, … (primary first)."""
        self._check_fitted()
        names = list(self.feature_names_ifl_)
        if self.output == "both":
            if input_features is None:
                input_features = getattr(self, "feature_names_in_", None)
            if input_features is None:
                input_features = [f"x{i}" for i in range(self.n_features_in_)]
            names = [str(f) for f in input_features] + names
        return np.asarray(names, dtype=object)
