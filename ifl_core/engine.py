"""The inner-folding loop of Inverse Feature Learning.

For every fold ``j`` the engine fits a fresh clusterer on the inner train, encodes the
inner test, and keeps what the error metrics need (the model's centroids, the hard
clusters of its training rows and the latent features of its inner test). Once every
fold is done, the cluster tracker renumbers each fold's clusters so that column ``k``
means the same cluster everywhere, and the error metrics turn each inner-test row's
place among the clusters into features. Every row's features therefore come from a
model that never saw that row.

The engine only knows the abstract interfaces of :mod:`ifl_core.interfaces`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ifl_core.devices import check_device
from ifl_core.errors import ConfigError, DataError, PluginError
from ifl_core.executors import Executor, InProcessExecutor
from ifl_core.guard import first_line, plugin_guard
from ifl_core.interfaces import (
    Clusterer,
    ClusterTracker,
    ErrorContext,
    ErrorMetric,
    Fold,
    FoldStrategy,
    Partition,
)
from ifl_core.matching import clustering_accuracy
from ifl_core.registry import Registry, get_registry
from ifl_core.settings import RunSettings

if TYPE_CHECKING:
    from ifl_core.checkpoint import RunDirectory

log = logging.getLogger(__name__)

#: ``progress(event, **details)``: events are ``start`` (``total``), ``fit_done``
#: (``index``, ``seconds``) and ``done``.
ProgressCallback = Callable[..., None]


def fold_seed(seed: int, index: int) -> int:
    """Seed of model ``index`` (folds ``0..r-1``, the whole-data model ``r``).

    Derived from the run seed and the index alone, so that a fold's model does not
    depend on the order or the process in which the folds run.
    """
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


@dataclass
class FoldOutcome:
    """What one fitted model leaves behind for feature computation.

    ``train`` and ``test`` are row indices; ``train_clusters`` are the model's own
    (untracked) cluster numbers of the ``train`` rows; ``z_test`` the latent features
    of the ``test`` rows; ``centroids`` the model's centroids, shape (s, e).
    """

    index: int
    train: np.ndarray
    test: np.ndarray
    train_clusters: np.ndarray
    centroids: np.ndarray
    z_test: np.ndarray
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def partition(self) -> Partition:
        return Partition(self.train, self.train_clusters)


@dataclass
class FoldingResult:
    """Out-of-fold features and the record of how they were made.

    Attributes
    ----------
    features : array of shape (n, m)
    columns : list of str, the m feature names
    folds : the folds, in order
    fold_of_row : int array of shape (n,), the fold whose model produced each row
        (for strategies that test a row more than once: the last such fold; the
        features are then the mean over those folds)
    outcomes : per-fold outcomes, untracked
    permutations : per-fold tracking permutations (``perm[k]`` = own cluster of
        column ``k``)
    """

    features: np.ndarray
    columns: list[str]
    folds: list[Fold]
    fold_of_row: np.ndarray
    outcomes: list[FoldOutcome]
    permutations: list[np.ndarray]
    fold_accuracy: list[float] | None = None


class Components:
    """The plugin instances a run needs, resolved and validated from its settings."""

    def __init__(
        self,
        settings: RunSettings,
        registry: Registry | None = None,
        *,
        has_labels: bool = False,
    ) -> None:
        self.settings = settings
        self.registry = registry or get_registry()
        check_device(settings.device)

        self.clusterer_cls: type[Clusterer] = self.registry.get(
            "clusterer", settings.clusterer
        )
        self.clusterer_params = _params(
            self.clusterer_cls, settings.clusterer_params, "clusterer_params"
        )

        fold_name = settings.fold_strategy or ("stratified" if has_labels else "kfold")
        fold_cls: type[FoldStrategy] = self.registry.get("fold_strategy", fold_name)
        if fold_cls.requires_labels and not has_labels:
            raise ConfigError(f"fold strategy {fold_name!r} needs labels")
        self.fold_strategy = fold_cls(
            settings.n_folds,
            _params(fold_cls, settings.fold_params, "fold_params"),
            seed=settings.seed,
        )

        default_tracker = "hungarian"
        if has_labels and "labels" in self.registry.names("tracker"):
            default_tracker = "labels"
        tracker_name = settings.tracker or default_tracker
        tracker_cls: type[ClusterTracker] = self.registry.get("tracker", tracker_name)
        if tracker_cls.requires_labels and not has_labels:
            raise ConfigError(f"tracker {tracker_name!r} needs labels")
        self.tracker = tracker_cls(
            _params(tracker_cls, settings.tracker_params, "tracker_params")
        )

        if not settings.metrics:
            raise ConfigError("metrics: at least one error metric is needed")
        unknown = set(settings.metric_params) - set(settings.metrics)
        if unknown:
            raise ConfigError(
                f"metric_params names metrics that are not selected: {sorted(unknown)}"
            )
        self.metrics: list[ErrorMetric] = []
        for name in settings.metrics:
            cls = self.registry.get("metric", name)
            if cls.requires_labels and not has_labels:
                raise ConfigError(f"error metric {name!r} needs labels")
            params = _params(
                cls, settings.metric_params.get(name), f"metric_params.{name}"
            )
            self.metrics.append(cls(params))

    def new_clusterer(self, index: int) -> Clusterer:
        s = self.settings
        return self.clusterer_cls(
            s.n_clusters,
            self.clusterer_params,
            seed=fold_seed(s.seed, index),
            device=s.device,
        )

    def columns(self) -> list[str]:
        cols = [c for m in self.metrics for c in m.columns(self.settings.n_clusters)]
        if len(set(cols)) != len(cols):
            raise ConfigError(f"the selected metrics repeat a column name: {cols}")
        return cols


def _params(cls: Any, values: Any, where: str) -> Any:
    from pydantic import ValidationError

    from ifl_core.settings import format_validation_error

    try:
        return cls.make_params(values)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, prefix=f"{where}.")) from None


def fit_model(
    components: Components, X: Any, rows: np.ndarray, index: int
) -> Clusterer:
    """Fit a fresh clusterer for model ``index`` on ``X[rows]``; name it on failure."""
    model = components.new_clusterer(index)
    name = components.settings.clusterer
    with plugin_guard("clusterer", name, f"on model {index}"):
        model.fit(X[rows])
    _check_contract(components, model, len(rows), index)
    return model


def _check_contract(
    components: Components, model: Clusterer, n_rows: int, index: int
) -> None:
    name = components.settings.clusterer
    labels = np.asarray(model.labels_)
    centroids = np.asarray(model.centroids_)
    s = components.settings.n_clusters
    if labels.shape != (n_rows,) or centroids.shape[0] != s:
        raise PluginError(
            f"clusterer {name!r} broke its contract: labels_ shape {labels.shape} "
            f"(expected ({n_rows},)), centroids_ shape {centroids.shape} "
            f"(expected ({s}, e))"
        )
    if labels.min() < 0 or labels.max() >= s:
        raise PluginError(f"clusterer {name!r} gave cluster numbers outside 0..{s - 1}")
    if not np.isfinite(centroids).all():
        raise PluginError(
            f"clusterer {name!r} gave NaN or infinite centroids on model {index}"
        )


def run_fold(components: Components, X: Any, fold: Fold, index: int) -> FoldOutcome:
    """Fit on the inner train of ``fold`` and encode its inner test."""
    start = time.perf_counter()
    model = fit_model(components, X, fold.train, index)
    name = components.settings.clusterer
    with plugin_guard("clusterer", name, f"encoding the inner test of model {index}"):
        z_test = np.asarray(model.encode(X[fold.test]), dtype=np.float64)
    if not np.isfinite(z_test).all():
        raise PluginError(
            f"clusterer {name!r} encoded inner-test rows of model {index} as NaN "
            "or infinity"
        )
    return _outcome(components, model, index, fold, z_test, time.perf_counter() - start)


def _outcome(components, model, index, fold, z_test, seconds) -> FoldOutcome:
    labels = np.asarray(model.labels_, dtype=np.int64)
    n_used = len(np.unique(labels))
    info = dict(model.info)
    s = components.settings.n_clusters
    if n_used < s:
        info["empty_clusters"] = s - n_used
        if n_used == 1:
            info["collapsed"] = True
            log.warning("model %d collapsed into a single cluster", index)
    return FoldOutcome(
        index=index,
        train=np.asarray(fold.train, dtype=np.int64),
        test=np.asarray(fold.test, dtype=np.int64),
        train_clusters=labels,
        centroids=np.asarray(model.centroids_, dtype=np.float64),
        z_test=z_test,
        seconds=float(seconds),
        info=info,
    )


def tracked_context(
    outcome_centroids: np.ndarray,
    train_clusters: np.ndarray,
    perm: np.ndarray,
    z: np.ndarray,
    y_train: np.ndarray | None,
    n_classes: int | None,
) -> ErrorContext:
    """An :class:`ErrorContext` with the model's clusters renumbered by ``perm``."""
    column_of_own = np.argsort(perm)
    return ErrorContext(
        z=z,
        centroids=np.asarray(outcome_centroids)[perm],
        train_clusters=column_of_own[train_clusters],
        y_train=y_train,
        n_classes=n_classes,
    )


