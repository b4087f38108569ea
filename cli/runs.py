"""Run directories and signals, as the ``extract`` command uses them."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ifl_core.checkpoint import RunDirectory
from ifl_core.errors import ConfigError


def default_run_dir(output: Path) -> Path:
    """The run directory beside ``output``: ``<name>.ckpt``."""
    return output.with_name(output.name[: -len(output.suffix)] + ".ckpt")


def resume_values(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The saved run's settings (the base that flags may only repeat) and manifest."""
    manifest = RunDirectory.read_manifest(run_dir)
    values = dict(manifest.get("settings") or {})
    if not values:
        raise ConfigError(f"the manifest of {run_dir} holds no settings")
    return values, manifest


def merge_clusterer_params(values: dict[str, Any], where: str) -> dict[str, Any]:
    """``values["clusterer_params"]`` as a dict, or a one-line :class:`ConfigError`."""
    params = values.pop("clusterer_params", None)
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ConfigError(
            f"{where}clusterer_params must be a mapping of parameters, got {params!r}"
        )
    return dict(params)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C for the block, so that clean-up code runs.

    Temporary files are then removed and finished folds stay saved when a job
    scheduler or ``kill`` stops the run. SIGKILL cannot be caught; the temporary files
    it leaves are hidden (``.<name>.<random>.part``) and removed on resume.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
