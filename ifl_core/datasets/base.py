"""The dataset interface: files with checksums, a data directory, loaded arrays.

A data set is a plugin of kind ``dataset``. It declares the files it reads (each
with the SHA-256 this project knows and, when there is one, the canonical address
to fetch it from) and turns them into a matrix ``X`` and class labels ``y``. Files
are never bundled with the project: they are read from a data directory that the
user names (``--data-dir`` or the environment variable ``IFL_DATA_DIR``), with one
sub-folder per data set.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from abc import abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ifl_core.errors import ConfigError, DataError
from ifl_core.interfaces import Plugin

#: Environment variable naming the data directory.
DATA_DIR_ENV = "IFL_DATA_DIR"


@dataclass(frozen=True)
class DataFile:
    """One file a data set reads.

    Attributes
    ----------
    name : str
        File name inside the data set's folder.
    sha256 : str or None
        SHA-256 of the file as this project knows it; ``None`` when unknown.
    content_sha256 : str or None
        For ``.gz`` files: SHA-256 of the decompressed content. Recompressing a file
        changes its own checksum but not this one, so either match verifies it.
    url : str or None
        Canonical address to download the file from, if there is one.
    size : int or None
        Size in bytes, when known (shown by ``ifl datasets``).
    """

    name: str
    sha256: str | None = None
    content_sha256: str | None = None
    url: str | None = None
    size: int | None = None


@dataclass
class LoadedData:
    """A loaded data set.

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    y : int ndarray of shape (n_rows,), class codes ``0 .. C-1``
    class_names : list of str, the C class names in code order
    info : dict, how the matrix was built (scaling, windows, vocabulary, ...)
    """

    X: Any
    y: np.ndarray
    class_names: list[str]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


@dataclass(frozen=True)
class FileStatus:
    """Whether one file is present and what its checksum check found."""

    name: str
    path: Path
    present: bool
    verified: bool | None  # None: no known checksum, or not present

    @property
    def state(self) -> str:
        if not self.present:
            return "missing"
        if self.verified is None:
            return "present (no checksum)"
        return "verified" if self.verified else "CHECKSUM MISMATCH"


class Dataset(Plugin):
    """A named data set read from files in ``<data dir>/<folder>/``.

    Subclasses set the class attributes and implement :meth:`read`.
    """

    #: Folder under the data directory that holds the files.
    folder: ClassVar[str] = ""
    #: Files read by :meth:`read`; alternatives are listed in :attr:`alternatives`.
    files: ClassVar[tuple[DataFile, ...]] = ()
    #: Shape (rows, features) of the full matrix, as documented.
    shape: ClassVar[tuple[int, int]] = (0, 0)
    #: Number of classes.
    n_classes: ClassVar[int] = 0
    #: Whether :meth:`read` returns a sparse matrix.
    sparse: ClassVar[bool] = False
    #: Column of the paper's tables this set reproduces, or None.
    paper_column: ClassVar[str | None] = None
    #: Where the files come from, for the error shown when one is missing.
    source_hint: ClassVar[str] = ""

    def __init__(self, params: Any = None) -> None:
        self.params = self.make_params(params)

    def folder_path(self, data_dir: Path) -> Path:
        return Path(data_dir) / self.folder

    def present_files(self, data_dir: Path) -> tuple[DataFile, ...]:
        """The files that :meth:`read` will use (subclasses may pick alternatives)."""
        return self.files

    def status(self, data_dir: Path | None) -> list[FileStatus]:
        """Presence and checksum state of every file (hashes each present file)."""
        if data_dir is None:
            return [FileStatus(f.name, Path(f.name), False, None) for f in self.files]
        folder = self.folder_path(data_dir)
        out = []
        for spec in self.present_files(data_dir):
            path = folder / spec.name
            if not path.is_file():
                out.append(FileStatus(spec.name, path, False, None))
                continue
            out.append(FileStatus(spec.name, path, True, verify_file(path, spec)))
        return out

    def load(self, data_dir: Path | None, *, verify: bool = True) -> LoadedData:
        """Check the files (presence, and SHA-256 when ``verify``) and read them."""
        if self.files:
            if data_dir is None:
                raise DataError(
                    f"data set {self.name!r} needs a data directory; pass --data-dir "
                    f"or set {DATA_DIR_ENV}"
                )
            for status in self.status(data_dir) if verify else []:
                if not status.present:
                    raise DataError(self.missing_message(status.path))
                if status.verified is False:
                    raise DataError(
                        f"{status.path} does not match its known SHA-256; "
                        f"re-download it ({self.source_hint or 'see the docs'})"
                    )
            for spec in self.present_files(data_dir):
                path = self.folder_path(data_dir) / spec.name
                if not path.is_file():
                    raise DataError(self.missing_message(path))
        return self.read(None if data_dir is None else self.folder_path(data_dir))

    def missing_message(self, path: Path) -> str:
        hint = f"; get it from {self.source_hint}" if self.source_hint else ""
        fetch = (
            " or run 'ifl datasets fetch " + self.name + "'" if self.fetchable else ""
        )
        return f"{self.name}: file {path.name} not found; put it at {path}{hint}{fetch}"

    @property
    def fetchable(self) -> bool:
        return bool(self.files) and all(f.url for f in self.files)

    @abstractmethod
    def read(self, folder: Path | None) -> LoadedData:
        """Read the files in ``folder`` into a :class:`LoadedData`."""


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path | None:
    """The data directory: the given one, else ``$IFL_DATA_DIR``, else None."""
    raw = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV) or None
    if raw is None:
        return None
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise ConfigError(f"data directory not found: {path}")
    return path


def sha256_of(path: Path, *, decompress: bool = False) -> str:
    """SHA-256 of a file, or of its gzip-decompressed content."""
    digest = hashlib.sha256()
    opener = gzip.open if decompress else open
    with opener(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, spec: DataFile) -> bool | None:
    """True when the file or its decompressed content matches a known checksum.

    Returns None when the project knows no checksum for it.
    """
    if spec.sha256 is None and spec.content_sha256 is None:
        return None
    if spec.sha256 is not None and sha256_of(path) == spec.sha256:
        return True
    if spec.content_sha256 is not None:
        try:
            return sha256_of(path, decompress=True) == spec.content_sha256
        except (OSError, EOFError, gzip.BadGzipFile):
            return False
    return False


def as_codes(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class codes ``0 .. C-1`` and the sorted distinct label values."""
    values, codes = np.unique(np.asarray(labels), return_inverse=True)
    return codes.astype(np.int64), values