def compute_features(metrics: Sequence[ErrorMetric], ctx: ErrorContext) -> np.ndarray:
    """Stack every metric's columns for the rows of ``ctx``; name a failing metric."""
    blocks = []
    for metric in metrics:
        try:
            block = np.asarray(metric.compute(ctx), dtype=np.float64)
        except Exception as exc:
            raise PluginError(
                f"error metric {metric.name!r} failed: {type(exc).__name__}: "
                f"{first_line(exc)}"
            ) from exc
        expected = (len(ctx.z), len(metric.columns(ctx.n_clusters)))
        if block.shape != expected:
            raise PluginError(
                f"error metric {metric.name!r} returned shape {block.shape}, "
                f"expected {expected}"
            )
        if not np.isfinite(block).all():
            raise PluginError(
                f"error metric {metric.name!r} produced NaN or infinite features"
            )
        blocks.append(block)
    return np.hstack(blocks)


class FoldTask:
    """The picklable per-fold task an executor runs: ``task(X, index)``.

    Holds the components and the folds, so that a worker process (or a Dask worker)
    can fit model ``index`` without anything else from the calling process.
    """

    def __init__(self, components: Components, folds: list[Fold]) -> None:
        self.components = components
        self.folds = folds

    def __call__(self, X: Any, index: int) -> FoldOutcome:
        return run_fold(self.components, X, self.folds[index], index)


