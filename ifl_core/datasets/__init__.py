"""Data sets: a plugin kind ``dataset``, built-in sets, readers and fetching.

A plugin adds a data set with ``registry.add("dataset", MyDataset)`` in its
``ifl_register`` hook, where ``MyDataset`` derives from :class:`Dataset`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ifl_core.datasets.base import (
    DATA_DIR_ENV,
    DataFile,
    Dataset,
    FileStatus,
    LoadedData,
    resolve_data_dir,
    sha256_of,
    verify_file,
)
from ifl_core.datasets.fetch import fetch_dataset
from ifl_core.registry import Registry, get_registry

#: Plugin kind of data sets.
KIND = "dataset"


def dataset_names(registry: Registry | None = None) -> list[str]:
    """Names of every registered data set."""
    return (registry or get_registry()).names(KIND)


def get_dataset(
    name: str, params: dict[str, Any] | None = None, registry: Registry | None = None
) -> Dataset:
    """A data set by name, with its parameters validated."""
    from pydantic import ValidationError

    from ifl_core.errors import ConfigError
    from ifl_core.settings import format_validation_error

    cls = (registry or get_registry()).get(KIND, name)
    try:
        return cls(cls.make_params(params))
    except ValidationError as exc:
        message = format_validation_error(exc, prefix="dataset_params.")
        raise ConfigError(f"{name}: {message}") from None


def load_dataset(
    name: str,
    data_dir: str | Path | None = None,
    *,
    params: dict[str, Any] | None = None,
    verify: bool = True,
) -> LoadedData:
    """Load a data set from ``data_dir`` (default ``$IFL_DATA_DIR``)."""
    return get_dataset(name, params).load(resolve_data_dir(data_dir), verify=verify)


__all__ = [
    "DATA_DIR_ENV",
    "KIND",
    "DataFile",
    "Dataset",
    "FileStatus",
    "LoadedData",
    "dataset_names",
    "fetch_dataset",
    "get_dataset",
    "load_dataset",
    "resolve_data_dir",
    "sha256_of",
    "verify_file",
]
