"""Classification with IFL features: technique 2 (wide) and technique 1 (long).

Both techniques use the same three error metrics, computed with labels:
``confidence``, ``accuracy`` (accuracy of assignment) and ``weight`` (one distance
per cluster).

* **Technique 2 (wide):** every row keeps one line with ``2 + s`` IFL features,
  ``confidence, accuracy, weight_0 .. weight_{s-1}``. This is
  :class:`~ifl_core.transformer.IFLTransformer` with
  ``metrics=TECHNIQUE_METRICS``; any classifier then follows in a pipeline.
* **Technique 1 (long):** every row becomes ``s`` *versions*. Version ``k`` is the
  row seen as cluster ``k`` (with the ``labels`` tracker: as class ``k``) and holds
  three IFL features, ``confidence, weight_k, accuracy``, after the primary features
  when they are used together. :func:`expand_versions` builds the versions,
  :func:`version_labels` their training labels (every version carries its row's
  label), and :class:`IFLVersionClassifier` wraps any scikit-learn classifier.

How technique 1 predicts a row: the wrapped classifier, trained on the versions of
the training rows, scores every version of the row for every class (its
``predict_proba``, or ``decision_function`` when it has no probabilities). That
gives an ``s × C`` table of scores per row; the row's score for class ``c`` is the
maximum over its versions, and the predicted class is the one with the highest
such score, i.e. the class of the (version, class) cell with the maximum score.
Classes tied on that maximum (a pure decision-tree leaf gives probability 1 to
one class, so several versions often reach 1 for different classes) are separated
by their mean score over the versions; remaining ties go to the class that comes
first in ``classes_``. ``aggregate="mean"`` instead predicts the class with the
highest mean score over the versions (a soft vote).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.tree import DecisionTreeClassifier

from ifl_core.errors import ConfigError, DataError, require_fitted
from ifl_core.transformer import OUTPUTS, SCALINGS, IFLTransformer
from ifl_core.validation import check_choice, check_matrix

log = logging.getLogger(__name__)

#: Error metrics of both classification techniques, in technique-2 column order.
TECHNIQUE_METRICS = ("confidence", "accuracy", "weight")
#: The IFL columns of one version in technique 1.
VERSION_COLUMNS = ("confidence", "weight", "accuracy")

_AGGREGATES = ("max", "mean")


def _weight_columns(columns: list[str]) -> list[int]:
    found = [i for i, c in enumerate(columns) if c.startswith("weight_")]
    if not found:
        raise ConfigError(
            f"technique 1 needs the 'weight' metric; the features have {columns}"
        )
    return found


def expand_versions(
    features: np.ndarray,
    columns: list[str],
    primary: Any = None,
) -> np.ndarray:
    """Turn wide IFL features into technique-1 versions.

    Parameters
    ----------
    features : array of shape (n, m)
        Wide IFL features with columns ``confidence``, ``accuracy`` and
        ``weight_0 .. weight_{s-1}`` (any order, other columns ignored).
    columns : list of str
        The ``m`` column names of ``features``.
    primary : array of shape (n, h), optional
        Primary features to put before the IFL features of every version.

    Returns
    -------
    ndarray of shape (n * s, 3) or (n * s, h + 3)
        Version ``k`` of row ``i`` is line ``i * s + k``; its last three columns
        are ``confidence, weight_k, accuracy``.
    """
    features = np.asarray(features, dtype=np.float64)
    columns = list(columns)
    if features.ndim != 2 or features.shape[1] != len(columns):
        raise DataError(
            f"features of shape {features.shape} do not match {len(columns)} columns"
        )
    missing = [c for c in ("confidence", "accuracy") if c not in columns]
    if missing:
        raise ConfigError(f"technique 1 needs the metrics {missing}; got {columns}")
    weights = features[:, _weight_columns(columns)]
    n, s = weights.shape

    confidence = np.repeat(features[:, columns.index("confidence")], s)
    accuracy = np.repeat(features[:, columns.index("accuracy")], s)
    ifl = np.column_stack([confidence, weights.reshape(-1), accuracy])
    if primary is None:
        return ifl
    primary = check_matrix(primary, name="primary")
    if primary.shape[0] != n:
        raise DataError(f"primary has {primary.shape[0]} rows but features have {n}")
    if hasattr(primary, "toarray"):
        primary = primary.toarray()
    return np.hstack([np.repeat(np.asarray(primary, dtype=np.float64), s, axis=0), ifl])


def version_labels(y: Any, n_versions: int) -> np.ndarray:
    """Training labels of the versions: each row's label, repeated ``n_versions``
    times (shape ``(n * n_versions,)``, the order of :func:`expand_versions`)."""
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    return np.repeat(np.asarray(y), n_versions)


def version_scores(estimator: Any, versions: np.ndarray, n_versions: int) -> np.ndarray:
    """Score of every version of every row for every class, shape (n, s, C).

    Uses ``predict_proba`` when the estimator has it, else ``decision_function``
    (a binary decision function ``d`` becomes the two scores ``-d, d``).
    """
    if hasattr(estimator, "predict_proba"):
        scores = np.asarray(estimator.predict_proba(versions), dtype=np.float64)
    elif hasattr(estimator, "decision_function"):
        scores = np.asarray(estimator.decision_function(versions), dtype=np.float64)
        if scores.ndim == 1:
            scores = np.column_stack([-scores, scores])
    else:
        raise ConfigError(
            f"{type(estimator).__name__} has neither predict_proba nor "
            "decision_function; technique 1 needs one to score versions"
        )
    return scores.reshape(-1, n_versions, scores.shape[1])


def predict_from_scores(
    scores: np.ndarray, classes: np.ndarray, aggregate: str = "max"
) -> np.ndarray:
    """Predicted class of every row from the scores of its versions.

    Parameters
    ----------
    scores : array of shape (n, s, C)
        Score of version ``k`` of row ``i`` for class ``c``.
    classes : array of shape (C,)
    aggregate : {"max", "mean"}
        ``"max"``: the class of the (version, class) cell with the highest score;
        classes tied on that maximum (common with 0/1 probabilities of a pure
        decision tree leaf) are separated by their mean score over the versions.
        ``"mean"``: the class with the highest mean score over the versions (a
        soft vote of the versions). Remaining ties go to the first class.

    Returns
    -------
    ndarray of shape (n,)
    """
    check_choice("aggregate", aggregate, _AGGREGATES)
    mean = scores.mean(axis=1)
    if aggregate == "mean":
        return np.asarray(classes)[np.argmax(mean, axis=1)]
    best = scores.max(axis=1)
    tied = best >= best.max(axis=1, keepdims=True)
    return np.asarray(classes)[np.argmax(np.where(tied, mean, -np.inf), axis=1)]


class IFLVersionClassifier(ClassifierMixin, BaseEstimator):
    """Technique 1: a classifier trained and applied on the versions of the rows.

    ``fit(X, y)`` fits ``ifl`` (inner folding on ``X`` with labels, and a clusterer
    on all of ``X``), expands the out-of-fold features of every training row into
    ``s`` versions (:func:`expand_versions`), gives each version its row's label
    and fits ``estimator`` on them. ``predict(X)`` computes the features of new rows
    with the whole-training-set clusterer, scores each of their versions with the
    estimator and predicts the class of the highest-scoring (version, class) pair
    (see the module documentation).

    Parameters
    ----------
    ifl : IFLTransformer or None, default=None
        The feature learner, cloned before use; its ``metrics`` are replaced by
        :data:`TECHNIQUE_METRICS`, its ``output`` and ``scaling`` are not used
        (set those here). ``None``: ``IFLTransformer()`` (DEC, as many clusters as
        classes, 10 inner folds).
    estimator : scikit-learn classifier or None, default=None
        Cloned and fitted on the versions. ``None``:
        ``DecisionTreeClassifier(random_state=0)``.
    output : {"ifl", "both"}, default="ifl"
        ``"ifl"``: versions hold the 3 IFL features; ``"both"``: the primary
        features, then the 3 IFL features.
    scaling : {"none", "standard"}, default="none"
        Standardise the 3 IFL columns of the versions (mean and deviation of the
        training versions).
    aggregate : {"max", "mean"}, default="max"
        How the versions' scores make a prediction (:func:`predict_from_scores`):
        the best (version, class) pair, or the highest mean score per class.

    Attributes
    ----------
    ifl_ : IFLTransformer
        The fitted feature learner.
    estimator_ : classifier
        The classifier fitted on the training versions.
    classes_ : ndarray of shape (n_classes,)
    n_versions_ : int
        Versions per row, the number of clusters ``s``.
    n_features_in_ : int
    """

    def __init__(
        self,
        ifl: IFLTransformer | None = None,
        estimator: Any = None,
        *,
        output: str = "ifl",
        scaling: str = "none",
        aggregate: str = "max",
    ) -> None:
        self.ifl = ifl
        self.estimator = estimator
        self.output = output
        self.scaling = scaling
        self.aggregate = aggregate

    def _versions(self, ifl_features: np.ndarray, X: Any) -> np.ndarray:
        primary = X if self.output == "both" else None
        versions = expand_versions(ifl_features, self.ifl_.feature_names_ifl_, primary)
        versions[:, -3:] = (versions[:, -3:] - self.scale_mean_) / self.scale_std_
        return versions

    def fit(self, X: Any, y: Any) -> IFLVersionClassifier:
        """Fit the feature learner and the classifier on the training versions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels of any type (strings, integers, a pandas Series).

        Returns
        -------
        self
        """
        check_choice("output", self.output, OUTPUTS)
        check_choice("scaling", self.scaling, SCALINGS)
        check_choice("aggregate", self.aggregate, _AGGREGATES)
        if y is None:
            raise DataError("IFLVersionClassifier needs labels y")
        X = check_matrix(X)
        ifl = IFLTransformer() if self.ifl is None else clone(self.ifl)
        ifl.set_params(metrics=TECHNIQUE_METRICS)
        self.ifl_ = ifl.fit(X, y)
        self.n_versions_ = int(ifl.settings_.n_clusters)
        self.n_features_in_ = X.shape[1]

        ifl_versions = expand_versions(ifl.train_features_, ifl.feature_names_ifl_)
        if self.scaling == "standard":
            self.scale_mean_ = ifl_versions.mean(axis=0)
            std = ifl_versions.std(axis=0)
            self.scale_std_ = np.where(std > 0, std, 1.0)
        else:
            self.scale_mean_, self.scale_std_ = np.zeros(3), np.ones(3)

        versions = self._versions(ifl.train_features_, X)
        estimator = (
            DecisionTreeClassifier(random_state=0)
            if self.estimator is None
            else clone(self.estimator)
        )
        self.estimator_ = estimator.fit(versions, version_labels(y, self.n_versions_))
        self.classes_ = self.estimator_.classes_
        log.info(
            "technique 1: %d rows x %d versions, %d columns per version",
            X.shape[0], self.n_versions_, versions.shape[1],
        )
        return self

    def _check_fitted(self) -> None:
        require_fitted(self, "estimator_")

    def version_scores(self, X: Any) -> np.ndarray:
        """Scores of every version of every row, shape (n_samples, s, n_classes)."""
        self._check_fitted()
        X = check_matrix(X)
        versions = self._versions(self.ifl_.ifl_features(X), X)
        return version_scores(self.estimator_, versions, self.n_versions_)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class of every row from the scores of its versions."""
        scores = self.version_scores(X)
        return predict_from_scores(scores, self.classes_, self.aggregate)