def fit_folds(
    X: Any,
    components: Components,
    folds: list[Fold],
    notify: ProgressCallback,
    executor: Executor | None = None,
    checkpoint: RunDirectory | None = None,
) -> list[FoldOutcome]:
    """Fit one model per fold on ``executor``, reporting each as it finishes.

    With a ``checkpoint`` run directory, a fold saved there is loaded instead of
    fitted, and every fold fitted here is saved as soon as it arrives. Outcomes
    arrive in the order the executor completes them; they are returned in fold
    order.

    A clusterer that trains its fold models together (``fit_batched``, DEC by
    default) does so when the executor is in-process; see :func:`fit_folds_batched`.
    Other executors fit one fold per task with the clusterer's own ``fit``.
    """
    executor = executor or InProcessExecutor()
    if _batched(components, executor, len(folds)):
        return _fit_folds_batched_resumable(X, components, folds, notify, checkpoint)
    done: dict[int, FoldOutcome] = {}
    pending = []
    for index, fold in enumerate(folds):
        outcome = checkpoint.load(index, fold) if checkpoint else None
        if outcome is None:
            pending.append(index)
            continue
        done[index] = outcome
        notify("fit_done", index=index, seconds=outcome.seconds)
    for outcome in executor.map(FoldTask(components, folds), X, pending):
        if checkpoint:
            checkpoint.save(outcome)
        done[outcome.index] = outcome
        notify("fit_done", index=outcome.index, seconds=outcome.seconds)
    return [done[index] for index in range(len(folds))]


