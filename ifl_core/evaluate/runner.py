"""``evaluate``: re-run the paper's clustering and classification comparisons.

For every seed the runner learns IFL features once per task (clustering mode on all
rows; classification mode on the training part), caches them in the output folder,
and then scores every method on the primary features, the IFL features alone and
both together (plus technique 1 for classification). Each finished cell is stored at
once, so an interrupted run picks up where it stopped.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ifl_core.datasets import get_dataset, resolve_data_dir
from ifl_core.datasets.base import LoadedData
from ifl_core.errors import ConfigError, OutputError
from ifl_core.evaluate.cells import CellStore, cell_key
from ifl_core.evaluate.methods import (
    CLASSIFIERS,
    CLUSTERING_METHODS,
    LongLayoutClassifier,
    classifier_settings,
    cluster,
    make_classifier,
)
from ifl_core.io import write_bytes_atomic, write_json_atomic
from ifl_core.matching import clustering_accuracy
from ifl_core.registry import get_registry
from ifl_core.settings import format_validation_error

log = logging.getLogger(__name__)

#: DEC settings of ``quick``: a narrower network, short pretraining and
#: self-training.
QUICK_DEC = {
    "hidden_dims": [128, 128, 256],
    "pretrain_epochs": 40,
    "max_iterations": 280,
    "update_interval": 70,
    "kmeans_n_init": 10,
}
#: Other defaults of ``quick``, used where the caller sets nothing.
QUICK_DEFAULTS = {"n_folds": 5, "seeds": [0, 1], "tsne_rows": 1000, "threads": 1}
CLUSTER_SETS = ("primary", "ifl", "primary+ifl")
CLASSIFY_SETS = ("primary", "ifl", "primary+ifl", "technique1")

#: ``progress(message)`` is called before every cell and feature computation.
Progress = Callable[[str], None]


class EvalSettings(BaseModel):
    """Everything an evaluation depends on; stored with its results."""

    model_config = ConfigDict(extra="forbid")

    dataset: str
    dataset_params: dict[str, Any] = Field(default_factory=dict)
    rows: int | None = Field(None, ge=20, description="stratified subsample of rows")
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=1)
    tasks: list[Literal["clustering", "classification"]] = Field(
        default_factory=lambda: ["clustering", "classification"]
    )
    clustering_methods: list[str] = Field(
        default_factory=lambda: list(CLUSTERING_METHODS)
    )
    classifiers: list[str] = Field(default_factory=lambda: list(CLASSIFIERS))
    clusterer: str = "dec"
    clusterer_params: dict[str, Any] = Field(default_factory=dict)
    n_folds: int = Field(10, ge=2)
    scaling: Literal["none", "standard"] = "none"
    test_size: float = Field(0.2, gt=0, lt=1)
    quick: bool = False
    device: str = "auto"
    tsne_rows: int = Field(2000, ge=0)
    threads: int | None = Field(
        None, ge=1, description="CPU threads for torch and BLAS (default: theirs)"
    )

    def dec_params(self) -> dict[str, Any]:
        """DEC settings for the clusterer and for DEC as a compared method."""
        params = dict(QUICK_DEC) if self.quick else {}
        params.update(self.clusterer_params)
        return params


def make_eval_settings(values: dict[str, Any]) -> EvalSettings:
    """Validated settings; ``quick`` fills in :data:`QUICK_DEFAULTS` not given."""
    values = dict(values)
    if values.get("quick"):
        for key, value in QUICK_DEFAULTS.items():
            if values.get(key) is None:
                values[key] = value
    try:
        settings = EvalSettings(**values)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc)) from None
    for name in settings.clustering_methods:
        if name not in CLUSTERING_METHODS:
            raise ConfigError(
                f"unknown clustering method {name!r}; available: "
                f"{', '.join(CLUSTERING_METHODS)}"
            )
    for name in settings.classifiers:
        if name not in CLASSIFIERS:
            raise ConfigError(
                f"unknown classifier {name!r}; available: {', '.join(CLASSIFIERS)}"
            )
    return settings


def subsample(data: LoadedData, rows: int | None) -> np.ndarray:
    """Row indices of a stratified subsample (fixed seed 0), or all rows."""
    n = len(data.y)
    if rows is None or rows >= n:
        return np.arange(n)
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(
        np.arange(n), train_size=rows, stratify=data.y, random_state=0
    )
    return np.sort(keep)


def _scale(train: np.ndarray, *others: np.ndarray, how: str) -> list[np.ndarray]:
    if how == "none":
        return [train, *others]
    mean, std = train.mean(0), train.std(0)
    std = np.where(std > 0, std, 1.0)
    return [(a - mean) / std for a in (train, *others)]


def _join(primary: Any, ifl: np.ndarray) -> Any:
    if sp.issparse(primary):
        return sp.hstack([primary, sp.csr_matrix(ifl)], format="csr")
    return np.hstack([np.asarray(primary, dtype=np.float64), ifl])


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_bytes_atomic(path, buffer.getvalue())


class Evaluation:
    """One evaluation run writing into ``out_dir``.

    Parameters
    ----------
    settings : EvalSettings
    out_dir : Path
        Created if missing. If it holds a run with other settings, a
        :class:`OutputError` is raised unless ``restart`` is set.
    data_dir : path or None
        The data directory (default ``$IFL_DATA_DIR``).
    """

    def __init__(
        self,
        settings: EvalSettings,
        out_dir: Path,
        data_dir: Any = None,
        *,
        restart: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.out = Path(out_dir)
        self.data_dir = resolve_data_dir(data_dir)
        self.progress = progress or (lambda message: None)
        self.out.mkdir(parents=True, exist_ok=True)
        self._check_previous(restart)
        self.cells = CellStore(self.out / "cells.jsonl")

    def _check_previous(self, restart: bool) -> None:
        path = self.out / "settings.json"
        mine = (self.settings.model_dump(), self.settings.dec_params())
        if path.is_file() and not restart:
            previous = json.loads(path.read_text())
            theirs = (
                previous.get("settings"),
                previous.get("resolved", {}).get("dec_params"),
            )
            if theirs != mine:
                raise OutputError(
                    f"{self.out} holds results of other settings; use another "
                    "--output or pass --restart"
                )
        if restart:
            for name in path.parent.glob("*"):
                if name.name == "cells.jsonl" or name.name.startswith("ifl-"):
                    name.unlink()

    # ---------------------------------------------------------------------- data

    def load(self) -> None:
        s = self.settings
        self.dataset = get_dataset(s.dataset, s.dataset_params)
        data = self.dataset.load(self.data_dir)
        self.rows = subsample(data, s.rows)
        X = data.X[self.rows]
        self.X = X.tocsr() if sp.issparse(X) else np.asarray(X, dtype=np.float32)
        self.y = data.y[self.rows]
        self.class_names = data.class_names
        self.n_classes = int(len(np.unique(self.y)))
        self.data_info = {
            k: v for k, v in data.info.items() if isinstance(v, (str, int, float))
        }

    def record(self) -> dict[str, Any]:
        from ifl_core.runner import package_versions

        s = self.settings
        return {
            "settings": s.model_dump(),
            "resolved": {
                "dec_params": s.dec_params(),
                "classifiers": classifier_settings(s.quick),
                "ifl_metrics_classification": self._classification_metrics(),
                "tracker_classification": self._classification_tracker(),
                "technique1": "LongLayoutClassifier (ifl_core.evaluate.methods)",
            },
            "data": {
                "name": self.dataset.name,
                "rows": int(self.X.shape[0]),
                "features": int(self.X.shape[1]),
                "classes": self.n_classes,
                "paper_column": self.dataset.paper_column,
                "subsample": "all rows"
                if s.rows is None
                else f"{s.rows} rows, stratified, seed 0",
                **self.data_info,
            },
            "versions": package_versions(),
        }

    def _classification_metrics(self) -> list[str]:
        names = get_registry().names("metric")
        if "accuracy" in names:
            return ["confidence", "accuracy", "weight"]
        return ["confidence", "weight"]

    def _classification_tracker(self) -> str:
        return "labels" if "labels" in get_registry().names("tracker") else "hungarian"

    # -------------------------------------------------------------- IFL features

    def _transformer(self, seed: int, metrics: list[str]) -> Any:
        from ifl_core.transformer import IFLTransformer

        s = self.settings
        return IFLTransformer(
            s.clusterer,
            n_clusters=self.n_classes,
            n_folds=s.n_folds,
            clusterer_params=self._clusterer_params(),
            metrics=tuple(metrics),
            random_state=seed,
            device=s.device,
        )

    def _clusterer_params(self) -> dict[str, Any]:
        s = self.settings
        return s.dec_params() if s.clusterer == "dec" else dict(s.clusterer_params)

    def clustering_features(self, seed: int) -> np.ndarray:
        """Out-of-fold clustering-mode IFL features of all rows (cached)."""
        path = self.out / f"ifl-clustering-seed{seed}.npz"
        if path.is_file():
            with np.load(path) as cached:
                return cached["features"]
        from ifl_core.runner import extract
        from ifl_core.settings import make_settings

        self.progress(f"IFL features, clustering mode, seed {seed}")
        s = self.settings
        settings = make_settings(
            {
                "clusterer": s.clusterer,
                "clusterer_params": self._clusterer_params(),
                "n_clusters": self.n_classes,
                "n_folds": s.n_folds,
                "metrics": ["confidence", "weight"],
                "seed": seed,
                "device": s.device,
            }
        )
        X = self.X.toarray() if sp.issparse(self.X) else self.X
        run = extract(X, settings, report_labels=self.y)
        features = run.result.features
        _save_npz(
            path,
            features=features,
            columns=np.asarray(run.result.columns),
            fold_accuracy=np.asarray(run.result.fold_accuracy),
            seconds=np.asarray(run.record["seconds_total"]),
        )
        return features

    def classification_split(self, seed: int) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.model_selection import train_test_split

        return train_test_split(
            np.arange(len(self.y)),
            test_size=self.settings.test_size,
            stratify=self.y,
            random_state=seed,
        )

    def classification_features(self, seed: int) -> dict[str, np.ndarray]:
        """IFL features of the training rows (out of fold) and test rows (cached)."""
        path = self.out / f"ifl-classification-seed{seed}.npz"
        if path.is_file():
            with np.load(path) as cached:
                return {k: cached[k] for k in cached.files}
        self.progress(f"IFL features, classification mode, seed {seed}")
        train, test = self.classification_split(seed)
        model = self._transformer(seed, self._classification_metrics())
        model.fit(self.X[train], self.y[train])
        arrays = {
            "train": train,
            "test": test,
            "ifl_train": model.train_features_,
            "ifl_test": model.ifl_features(self.X[test]),
            "columns": np.asarray(model.feature_names_ifl_),
        }
        _save_npz(path, **arrays)
        return arrays

    # ------------------------------------------------------------------- cells

    def fold_accuracy(self) -> dict[int, float]:
        """Mean clustering ACC of the IFL fold models per seed (clustering mode)."""
        out = {}
        for seed in self.settings.seeds:
            path = self.out / f"ifl-clustering-seed{seed}.npz"
            if path.is_file():
                with np.load(path) as cached:
                    if "fold_accuracy" in cached.files and cached["fold_accuracy"].size:
                        out[seed] = round(float(cached["fold_accuracy"].mean()), 4)
        return out

    def run(self, *, compute: bool = True) -> CellStore:
        """Compute every cell not yet stored (unless ``compute`` is False)."""
        self.load()
        if not compute:
            return self.cells
        write_json_atomic(self.out / "settings.json", self.record())
        s = self.settings
        for seed in s.seeds:
            if "clustering" in s.tasks:
                self._clustering(seed)
            if "classification" in s.tasks:
                self._classification(seed)
        return self.cells

    @contextlib.contextmanager
    def limits(self) -> Iterator[None]:
        """Cap torch and BLAS/OpenMP threads at ``settings.threads`` while inside.

        On a shared machine, many threads per process make every process slower.
        """
        if self.settings.threads is None:
            yield
            return
        import torch
        from threadpoolctl import threadpool_limits

        before = torch.get_num_threads()
        torch.set_num_threads(self.settings.threads)
        try:
            with threadpool_limits(self.settings.threads):
                yield
        finally:
            torch.set_num_threads(before)

    def _store(
        self,
        task: str,
        method: str,
        features: str,
        seed: int,
        started: float,
        **scores: float,
    ) -> None:
        row = {
            "task": task,
            "method": method,
            "features": features,
            "seed": seed,
            "seconds": round(time.perf_counter() - started, 3),
            **scores,
        }
        self.cells.add(row)
        log.info(
            "%s %s on %s, seed %d: %s",
            task,
            method,
            features,
            seed,
            ", ".join(f"{k}={v:.4f}" for k, v in scores.items()),
        )

    def _clustering(self, seed: int) -> None:
        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

        s = self.settings
        todo = [
            (m, f)
            for m in s.clustering_methods
            for f in CLUSTER_SETS
            if cell_key("clustering", m, f, seed) not in self.cells
        ]
        if not todo:
            return
        ifl = _scale(self.clustering_features(seed), how=s.scaling)[0]
        sets = {"primary": self.X, "ifl": ifl, "primary+ifl": _join(self.X, ifl)}
        for method, name in todo:
            self.progress(f"clustering {method} on {name}, seed {seed}")
            started = time.perf_counter()
            pred = cluster(
                method,
                sets[name],
                self.n_classes,
                seed=seed,
                dec_params=s.dec_params(),
                device=s.device,
            )
            self._store(
                "clustering",
                method,
                name,
                seed,
                started,
                acc=clustering_accuracy(self.y, pred),
                nmi=float(normalized_mutual_info_score(self.y, pred)),
                ari=float(adjusted_rand_score(self.y, pred)),
            )

    def _classification(self, seed: int) -> None:
        s = self.settings
        todo = [
            (c, f)
            for c in s.classifiers
            for f in CLASSIFY_SETS
            if cell_key("classification", c, f, seed) not in self.cells
        ]
        if not todo:
            return
        arrays = self.classification_features(seed)
        train, test = arrays["train"], arrays["test"]
        f_train, f_test = _scale(arrays["ifl_train"], arrays["ifl_test"], how=s.scaling)
        p_train, p_test = self.X[train], self.X[test]
        sets = {
            "primary": (p_train, p_test),
            "ifl": (f_train, f_test),
            "primary+ifl": (_join(p_train, f_train), _join(p_test, f_test)),
        }
        columns = [str(c) for c in arrays["columns"]]
        y_train, y_test = self.y[train], self.y[test]
        for name, feature_set in todo:
            self.progress(f"classifier {name} on {feature_set}, seed {seed}")
            started = time.perf_counter()
            model = make_classifier(name, seed=seed, quick=s.quick)
            if feature_set == "technique1":
                long = LongLayoutClassifier(model, columns)
                pred = long.fit(p_train, f_train, y_train).predict(p_test, f_test)
            else:
                x_train, x_test = sets[feature_set]
                pred = model.fit(x_train, y_train).predict(x_test)
            acc = float(np.mean(np.asarray(pred) == y_test))
            self._store("classification", name, feature_set, seed, started, acc=acc)
