"""The project's exception hierarchy.

Every error the library raises on purpose derives from :class:`IFLError`, so that
callers (the command line above all) can tell an expected failure, reported in one
line, from a bug, which deserves a traceback.
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError


class IFLError(Exception):
    """Base class of every error raised on purpose by ``ifl``."""


class ConfigError(IFLError, ValueError):
    """A setting, a plugin parameter or a plugin name is not valid."""


class DataError(IFLError, ValueError):
    """Input data or labels cannot be used as given."""


class PluginError(IFLError):
    """A plugin failed to load, to register, or raised while it ran."""


class DuplicatePluginError(PluginError):
    """Two plugins registered an extension of the same kind under the same name."""


class DeviceError(IFLError):
    """The requested compute device is not available."""


class ExecutorError(IFLError):
    """The folds could not be run where the user asked (a cluster, worker processes)."""


class OutputError(IFLError):
    """An output cannot be written where the user asked."""


class CheckpointError(IFLError):
    """A run directory cannot be created, or a saved run cannot be resumed."""


class NotFittedError(IFLError, _SklearnNotFittedError):
    """An estimator was used before ``fit``."""


def require_fitted(estimator: object, attribute: str) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has ``attribute``
    (set by fit)."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"this {type(estimator).__name__} is not fitted yet; call fit first"
        )