def _batched(components: Components, executor: Executor, n_folds: int) -> bool:
    """Whether the fold models are fitted together, by ``fit_batched``."""
    cls = components.clusterer_cls
    params = components.clusterer_params
    if not (cls.supports_batched_folds and cls.batched_folds_selected(params)):
        return False
    if executor.kind == "in-process":
        return n_folds > 1 or cls.batched_folds_required(params)
    if cls.batched_folds_required(params):
        raise ConfigError(
            f"clusterer {components.settings.clusterer!r} with these parameters "
            f"trains all fold models together; it cannot spread them over the "
            f"{executor.kind} executor (run it in-process)"
        )
    return False


def _fit_folds_batched_resumable(
    X: Any,
    components: Components,
    folds: list[Fold],
    notify: ProgressCallback,
    checkpoint: RunDirectory | None,
) -> list[FoldOutcome]:
    """Batched fitting with checkpoints: the fold models are one unit of work.

    When every fold is saved in ``checkpoint`` they are loaded; otherwise all of
    them are fitted again (a model's rounding depends on the batch it was trained
    in, so refitting only the missing ones would not reproduce an uninterrupted
    run) and every one is saved.
    """
    if checkpoint is not None:
        loaded = [checkpoint.load(index, fold) for index, fold in enumerate(folds)]
        if all(outcome is not None for outcome in loaded):
            for outcome in loaded:
                notify("fit_done", index=outcome.index, seconds=outcome.seconds)
            return loaded
        if checkpoint.loaded:
            log.info(
                "%d of %d batched fold models were saved; fitting all of them again",
                len(checkpoint.loaded), len(folds),
            )
            checkpoint.loaded.clear()
    outcomes = fit_folds_batched(X, components, folds, notify)
    if checkpoint is not None:
        for outcome in outcomes:
            checkpoint.save(outcome)
    return outcomes


def fit_folds_batched(
    X: Any, components: Components, folds: list[Fold], notify: ProgressCallback
) -> list[FoldOutcome]:
    """Fit every fold's model in one call of the clusterer's ``fit_batched``.

    Each model still sees only its own inner train; its seed is the one the
    sequential loop would give it. The wall time is shared equally among the folds.
    """
    start = time.perf_counter()
    s = components.settings
    name = s.clusterer
    with plugin_guard("clusterer", name, "on the batched fold models"):
        models = components.clusterer_cls.fit_batched(
            X,
            [fold.train for fold in folds],
            s.n_clusters,
            components.clusterer_params,
            seeds=[fold_seed(s.seed, index) for index in range(len(folds))],
            device=s.device,
        )
    if len(models) != len(folds):
        raise PluginError(
            f"clusterer {name!r} returned {len(models)} batched models for "
            f"{len(folds)} folds"
        )
    z_tests = []
    for index, (model, fold) in enumerate(zip(models, folds)):
        _check_contract(components, model, len(fold.train), index)
        where = f"encoding the inner test of model {index}"
        with plugin_guard("clusterer", name, where):
            z_test = np.asarray(model.encode(X[fold.test]), dtype=np.float64)
        if not np.isfinite(z_test).all():
            raise PluginError(
                f"clusterer {name!r} encoded inner-test rows of model {index} as NaN "
                "or infinity"
            )
        z_tests.append(z_test)
    seconds = (time.perf_counter() - start) / len(folds)
    outcomes = []
    for index, (model, fold, z_test) in enumerate(zip(models, folds, z_tests)):
        outcome = _outcome(components, model, index, fold, z_test, seconds)
        outcome.info["batched_folds"] = True
        outcomes.append(outcome)
        notify("fit_done", index=index, seconds=seconds)
    return outcomes


