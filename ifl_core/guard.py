"""Turning a plugin's unexpected exception into a :class:`PluginError` that names it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ifl_core.errors import IFLError, PluginError


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message, or its type's name."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__


@contextlib.contextmanager
def plugin_guard(kind: str, name: str, doing: str = "") -> Iterator[None]:
    """Re-raise anything but an ``ifl`` error as a one-line :class:`PluginError`.

    ``kind`` and ``name`` say which plugin ran (``"fold strategy"``, ``"kfold"``);
    ``doing`` optionally says what it was doing (``"on model 3"``). Errors of the
    project's own hierarchy (a fold strategy's :class:`DataError` about too few rows,
    say) pass unchanged, as do ``MemoryError`` and ``KeyboardInterrupt``.
    """
    try:
        yield
    except (IFLError, MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:
        where = f" {doing}" if doing else ""
        raise PluginError(
            f"{kind} {name!r} failed{where}: {type(exc).__name__}: {first_line(exc)}"
        ) from exc
