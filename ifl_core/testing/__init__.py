"""Conformance checks for ``ifl`` plugins, to call from a plugin's own test suite.

Each check builds small data, drives the plugin the way the inner-folding engine
does, and raises :class:`AssertionError` with a message naming the plugin and the
broken rule. They test the interface contract, the shapes and names of outputs,
seeded determinism and the out-of-fold property::

    from ifl_core.testing import check_clusterer, check_plugin

    def test_my_clusterer_conforms():
        check_clusterer(MyClusterer, {"epochs": 2})

    def test_my_plugin_registers_conforming_classes():
        check_plugin(my_plugin_module, {"my-clusterer": {"epochs": 2}})

The out-of-fold property, that a row's features come from a model that never saw
the row, is shared among the kinds: a fold strategy must never put a row in the
inner train of a fold whose inner test holds it; a clusterer's fitted model must
not change when it encodes new rows, nor encode a row differently because of the
rows beside it; a metric must compute a row's features from that row and the
fold's model alone, not from the other inner-test rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

from ifl_core import hookspecs
from ifl_core.interfaces import Plugin
from ifl_core.registry import Registry, Source, unknown_hooks
from ifl_core.testing._clusterer import check_clusterer
from ifl_core.testing._common import ATOL, RTOL, Check, blobs
from ifl_core.testing._folds import check_fold_strategy
from ifl_core.testing._metric import check_metric
from ifl_core.testing._tracker import check_tracker

__all__ = [
    "ATOL",
    "CHECKS",
    "RTOL",
    "blobs",
    "check_clusterer",
    "check_fold_strategy",
    "check_metric",
    "check_plugin",
    "check_tracker",
]


#: The check of each extension kind.
CHECKS: dict[str, Callable[..., None]] = {
    "clusterer": check_clusterer,
    "fold_strategy": check_fold_strategy,
    "tracker": check_tracker,
    "metric": check_metric,
}


def check_plugin(
    plugin: Any, params: dict[str, dict[str, Any]] | None = None
) -> list[str]:
    """Register ``plugin`` alone and check every class it adds.

    Parameters
    ----------
    plugin : module or object
        What the package's ``ifl.plugins`` entry point names.
    params : dict, optional
        ``{extension name: parameters}`` for the checks.

    Returns
    -------
    list of str
        ``kind:name`` of every extension checked.
    """
    check = Check("check_plugin", getattr(plugin, "__name__", type(plugin).__name__))
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    registry = Registry()
    pm.hook.ifl_register.call_historic(kwargs={"registry": registry})
    with registry.loading(Source("checked", "unknown", "unknown")):
        pm.register(plugin)
    unknown = unknown_hooks(pm, plugin)
    check(not unknown, f"implements hooks that ifl does not know: {unknown}")
    entries = registry.entries()
    check(entries, "registered no extension through ifl_register")
    checked = []
    for entry in entries:
        check(isinstance(entry.obj, type) and issubclass(entry.obj, Plugin),
              f"{entry.kind} {entry.name!r} is not a Plugin subclass")
        if entry.kind in CHECKS:
            CHECKS[entry.kind](entry.obj, (params or {}).get(entry.name))
            checked.append(f"{entry.kind}:{entry.name}")
    return checked