def run_inner_folding(
    X: Any,
    components: Components,
    *,
    y: np.ndarray | None = None,
    n_classes: int | None = None,
    groups: np.ndarray | None = None,
    report_labels: np.ndarray | None = None,
    extra_partitions: Sequence[Partition] = (),
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
    checkpoint: RunDirectory | None = None,
) -> tuple[FoldingResult, list[np.ndarray]]:
    """Run inner folding on ``X`` and return the out-of-fold features.

    ``y`` (class codes) drives stratification, label tracking and label-aware
    metrics. ``report_labels`` are used only to report each fold model's clustering
    accuracy. ``extra_partitions`` (for example the whole-data model's) are tracked
    together with the folds; their permutations are returned second. ``executor``
    decides where the fold models are fitted (default: one after the other, here).
    A ``checkpoint`` run directory keeps every finished fold (see :func:`fit_folds`).
    """
    n = X.shape[0]
    settings = components.settings
    if n < settings.n_folds:
        raise DataError(f"X has {n} rows, fewer than the {settings.n_folds} folds")
    strategy = components.fold_strategy
    with plugin_guard("fold strategy", strategy.name):
        folds = strategy.split(n, y=y, groups=groups)
    _check_folds(folds, n)
    for fold in folds:
        if len(fold.train) < settings.n_clusters:
            raise DataError(
                f"an inner train has {len(fold.train)} rows, fewer than the "
                f"{settings.n_clusters} clusters"
            )

    notify = progress or (lambda *a, **k: None)
    notify("start", total=len(folds))
    outcomes = fit_folds(X, components, folds, notify, executor, checkpoint)

    result, extra_perms = assemble(
        outcomes, folds, n, components, y=y, n_classes=n_classes,
        extra_partitions=extra_partitions,
    )
    if report_labels is not None:
        result.fold_accuracy = [
            clustering_accuracy(report_labels[o.train], o.train_clusters)
            for o in outcomes
        ]
    notify("done")
    return result, extra_perms


def assemble(
    outcomes: list[FoldOutcome],
    folds: list[Fold],
    n: int,
    components: Components,
    *,
    y: np.ndarray | None = None,
    n_classes: int | None = None,
    extra_partitions: Sequence[Partition] = (),
) -> tuple[FoldingResult, list[np.ndarray]]:
    """Track the fold models' clusters and compute every row's features."""
    s = components.settings.n_clusters
    partitions = [o.partition for o in outcomes] + list(extra_partitions)
    with plugin_guard("tracker", components.tracker.name):
        perms = components.tracker.align(partitions, s, y)
        perms = [np.asarray(p, dtype=np.int64) for p in perms]
    if len(perms) != len(partitions):
        raise PluginError(
            f"tracker {components.tracker.name!r} returned {len(perms)} permutations "
            f"for {len(partitions)} models"
        )
    for p in perms:
        if sorted(p.tolist()) != list(range(s)):
            raise PluginError(
                f"tracker returned {p.tolist()}, not a permutation of 0..{s-1}"
            )

    columns = components.columns()
    total = np.zeros((n, len(columns)))
    count = np.zeros(n)
    fold_of_row = np.full(n, -1, dtype=np.int64)
    for outcome, perm in zip(outcomes, perms):
        y_train = None if y is None else y[outcome.train]
        ctx = tracked_context(
            outcome.centroids, outcome.train_clusters, perm, outcome.z_test,
            y_train, n_classes,
        )
        total[outcome.test] += compute_features(components.metrics, ctx)
        count[outcome.test] += 1
        fold_of_row[outcome.test] = outcome.index

    result = FoldingResult(
        features=total / count[:, None],
        columns=columns,
        folds=folds,
        fold_of_row=fold_of_row,
        outcomes=outcomes,
        permutations=perms[: len(outcomes)],
    )
    return result, perms[len(outcomes):]


def _check_folds(folds: list[Fold], n: int) -> None:
    if not folds:
        raise PluginError("the fold strategy returned no folds")
    covered = np.zeros(n, dtype=bool)
    for fold in folds:
        if np.intersect1d(fold.train, fold.test).size:
            raise PluginError(
                "the fold strategy put a row in both inner train and test"
            )
        covered[fold.test] = True
    if not covered.all():
        raise PluginError(
            f"the fold strategy left {int((~covered).sum())} row(s) "
            "out of every inner test"
        )
