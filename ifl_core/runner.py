"""Clustering-mode extraction as the command line runs it, with its run record.

Kept out of the CLI module so that the same run can be driven from Python (and from
tests) without typer.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import platform
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from ifl_core.checkpoint import RunDirectory, data_fingerprint
from ifl_core.determinism import deterministic as deterministic_mode
from ifl_core.engine import (
    Components,
    FoldingResult,
    ProgressCallback,
    run_inner_folding,
)
from ifl_core.errors import ConfigError, DataError, OutputError
from ifl_core.executors import Executor, InProcessExecutor
from ifl_core.io import columns_path, save_features, write_json_atomic
from ifl_core.settings import RunSettings
from ifl_core.validation import check_length, check_matrix, check_rows

log = logging.getLogger(__name__)

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
    run_dir: str | os.PathLike | None = None,
    resume: bool = False,
    run_info: dict[str, Any] | None = None,
    deterministic: bool = False,
) -> ExtractionRun:
    """Clustering-mode IFL on ``X``: out-of-fold features for every row.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    settings : RunSettings
    report_labels : array of shape (n_samples,), optional
        Used only to report each fold model's clustering accuracy on its inner
        train; they never reach the clusterer.
    data_info : dict, optional
        Where the data came from, for the run record.
    progress : callable, optional
        ``progress(event, **details)``, see :mod:`ifl_core.engine`.
    run_dir : path, optional
        Run directory that keeps a checkpoint of every finished fold.
    resume : bool
        Continue the run saved in ``run_dir`` (same settings and data) instead of
        starting one there.
    run_info : dict, optional
        Further values for a new run directory's manifest (input, output, …).
    deterministic : bool
        Run in PyTorch's strict deterministic mode.
    groups : array of shape (n_samples,), optional
        Group of every row, for group-aware inner folding.
    executor : Executor, optional
        Where the fold models are fitted (default: one after the other, here); the
        features do not depend on it.
    """
    X = check_matrix(X)
    check_rows(X.shape[0], settings.n_clusters, settings.n_folds)
    components = Components(settings)
    if report_labels is not None:
        check_length(report_labels, X.shape[0], "report labels")
    fingerprint = data_fingerprint(X)
    store = None
    if run_dir is not None and resume:
        store = RunDirectory.resume(run_dir, settings, fingerprint)
    elif run_dir is not None:
        store = RunDirectory.create(
            run_dir, settings, fingerprint, X.shape[0], **(run_info or {})
        )
    groups = _check_groups(groups, X.shape[0], components)
    executor = executor or InProcessExecutor()
    started = time.time()
    with deterministic_mode(deterministic):
        result, _ = run_inner_folding(
            X, components, report_labels=report_labels, groups=groups,
            progress=progress, executor=executor, checkpoint=store,
        )
    record = {
        "mode": "clustering",
        "settings": settings.model_dump(),
        "resolved": {
            "fold_strategy": components.fold_strategy.name,
            "tracker": components.tracker.name,
        },
        "clusterer_params": components.clusterer_params.model_dump(),
        "data": {
            "rows": int(X.shape[0]),
            "features": int(X.shape[1]),
            "fingerprint": fingerprint,
            **(data_info or {}),
        },
        "deterministic": bool(deterministic),
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
                **(
                    {"accuracy": result.fold_accuracy[o.index]}
                    if result.fold_accuracy
                    else {}
                ),
                **_jsonable(o.info),
            }
            for o in result.outcomes
        ],
    }
    if groups is not None:
        record["data"]["groups"] = int(len(np.unique(groups)))
    if store is not None:
        record["run_dir"] = str(store.path)
        record["resumed_folds"] = list(store.loaded)
        if store.loaded:
            log.info("%d of %d folds loaded from %s", len(store.loaded),
                     len(result.outcomes), store.path)
    if result.fold_accuracy:
        record["mean_fold_accuracy"] = float(np.mean(result.fold_accuracy))
    record["warnings"] = degenerate_warnings(result)
    return ExtractionRun(result, record)


def degenerate_warnings(result: FoldingResult) -> list[str]:
    """Warnings about fold models that collapsed or left clusters empty."""
    warnings = []
    collapsed = [o.index for o in result.outcomes if o.info.get("collapsed")]
    if collapsed:
        warnings.append(f"fold model(s) {collapsed} collapsed into one cluster")
    empty = [o.index for o in result.outcomes
             if o.info.get("empty_clusters") and not o.info.get("collapsed")]
    if empty:
        warnings.append(f"fold model(s) {empty} left some clusters empty")
    return warnings


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


def remove_stale_temporaries(output: Path) -> None:
    """Delete hidden temporary files that a killed run left beside ``output``.

    They are named ``.<name>.<random>.part`` (see :func:`ifl_core.io.atomic_path`)
    for the features, their column names and the run record.
    """
    names = [output.name, record_path(output).name, columns_path(output).name]
    for name in names:
        for stale in output.parent.glob(f".{glob.escape(name)}.*.part"):
            with contextlib.suppress(OSError):
                stale.unlink()
                log.debug("removed stale temporary file %s", stale)


def record_path(output: Path) -> Path:
    """The run record's path beside ``output``: ``<name>.run.json``."""
    return output.with_name(output.name[: -len(output.suffix)] + ".run.json")


def write_run(run: ExtractionRun, output: Path) -> list[Path]:
    """Write the run record, then the features (with ``fold_of_row`` in ``.npz``).

    Each file is written whole or not at all. The record goes first, so that an
    existing features file always has its record beside it.
    """
    extra = {"fold_of_row": run.result.fold_of_row}
    run.record["output"] = str(output)
    remove_stale_temporaries(output)
    try:
        write_json_atomic(record_path(output), run.record)
        try:
            written = save_features(
                output, run.result.features, run.result.columns, extra
            )
        except BaseException:
            with contextlib.suppress(OSError):
                record_path(output).unlink()
            raise
    except OSError as exc:
        raise OutputError(
            f"cannot write {output}: {exc.strerror or type(exc).__name__}"
        ) from None
    return [*written, record_path(output)]
