"""Built-in data sets, registered under the plugin kind ``dataset``."""

from __future__ import annotations

from ifl_core.datasets.base import Dataset
from ifl_core.datasets.builtin import BUILTIN_DATASETS
from ifl_core.hookspecs import hookimpl
from ifl_core.registry import Registry


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_kind("dataset", Dataset)
    for cls in BUILTIN_DATASETS:
        registry.add("dataset", cls)
