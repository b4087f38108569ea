"""Abstract interfaces of the four extension kinds.

The inner-folding loop (:mod:`ifl_core.engine`) only ever talks to these classes, so a
new deep clusterer, fold strategy, cluster tracker or notion of error can arrive in a
separate package without a change here. Each class states its capabilities as class
attributes (for example :attr:`ErrorMetric.requires_labels`) so that the engine can
reason about plugins it has never seen.

Vocabulary used throughout:

* *inner folding*: the rows are split into ``r`` disjoint folds; in run ``j`` fold
  ``j`` is the *inner test* and the other folds form the *inner train*;
* *cluster tracking*: renumbering every model's clusters so that column ``k`` of the
  features means the same cluster in every fold.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy.spatial.distance import cdist


class PluginParams(BaseModel):
    """Base of every plugin's parameter model: unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Plugin(ABC):
    """Common base: a registered name, a description and a parameter model."""

    #: Name under which the plugin is selected (``--clusterer dec``).
    name: ClassVar[str]
    #: One-line description shown by ``ifl list-plugins``.
    description: ClassVar[str] = ""
    #: Pydantic model of the plugin's parameters.
    Params: ClassVar[type[PluginParams]] = PluginParams

    @classmethod
    def make_params(cls, values: dict[str, Any] | PluginParams | None) -> PluginParams:
        """Validate user-given parameter values against :attr:`Params`."""
        if isinstance(values, cls.Params):
            return values
        return cls.Params(**(values or {}))


# --------------------------------------------------------------------------- clusterer


class Clusterer(Plugin):
    """A (deep) clusterer: learns an embedding ``f`` and ``s`` centroids in it.

    After :meth:`fit` on the inner-train rows, an implementation must set

    * ``centroids_``: array of shape (s, e), the cluster centres in the latent space;
    * ``labels_``: int array of shape (n_train,), the hard cluster of each training
      row, in ``0 .. s-1``.

    Implementations are created fresh for every fold, with the fold's own seed.
    """

    #: Whether :meth:`fit` and :meth:`encode` accept ``scipy.sparse`` matrices.
    accepts_sparse: ClassVar[bool] = False
    #: Whether :meth:`fit_batched` can fit the models of several inner trains at once.
    supports_batched_folds: ClassVar[bool] = False

    def __init__(
        self,
        n_clusters: int,
        params: PluginParams | None = None,
        *,
        seed: int = 0,
        device: str = "cpu",
    ) -> None:
        self.n_clusters = int(n_clusters)
        self.params = self.make_params(params)
        self.seed = int(seed)
        self.device = device
        self.info: dict[str, Any] = {}

    @classmethod
    def batched_folds_selected(cls, params: PluginParams) -> bool:
        """Whether the engine should use :meth:`fit_batched` with these parameters."""
        return cls.supports_batched_folds

    @classmethod
    def batched_folds_required(cls, params: PluginParams) -> bool:
        """Whether these parameters only make sense with all folds fitted together.

        The engine then refuses executors that fit one fold per task.
        """
        return False

    @classmethod
    def fit_batched(
        cls,
        X: Any,
        trains: list[np.ndarray],
        n_clusters: int,
        params: PluginParams,
        *,
        seeds: list[int],
        device: str = "cpu",
    ) -> list[Clusterer]:
        """Fit one model per inner train, together; return them in order.

        ``trains[j]`` are row indices into ``X`` (shape (n, h)); model ``j`` must
        only ever see ``X[trains[j]]`` and should be the model that
        ``cls(n_clusters, params, seed=seeds[j], device=device).fit(X[trains[j]])``
        gives, up to floating-point rounding.
        """
        raise NotImplementedError(f"clusterer {cls.name!r} cannot fit folds batched")

    @abstractmethod
    def fit(self, X: Any) -> Clusterer:
        """Fit on rows ``X`` of shape (n_train, h); set ``centroids_`` and
        ``labels_``."""

    @abstractmethod
    def encode(self, X: Any) -> np.ndarray:
        """Map rows of shape (m, h) to the latent space, shape (m, e), float."""

    def get_state(self) -> dict[str, np.ndarray]:
        """Fitted state as plain arrays, for checkpoints (no pickled objects)."""
        raise NotImplementedError(f"clusterer {self.name!r} cannot save its state")

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`get_state` returned."""
        raise NotImplementedError(f"clusterer {self.name!r} cannot load a state")


class InputSpaceClusterer(Clusterer):
    """A clusterer whose latent space is the input space (k-means, GMM, ...).

    :meth:`encode` returns the rows as float64 (densified when sparse), and the
    state is the centroids and the training labels. Subclasses implement
    :meth:`fit`.
    """

    def encode(self, X: Any) -> np.ndarray:
        if hasattr(X, "toarray"):
            X = X.toarray()
        return np.asarray(X, dtype=np.float64)

    def get_state(self) -> dict[str, np.ndarray]:
        return {"centroids": self.centroids_, "labels": self.labels_}

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        self.centroids_ = np.asarray(state["centroids"], dtype=np.float64)
        self.labels_ = np.asarray(state["labels"], dtype=np.int64)


# ----------------------------------------------------------------------- fold strategy


@dataclass(frozen=True)
class Fold:
    """One run of inner folding: row indices of the inner train and the inner test."""

    train: np.ndarray
    test: np.ndarray


class FoldStrategy(Plugin):
    """Splits ``n_rows`` rows into seeded inner-train / inner-test index pairs."""

    #: The strategy cannot work without labels.
    requires_labels: ClassVar[bool] = False
    #: The strategy cannot work without user-given groups.
    requires_groups: ClassVar[bool] = False

    def __init__(
        self, n_folds: int, params: PluginParams | None = None, *, seed: int = 0
    ) -> None:
        self.n_folds = int(n_folds)
        self.params = self.make_params(params)
        self.seed = int(seed)

    @abstractmethod
    def split(
        self,
        n_rows: int,
        y: np.ndarray | None = None,
        groups: np.ndarray | None = None,
    ) -> list[Fold]:
        """Return the folds. Every row must be in at least one inner test."""


# ---------------------------------------------------------------------- cluster tracker


@dataclass(frozen=True)
class Partition:
    """The hard clusters a fitted model gave to the rows it was trained on.

    ``rows`` are indices into the whole data set, ``clusters`` the model's own
    cluster numbers for those rows.
    """

    rows: np.ndarray
    clusters: np.ndarray


class ClusterTracker(Plugin):
    """Renumbers each model's clusters so that column ``k`` means one cluster."""

    requires_labels: ClassVar[bool] = False

    def __init__(self, params: PluginParams | None = None) -> None:
        self.params = self.make_params(params)

    def check(self, n_clusters: int, n_classes: int | None) -> None:
        """Raise before any model is fitted if the tracker cannot work here.

        ``n_classes`` is ``None`` without labels. The default accepts everything.
        """

    @abstractmethod
    def align(
        self,
        partitions: list[Partition],
        n_clusters: int,
        y: np.ndarray | None = None,
    ) -> list[np.ndarray]:
        """Return one permutation per partition.

        ``perm[k]`` is the model's own cluster number that becomes column ``k``.
        ``y``, when given, holds integer class codes ``0 .. C-1`` for all rows.
        """


