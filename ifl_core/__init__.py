"""Inverse Feature Learning: features from the representation of error.

The public API:

* :class:`IFLTransformer`: the scikit-learn transformer (technique 2 with
  ``metrics=TECHNIQUE_METRICS``);
* :class:`IFLVersionClassifier`: technique 1 around any scikit-learn classifier;
* :func:`get_registry`: the plugins available in this environment;
* :mod:`ifl_core.interfaces`: the abstract classes plugins implement;
* :data:`hookimpl`: the marker of plugin hook implementations.
"""

from importlib.metadata import PackageNotFoundError, version

from ifl_core.errors import (
    CheckpointError,
    ConfigError,
    DataError,
    DeviceError,
    ExecutorError,
    IFLError,
    NotFittedError,
    OutputError,
    PluginError,
)
from ifl_core.hookspecs import ENTRY_POINT_GROUP, hookimpl
from ifl_core.registry import Registry, get_registry
from ifl_core.settings import RunSettings
from ifl_core.techniques import TECHNIQUE_METRICS, IFLVersionClassifier
from ifl_core.transformer import IFLTransformer

try:
    __version__ = version("ifl")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "ENTRY_POINT_GROUP",
    "CheckpointError",
    "ConfigError",
    "DataError",
    "DeviceError",
    "ExecutorError",
    "IFLError",
    "IFLTransformer",
    "IFLVersionClassifier",
    "NotFittedError",
    "OutputError",
    "PluginError",
    "Registry",
    "RunSettings",
    "TECHNIQUE_METRICS",
    "get_registry",
    "hookimpl",
    "__version__",
]
