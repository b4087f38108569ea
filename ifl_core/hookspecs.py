"""Hook specifications of the ``ifl`` plugin system.

A plugin is any module or object with functions marked by :data:`hookimpl`. Built-in
plugins (the ``ifl_plugins`` package) and third-party ones are registered through the
same :class:`pluggy.PluginManager` and answer the same hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ifl_core.registry import Registry

PROJECT = "ifl"
#: Version of the plugin API (the hooks here, the classes of
#: :mod:`ifl_core.interfaces` and the registry methods plugins call), MAJOR.MINOR.
#: A minor version only adds; a major version may remove or change. See
#: ``docs/plugins.md``.
PLUGIN_API_VERSION = "1.0"
#: Entry-point group in which installed packages announce plugins.
ENTRY_POINT_GROUP = "ifl.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(historic=True)
def ifl_register(registry: Registry) -> None:
    """Add the plugin's extensions to ``registry``.

    Call ``registry.add(kind, cls)`` (or the shortcuts ``add_clusterer``,
    ``add_fold_strategy``, ``add_tracker``, ``add_metric``) once per class. The hook
    is historic: a plugin registered late is still called with the same registry.
    """
