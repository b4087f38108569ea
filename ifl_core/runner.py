"""Clustering-mode extraction as the command line runs it, with its run record.

Kept out of the CLI module so that the same run can be driven from Python (and from
tests) without typer.
"""

from __future__ import annotations

import logging
import platform
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from ifl_core.engine import Components, FoldingResult, ProgressCallback, run_inner_folding
from ifl_core.errors import ConfigError, DataError
from ifl_core.executors import Executor, InProcessExecutor
from ifl_core.io import save_features, write_json_atomic
from ifl_core.settings import RunSettings
from ifl_core.validation import check_matrix

log = logging.getLogger(__name__)

_PACKAGES = ("ifl", "torch", "numpy", "scipy", "scikit-learn", "pluggy", "pydantic")


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a result depends on."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


@dataclass
class ExtractionRun:
    """Result of :func:`extract`: the folding result and the run record."""

    result: FoldingResult
    record: dict[str, Any]

    @property
    def mean_fold_accuracy(self) -> float | None:
        acc = self.result.fold_accuracy
        return None if not acc else float(np.mean(acc))


def extract(
    X: Any,
    settings: RunSettings,
    *,
    report_labels: np.ndarray | None = None,
    data_info: dict[str, Any] | None = None,
    groups: np.ndarray | None = None,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
) -> ExtractionRun:
    """Clustering-mode IFL on ``X``: out-of-fold features for every row.

    ``report_labels`` (if known) are used only to report each fold model's clustering
    accuracy on its inner train; they never reach the clusterer. ``groups`` (one
    label per row) go to the fold strategy, for group-aware inner folding.
    ``executor`` decides where the fold models are fitted (default: one after the
    other, here); the features do not depend on it.
    """
    X = check_matrix(X)
    if X.shape[0] < settings.n_clusters:
        raise DataError(
            f"X has {X.shape[0]} rows, fewer than the {settings.n_clusters} clusters"
        )
    components = Components(settings)
    if report_labels is not None and len(report_labels) != X.shape[0]:
        raise DataError(
            f"report labels have {len(report_labels)} entries but X has {X.shape[0]} rows"
        )
    groups = _check_groups(groups, X.shape[0], components)
    executor = executor or InProcessExecutor()
    started = time.time()
    result, _ = run_inner_folding(
        X, components, report_labels=report_labels, groups=groups, progress=progress,
        executor=executor,
    )
    record = {
        "mode": "clustering",
        "settings": settings.model_dump(),
        "resolved": {
            "fold_strategy": components.fold_strategy.name,
            "tracker": components.tracker.name,
        },
        "clusterer_params": components.clusterer_params.model_dump(),
        "data": {"rows": int(X.shape[0]), "features": int(X.shape[1]), **(data_info or {})},
        "columns": result.columns,
        "versions": package_versions(),
        "executor": executor.describe(),
        "seconds_total": round(time.time() - started, 3),
        "folds": [
            {
                "index": o.index,
                "train_rows": int(len(o.train)),
                "test_rows": int(len(o.test)),
                "seconds": round(o.seconds, 3),
                **({"accuracy": result.fold_accuracy[o.index]} if result.fold_accuracy else {}),
                **_jsonable(o.info),
            }
            for o in result.outcomes
        ],
    }
    if groups is not None:
        record["data"]["groups"] = int(len(np.unique(groups)))
    if result.fold_accuracy:
        record["mean_fold_accuracy"] = float(np.mean(result.fold_accuracy))
    collapsed = [o.index for o in result.outcomes if o.info.get("collapsed")]
    if collapsed:
        record["warnings"] = [f"fold model(s) {collapsed} collapsed into one cluster"]
    return ExtractionRun(result, record)


def _check_groups(
    groups: Any, n_rows: int, components: Components
) -> np.ndarray | None:
    strategy = components.fold_strategy
    if groups is None:
        if strategy.requires_groups:
            raise ConfigError(
                f"fold strategy {strategy.name!r} needs groups (--groups)"
            )
        return None
    groups = np.asarray(groups)
    if groups.ndim == 2 and groups.shape[1] == 1:
        groups = groups[:, 0]
    if groups.shape != (n_rows,):
        raise DataError(f"groups has shape {groups.shape}, expected ({n_rows},)")
    if not strategy.requires_groups:
        log.warning(
            "fold strategy %r does not use groups; they are ignored", strategy.name
        )
    return groups


def _jsonable(info: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in info.items():
        if isinstance(value, (np.generic,)):
            value = value.item()
        if isinstance(value, (bool, int, float, str)) or value is None:
            out[key] = value
    return out


def record_path(output: Path) -> Path:
    """The run record's path beside ``output``: ``<name>.run.json``."""
    return output.with_name(output.name[: -len(output.suffix)] + ".run.json")


def write_run(run: ExtractionRun, output: Path) -> list[Path]:
    """Write the features (with ``fold_of_row`` in ``.npz``) and the run record."""
    extra = {"fold_of_row": run.result.fold_of_row}
    written = save_features(output, run.result.features, run.result.columns, extra)
    run.record["output"] = str(output)
    write_json_atomic(record_path(output), run.record)
    return [*written, record_path(output)]
