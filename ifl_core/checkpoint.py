"""Checkpoints of inner folding, so that a killed run resumes where it stopped.

A *run directory* holds

* ``manifest.json``: the run settings, the fingerprint of the input data, the number
  of rows, where the input came from and where the output goes;
* ``fold_00.npz``, ``fold_01.npz``, …: one file per finished fold, holding the arrays
  of its :class:`~ifl_core.engine.FoldOutcome` (row indices, the model's own cluster
  numbers, its centroids and the latent features of its inner test).

Every file is written to a temporary file and renamed into place, so a run killed at
any moment leaves either a whole checkpoint or none. Checkpoints are plain arrays,
loaded with ``allow_pickle=False``: reading one never runs code.

On resume, the settings and the data fingerprint must match the manifest; a fold
file is used only if its rows are exactly the rows of the same fold of the new split.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from ifl_core.errors import CheckpointError
from ifl_core.io import write_bytes_atomic, write_json_atomic

if TYPE_CHECKING:
    from ifl_core.engine import FoldOutcome
    from ifl_core.interfaces import Fold
    from ifl_core.settings import RunSettings

log = logging.getLogger(__name__)

#: Version of the run-directory layout; a different one is refused on resume.
FORMAT = 1
MANIFEST = "manifest.json"
_ARRAYS = ("train", "test", "train_clusters", "centroids", "z_test")
#: Settings that may change between a run and its resume (they do not change the
#: features on CPU); any other difference is refused.
_MAY_CHANGE = ("device",)


def data_fingerprint(X: Any) -> str:
    """SHA-256 of a matrix's shape, dtype and values (dense or sparse).

    Computed on the validated matrix, so that the same numbers read from ``.csv`` or
    ``.npy`` give the same fingerprint.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    digest = hashlib.sha256()
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        X.sum_duplicates()
        X.sort_indices()
        parts = [X.data, X.indices, X.indptr]
        digest.update(f"csr{X.shape}{X.dtype}".encode())
    else:
        arr = np.ascontiguousarray(X)
        parts = [arr]
        digest.update(f"dense{arr.shape}{arr.dtype}".encode())
    for part in parts:
        digest.update(np.ascontiguousarray(part).tobytes())
    return digest.hexdigest()


def fold_file(index: int) -> str:
    """File name of fold ``index``'s checkpoint."""
    return f"fold_{index:02d}.npz"


