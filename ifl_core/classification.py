"""Classification-mode extraction as the command line runs it, with its run record.

Training rows get out-of-fold features from inner folding on the training set; test
rows get features from one clusterer fitted on the whole training set, tracked to
the same column order. The features are laid out by technique 2 (wide, one line per
row) or technique 1 (long, ``s`` versions per row, see :mod:`ifl_core.techniques`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ifl_core.engine import ProgressCallback
from ifl_core.executors import InProcessExecutor
from ifl_core.errors import ConfigError, DataError
from ifl_core.io import save_features, write_json_atomic
from ifl_core.matching import clustering_accuracy
from ifl_core.runner import _jsonable, package_versions, record_path
from ifl_core.settings import RunSettings
from ifl_core.techniques import VERSION_COLUMNS, expand_versions
from ifl_core.transformer import IFLTransformer
from ifl_core.validation import check_matrix, encode_labels

TECHNIQUES = (1, 2)


@dataclass
class FeatureTable:
    """Features ready to write: the matrix, its column names, extra arrays."""

    features: np.ndarray
    columns: list[str]
    extra: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class ClassificationRun:
    """Result of :func:`extract_classification`."""

    train: FeatureTable
    test: FeatureTable | None
    record: dict[str, Any]
    transformer: IFLTransformer


def transformer_from_settings(
    settings: RunSettings, executor: Any = None
) -> IFLTransformer:
    """An :class:`IFLTransformer` with the values of ``settings``."""
    return IFLTransformer(
        settings.clusterer,
        settings.n_clusters,
        settings.n_folds,
        clusterer_params=settings.clusterer_params,
        fold_strategy=settings.fold_strategy,
        fold_params=settings.fold_params,
        tracker=settings.tracker,
        tracker_params=settings.tracker_params,
        metrics=tuple(settings.metrics),
        metric_params=settings.metric_params,
        random_state=settings.seed,
        device=settings.device,
        executor=executor,
    )


def layout(
    wide: np.ndarray,
    columns: list[str],
    technique: int,
    primary: np.ndarray | None,
    labels: np.ndarray | None = None,
) -> FeatureTable:
    """Lay wide IFL features out by ``technique``, primary features first if given.

    Technique 1 adds the arrays ``row`` and ``version`` (line ``i * s + k`` is
    version ``k`` of row ``i``); ``labels``, when given, follow the lines.
    """
    names = [] if primary is None else [f"x{i}" for i in range(primary.shape[1])]
    extra: dict[str, np.ndarray] = {}
    if labels is not None and np.asarray(labels).dtype == object:
        labels = np.asarray(labels).astype(str)
    if technique == 2:
        features = wide if primary is None else np.hstack([primary, wide])
        if labels is not None:
            extra["labels"] = np.asarray(labels)
        return FeatureTable(features, names + list(columns), extra)

    s = sum(c.startswith("weight_") for c in columns)
    features = expand_versions(wide, columns, primary)
    n = wide.shape[0]
    extra["row"] = np.repeat(np.arange(n), s)
    extra["version"] = np.tile(np.arange(s), n)
    if labels is not None:
        extra["labels"] = np.repeat(np.asarray(labels), s)
    return FeatureTable(features, names + list(VERSION_COLUMNS), extra)


def extract_classification(
    X_train: Any,
    y_train: Any,
    settings: RunSettings,
    *,
    technique: int = 2,
    X_test: Any = None,
    y_test: Any = None,
    with_primary: bool = False,
    data_info: dict[str, Any] | None = None,
    progress: ProgressCallback | None = None,
    executor: Any = None,
) -> ClassificationRun:
    """Classification-mode IFL: training and (optionally) test features.

    ``y_test``, when known (the bundled digits split), is only stored beside the
    test features and used to report the whole-training-set model's test ACC.
    """
    if technique not in TECHNIQUES:
        raise ConfigError(f"technique must be one of {TECHNIQUES}, got {technique!r}")
    X_train = check_matrix(X_train, name="X_train")
    codes, classes = encode_labels(y_train, X_train.shape[0], name="labels")
    if X_test is not None:
        X_test = check_matrix(X_test, name="X_test")
        if X_test.shape[1] != X_train.shape[1]:
            raise DataError(
                f"X_test has {X_test.shape[1]} features but X_train has "
                f"{X_train.shape[1]}"
            )

    started = time.time()
    ifl = transformer_from_settings(settings, executor)
    ifl.fit(X_train, y_train, progress=progress)
    folding = ifl.folding_
    columns = list(ifl.feature_names_ifl_)
    train_labels = np.asarray(y_train.to_numpy() if hasattr(y_train, "to_numpy")
                              else y_train)
    primary = _dense(X_train) if with_primary else None
    train = layout(ifl.train_features_, columns, technique, primary, train_labels)
    train.extra["fold_of_row"] = (
        folding.fold_of_row if technique == 2
        else np.repeat(folding.fold_of_row, ifl.settings_.n_clusters)
    )

    test = None
    if X_test is not None:
        wide = ifl.ifl_features(X_test)
        primary = _dense(X_test) if with_primary else None
        test = layout(wide, columns, technique, primary, y_test)

    fold_accuracy = [
        clustering_accuracy(codes[o.train], o.train_clusters) for o in folding.outcomes
    ]
    record = {
        "mode": "classification",
        "technique": technique,
        "output": "both" if with_primary else "ifl",
        "settings": ifl.settings_.model_dump(),
        "resolved": {
            "fold_strategy": ifl.components_.fold_strategy.name,
            "tracker": ifl.components_.tracker.name,
        },
        "clusterer_params": ifl.components_.clusterer_params.model_dump(),
        "data": {
            "train_rows": int(X_train.shape[0]),
            "test_rows": None if X_test is None else int(X_test.shape[0]),
            "features": int(X_train.shape[1]),
            "classes": [str(c) for c in classes],
            **(data_info or {}),
        },
        "ifl_columns": columns,
        "columns": train.columns,
        "versions": package_versions(),
        "seconds_total": round(time.time() - started, 3),
        "executor": (ifl.executor or InProcessExecutor()).describe(),
        "folds": [
            {
                "index": o.index,
                "train_rows": int(len(o.train)),
                "test_rows": int(len(o.test)),
                "seconds": round(o.seconds, 3),
                "accuracy": fold_accuracy[o.index],
                **_jsonable(o.info),
            }
            for o in folding.outcomes
        ],
        "mean_fold_accuracy": float(np.mean(fold_accuracy)),
        "whole_train_model": {
            "accuracy": clustering_accuracy(codes, ifl.model_.labels_),
            **_jsonable(ifl.model_.info),
        },
    }
    weights = [i for i, c in enumerate(columns) if c.startswith("weight_")]
    if X_test is not None and y_test is not None and weights:
        nearest = np.argmin(wide[:, weights], axis=1)
        record["whole_train_model"]["test_accuracy"] = clustering_accuracy(
            np.asarray(y_test), nearest
        )
    collapsed = [o.index for o in folding.outcomes if o.info.get("collapsed")]
    if collapsed:
        record["warnings"] = [f"fold model(s) {collapsed} collapsed into one cluster"]
    return ClassificationRun(train, test, record, ifl)


def _dense(X: Any) -> np.ndarray:
    return X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=np.float64)


def path_of_test_features(output: Path) -> Path:
    """Where the test features go: ``<name>.test<suffix>`` beside ``output``."""
    stem = output.name[: -len(output.suffix)]
    return output.with_name(f"{stem}.test{output.suffix}")


def write_classification(run: ClassificationRun, output: Path) -> list[Path]:
    """Write the training features, the test features (if any) and the run record."""
    train = run.train
    written = save_features(output, train.features, train.columns, train.extra)
    run.record["output"] = str(output)
    if run.test is not None:
        test_path = path_of_test_features(output)
        written += save_features(
            test_path, run.test.features, run.test.columns, run.test.extra
        )
        run.record["test_output"] = str(test_path)
    write_json_atomic(record_path(output), run.record)
    return [*written, record_path(output)]