# ------------------------------------------------------------------------- error metric


@dataclass
class ErrorContext:
    """What an error metric sees for one fold, after cluster tracking.

    Attributes
    ----------
    z : array of shape (m, e)
        Latent features of the inner-test rows.
    centroids : array of shape (s, e)
        Tracked centroids: row ``k`` is column ``k``'s cluster.
    train_clusters : int array of shape (n_train,)
        Tracked hard cluster of every inner-train row.
    y_train : int array of shape (n_train,) or None
        Class codes ``0 .. C-1`` of the inner-train rows, when labels are known.
    n_classes : int or None
        Number of classes ``C`` when labels are known.
    extra : dict
        Free room for a clusterer to pass model-specific values to metrics.
    """

    z: np.ndarray
    centroids: np.ndarray
    train_clusters: np.ndarray
    y_train: np.ndarray | None = None
    n_classes: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_clusters(self) -> int:
        return int(self.centroids.shape[0])

    @cached_property
    def distances(self) -> np.ndarray:
        """Euclidean distance of every inner-test row to every centroid, (m, s).

        Computed from the differences, not from ``|z|² - 2 z·μ + |μ|²``, which loses
        all precision for a row that sits on a centroid far from the origin.
        """
        z = np.asarray(self.z, dtype=np.float64)
        c = np.asarray(self.centroids, dtype=np.float64)
        return cdist(z, c)

    @cached_property
    def nearest(self) -> np.ndarray:
        """Index of the nearest centroid of every inner-test row, (m,).

        Ties go to the tied cluster with the most inner-train rows. A clusterer
        places two centroids on one point (up to float32 rounding) when the data
        hold fewer distinct rows than clusters; the row then belongs to the
        populated cluster, not to its empty twin. Distances within 1e-5 of the
        centroids' scale count as tied.
        """
        d = self.distances
        scale = 1.0 + float(np.abs(self.centroids).max(initial=0.0))
        tied = d <= d.min(axis=1, keepdims=True) + 1e-5 * scale
        return np.argmax(np.where(tied, self.cluster_sizes[None, :], -1), axis=1)

    @cached_property
    def cluster_sizes(self) -> np.ndarray:
        """Number of inner-train rows in each tracked cluster, (s,)."""
        return np.bincount(self.train_clusters, minlength=self.n_clusters)


class ErrorMetric(Plugin):
    """A notion of error: turns an inner-test row's place among clusters into
    features."""

    #: The metric needs class labels (classification mode only).
    requires_labels: ClassVar[bool] = False

    def __init__(self, params: PluginParams | None = None) -> None:
        self.params = self.make_params(params)

    @abstractmethod
    def columns(self, n_clusters: int) -> list[str]:
        """Names of the output columns for ``n_clusters`` clusters."""

    @abstractmethod
    def compute(self, ctx: ErrorContext) -> np.ndarray:
        """Features of the inner-test rows, shape (m, len(columns)), finite floats."""
