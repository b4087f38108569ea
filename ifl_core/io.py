"""Reading input matrices and writing feature files, atomically.

Inputs: ``.npy`` (never with pickle), ``.npz`` (one array, or the one named by
``key``), ``.csv`` (comma-separated numbers, optionally a header line).
Outputs: ``.npz`` (``features`` and ``columns``), ``.csv`` (header line), ``.npy``
(with the column names in ``<name>.columns.json`` beside it). Every output is
written to a temporary file in the target folder and renamed into place, so an
interrupted run never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ifl_core.errors import DataError, OutputError
from ifl_core.validation import check_matrix

INPUT_SUFFIXES = (".npy", ".npz", ".csv")
OUTPUT_SUFFIXES = (".npz", ".csv", ".npy")


def load_matrix(path: str | os.PathLike, key: str | None = None) -> np.ndarray:
    """Load a 2-D array from ``path``; raise :class:`DataError` with one line on
    failure."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"input file not found: {path}")
    if path.is_dir():
        raise DataError(f"input is a directory, not a file: {path}")
    suffix = path.suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise DataError(
            f"unknown input suffix {path.suffix!r} for {path.name}; "
            f"use one of {', '.join(INPUT_SUFFIXES)}"
        )
    try:
        if suffix == ".npy":
            return _load_npy(path)
        if suffix == ".npz":
            return _load_npz(path, key)
        return _load_csv(path)
    except DataError:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"cannot read {path.name}: {_first_line(exc)}") from None


def load_input(path: str | os.PathLike, key: str | None = None) -> Any:
    """Load a data matrix and check it as IFL input; errors name the file.

    :func:`load_matrix` followed by :func:`ifl_core.validation.check_matrix`
    (2-D, numeric, finite, not empty).
    """
    return check_matrix(load_matrix(path, key), name=Path(path).name)


def check_input_key(path: str | os.PathLike, key: str | None) -> None:
    """Refuse an array name for an input that is not an ``.npz`` archive."""
    if key is not None and Path(path).suffix.lower() != ".npz":
        raise DataError(
            f"--key {key!r} names an array inside an .npz, but the input is "
            f"{Path(path).name}"
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DataError(
                f"{path.name} holds Python objects that need pickle to load; "
                "refusing to unpickle (save a numeric array instead)"
            ) from None
        raise


def _load_npz(path: Path, key: str | None) -> np.ndarray:
    with np.load(path, allow_pickle=False) as archive:
        names = list(archive.files)
        if key is None:
            if len(names) != 1:
                raise DataError(
                    f"{path.name} holds {len(names)} arrays "
                    f"({', '.join(names) or 'none'}); "
                    "name one with --key"
                )
            key = names[0]
        if key not in names:
            raise DataError(
                f"{path.name} has no array {key!r}; it holds {', '.join(names)}"
            )
        try:
            return archive[key]
        except ValueError as exc:
            if "pickle" in str(exc).lower():
                raise DataError(
                    f"array {key!r} in {path.name} needs pickle to load; refusing"
                ) from None
            raise


def _load_csv(path: Path) -> np.ndarray:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows = [row for row in rows if row and any(cell.strip() for cell in row)]
    if not rows:
        raise DataError(f"{path.name} is empty")
    if not _is_numeric_row(rows[0]):
        rows = rows[1:]  # a header line
        if not rows:
            raise DataError(f"{path.name} has a header but no data rows")
    width = len(rows[0])
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise DataError(
                f"{path.name} is ragged: data row {number} has {len(row)} fields, "
                f"the first has {width}"
            )
    try:
        return np.array(
            [[float(cell) for cell in row] for row in rows], dtype=np.float64
        )
    except ValueError:
        for number, row in enumerate(rows, start=1):
            for column, cell in enumerate(row):
                try:
                    float(cell)
                except ValueError:
                    raise DataError(
                        f"{path.name}: non-numeric value {cell!r} "
                        f"in data row {number}, "
                        f"column {column + 1}"
                    ) from None
        raise


def _is_numeric_row(row: list[str]) -> bool:
    try:
        [float(cell) for cell in row]
    except ValueError:
        return False
    return True


def load_labels(path: str | os.PathLike, key: str | None = None) -> np.ndarray:
    """Load a label vector: ``.npy``/``.npz`` arrays, or ``.csv``/``.txt`` one per
    line."""
    path = Path(path)
    if path.suffix.lower() in (".csv", ".txt"):
        if not path.exists():
            raise DataError(f"label file not found: {path}")
        with open(path, encoding="utf-8") as handle:
            values = [line.strip() for line in handle if line.strip()]
        if values and not _is_numeric_row(values[:1]) and _is_numeric_row(values[1:2]):
            values = values[1:]
        try:
            return np.array([float(v) for v in values])
        except ValueError:
            return np.array(values)
    arr = load_matrix(path, key) if path.suffix.lower() in (".npy", ".npz") else None
    if arr is None:
        raise DataError(
            f"unknown label file suffix {path.suffix!r}; use .npy, .npz, .csv"
        )
    return arr


# ----------------------------------------------------------------------------- output


def check_output_path(path: str | os.PathLike, *, overwrite: bool) -> Path:
    """Validate an output path before any work is done."""
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise OutputError(
            f"unknown output suffix {path.suffix!r}; "
            f"use one of {', '.join(OUTPUT_SUFFIXES)}"
        )
    if path.is_dir():
        raise OutputError(f"output path is a directory: {path}")
    if path.exists() and not overwrite:
        raise OutputError(f"output {path} exists; pass --overwrite to replace it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"output folder does not exist: {parent}")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"output folder is not writable: {parent}")
    return path


def default_file_mode() -> int:
    """The mode a plainly created file gets here: ``0o666`` less the umask.

    Temporary files (``tempfile.mkstemp``) are created private (``0o600``); a
    finished output is given this mode before it is renamed into place, so that it
    reads like any other file the user writes.
    """
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())


def write_json_atomic(path: str | os.PathLike, payload: Any) -> None:
    text = json.dumps(payload, indent=2, sort_keys=False, default=_json_default)
    write_bytes_atomic(path, (text + "\n").encode("utf-8"))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def columns_path(path: Path) -> Path:
    """Where the column names of a ``.npy`` output go."""
    return path.with_name(path.name[: -len(path.suffix)] + ".columns.json")


def save_features(
    path: str | os.PathLike,
    features: np.ndarray,
    columns: list[str],
    extra: dict[str, np.ndarray] | None = None,
) -> list[Path]:
    """Write ``features`` with their column names; return the files written."""
    path = Path(path)
    suffix = path.suffix.lower()
    buffer = io.BytesIO()
    written = [path]
    if suffix == ".npz":
        arrays = {"features": features, "columns": np.asarray(columns, dtype=str)}
        arrays.update(extra or {})
        np.savez(buffer, **arrays)
    elif suffix == ".npy":
        np.save(buffer, features, allow_pickle=False)
        write_json_atomic(columns_path(path), list(columns))
        written.append(columns_path(path))
    elif suffix == ".csv":
        text = io.StringIO()
        text.write(",".join(columns) + "\n")
        np.savetxt(text, features, delimiter=",", fmt="%.9g")
        buffer.write(text.getvalue().encode("utf-8"))
    else:
        raise OutputError(f"unknown output suffix {path.suffix!r}")
    write_bytes_atomic(path, buffer.getvalue())
    return written