class RunDirectory:
    """A run directory: its manifest and one checkpoint per finished fold.

    Create one with :meth:`create` (new run) or :meth:`resume` (continue a run);
    pass it to inner folding, which saves each fold as it finishes and skips the
    folds already saved.
    """

    def __init__(self, path: Path, manifest: dict[str, Any]) -> None:
        self.path = Path(path)
        self.manifest = manifest
        self.loaded: list[int] = []

    # ------------------------------------------------------------------ opening

    @classmethod
    def create(
        cls,
        path: str | os.PathLike,
        settings: RunSettings,
        fingerprint: str,
        n_rows: int,
        **extra: Any,
    ) -> RunDirectory:
        """Start a new run directory; refuse one that holds finished folds.

        A directory with a manifest but no finished fold (a run that failed early)
        holds no work and is reused.

        Parameters
        ----------
        path : path
            The run directory; created with its parents if missing.
        settings : RunSettings
            Settings of the run, compared on resume.
        fingerprint : str
            :func:`data_fingerprint` of the validated input, compared on resume.
        n_rows : int
            Number of input rows.
        **extra
            Further JSON values for the manifest (the input and output paths, say),
            for the command line to read back on resume.

        Returns
        -------
        RunDirectory
        """
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise CheckpointError(f"run directory {path} exists and is not a directory")
        if (path / MANIFEST).exists() and cls(path, {}).finished():
            raise CheckpointError(
                f"run directory {path} already holds a run; continue it with "
                f"--resume {path} or choose another --run-dir"
            )
        try:
            path.mkdir(parents=True, exist_ok=True)
            manifest = {
                "format": FORMAT,
                "settings": settings.model_dump(mode="json"),
                "data_fingerprint": fingerprint,
                "rows": int(n_rows),
                **extra,
            }
            write_json_atomic(path / MANIFEST, manifest)
        except OSError as exc:
            raise CheckpointError(f"cannot write run directory {path}: {exc}") from None
        return cls(path, manifest)

    @classmethod
    def read_manifest(cls, path: str | os.PathLike) -> dict[str, Any]:
        """The manifest of an existing run directory, checked for its format."""
        path = Path(path)
        if not path.is_dir():
            raise CheckpointError(f"run directory not found: {path}")
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CheckpointError(
                f"{path} is not a run directory (no {MANIFEST})"
            ) from None
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"cannot read {path / MANIFEST}: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            got = manifest.get("format") if isinstance(manifest, dict) else None
            raise CheckpointError(
                f"{path / MANIFEST} has format {got!r}; this version reads format "
                f"{FORMAT}"
            )
        return manifest

    @classmethod
    def resume(
        cls, path: str | os.PathLike, settings: RunSettings, fingerprint: str
    ) -> RunDirectory:
        """Reopen a run directory; refuse if the settings or the data differ.

        Parameters
        ----------
        path : path
            A run directory made by :meth:`create`.
        settings : RunSettings
            Must equal the saved settings, except for ``device``.
        fingerprint : str
            Must equal the saved :func:`data_fingerprint`.

        Returns
        -------
        RunDirectory

        Raises
        ------
        CheckpointError
            When the directory is missing or not a run directory, has another
            format, or the settings or data differ (the message names them).
        """
        path = Path(path)
        manifest = cls.read_manifest(path)
        differences = settings_differences(manifest.get("settings", {}), settings)
        if differences:
            raise CheckpointError(
                f"cannot resume {path}: settings differ from the saved run "
                f"({'; '.join(differences)})"
            )
        saved_print = str(manifest.get("data_fingerprint"))
        if saved_print != fingerprint:
            raise CheckpointError(
                f"cannot resume {path}: the input data differ from the saved run's "
                f"(fingerprint {fingerprint[:12]} vs {saved_print[:12]})"
            )
        saved_device = manifest.get("settings", {}).get("device")
        if saved_device != settings.device:
            log.warning(
                "resuming a run started with device %r on device %r; the remaining "
                "folds may differ in the last bits from an uninterrupted run",
                saved_device, settings.device,
            )
        _remove_stale_temporaries(path)
        return cls(path, manifest)

    # ------------------------------------------------------------------- folds

    def save(self, outcome: FoldOutcome) -> None:
        """Write one finished fold, atomically."""
        arrays = {name: np.asarray(getattr(outcome, name)) for name in _ARRAYS}
        arrays["index"] = np.asarray(outcome.index, dtype=np.int64)
        arrays["seconds"] = np.asarray(outcome.seconds, dtype=np.float64)
        arrays["info"] = np.asarray(json.dumps(_jsonable(outcome.info)))
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        target = self.path / fold_file(outcome.index)
        try:
            write_bytes_atomic(target, buffer.getvalue())
        except OSError as exc:
            raise CheckpointError(f"cannot write checkpoint {target}: {exc}") from None
        log.debug("saved checkpoint %s", target)

    def load(self, index: int, fold: Fold) -> FoldOutcome | None:
        """Fold ``index``'s saved outcome, or ``None`` when it has not finished.

        Raises :class:`CheckpointError` when the saved fold was made on other rows. A
        file that cannot be read is set aside (renamed ``*.bad``) and the fold is
        computed again.
        """
        from ifl_core.engine import FoldOutcome

        target = self.path / fold_file(index)
        if not target.exists():
            return None
        try:
            with np.load(target, allow_pickle=False) as data:
                values = {name: data[name] for name in _ARRAYS}
                saved_index = int(data["index"])
                seconds = float(data["seconds"])
                info = json.loads(str(data["info"]))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            bad = target.with_name(target.name + ".bad")
            os.replace(target, bad)
            log.warning("checkpoint %s is unreadable (%s); fold %d is computed again",
                        target, exc, index)
            return None
        if saved_index != index or not (
            np.array_equal(values["train"], fold.train)
            and np.array_equal(values["test"], fold.test)
        ):
            raise CheckpointError(
                f"checkpoint {target} was made on other rows than fold {index} of this "
                "split; the run cannot be resumed (start a new one)"
            )
        self.loaded.append(index)
        return FoldOutcome(
            index=index,
            train=values["train"].astype(np.int64),
            test=values["test"].astype(np.int64),
            train_clusters=values["train_clusters"].astype(np.int64),
            centroids=values["centroids"].astype(np.float64),
            z_test=values["z_test"].astype(np.float64),
            seconds=seconds,
            info={**info, "resumed": True},
        )

    def finished(self) -> list[int]:
        """Indices of the folds that have a checkpoint file."""
        found = []
        for item in self.path.glob("fold_*.npz"):
            with contextlib.suppress(ValueError):
                found.append(int(item.stem.split("_", 1)[1]))
        return sorted(found)

    def remove(self) -> None:
        """Delete the run directory's own files, then the directory if it is empty."""
        if not self.path.is_dir():
            return
        for item in self.path.iterdir():
            if item.name == MANIFEST or item.name.startswith("fold_") or (
                item.name.startswith(".") and item.name.endswith(".part")
            ):
                with contextlib.suppress(OSError):
                    item.unlink()
        with contextlib.suppress(OSError):
            self.path.rmdir()


def settings_differences(saved: dict[str, Any], settings: RunSettings) -> list[str]:
    """``name: saved -> now`` for every setting that differs and may not change."""
    now = settings.model_dump(mode="json")
    out = []
    for name in sorted(set(saved) | set(now)):
        if name in _MAY_CHANGE:
            continue
        if saved.get(name) != now.get(name):
            out.append(f"{name}: {saved.get(name)!r} -> {now.get(name)!r}")
    return out


def _remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files that a killed process left behind."""
    for item in path.glob(".*.part"):
        with contextlib.suppress(OSError):
            item.unlink()
            log.debug("removed stale temporary file %s", item)


def _jsonable(info: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in info.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, (bool, int, float, str)) or value is None:
            out[key] = value
    return out


def save_clusterer_state(path: str | os.PathLike, clusterer: Any) -> None:
    """Write a fitted clusterer's state (plain arrays) to an ``.npz``, atomically."""
    arrays = {name: np.asarray(value) for name, value in clusterer.get_state().items()}
    for name, value in arrays.items():
        if value.dtype == object:
            raise CheckpointError(
                f"clusterer {clusterer.name!r} state {name!r} is not a plain array"
            )
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    try:
        write_bytes_atomic(path, buffer.getvalue())
    except OSError as exc:
        raise CheckpointError(f"cannot write {path}: {exc}") from None


def load_clusterer_state(path: str | os.PathLike, clusterer: Any) -> Any:
    """Restore ``clusterer`` from :func:`save_clusterer_state`; never unpickles."""
    try:
        with np.load(path, allow_pickle=False) as data:
            state = {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"cannot read clusterer state {path}: {exc}") from None
    clusterer.set_state(state)
    return clusterer
