"""Plugin discovery and the registry of named extensions.

:func:`get_registry` builds a :class:`pluggy.PluginManager`, registers the built-in
plugins and then every plugin announced in the ``ifl.plugins`` entry-point group, and
hands each of them the same :class:`Registry` through the ``ifl_register`` hook.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pluggy

from ifl_core import hookspecs
from ifl_core.errors import ConfigError, DuplicatePluginError, PluginError
from ifl_core.interfaces import ClusterTracker, Clusterer, ErrorMetric, FoldStrategy

log = logging.getLogger(__name__)

#: Modules of the built-in plugins, registered before any third-party plugin.
BUILTIN_MODULES = (
    "ifl_plugins.kmeans",
    "ifl_plugins.dec",
    "ifl_plugins.folds",
    "ifl_plugins.trackers",
    "ifl_plugins.metrics",
    "ifl_plugins.idec",
    "ifl_plugins.autoencoder_kmeans",
    "ifl_plugins.gmm",
    "ifl_plugins.soft_metrics",
    "ifl_plugins.group_folds",
    "ifl_plugins.datasets",
)

#: Extension kinds and the base class each registered object must derive from.
KINDS: dict[str, type] = {
    "clusterer": Clusterer,
    "fold_strategy": FoldStrategy,
    "tracker": ClusterTracker,
    "metric": ErrorMetric,
}

#: Comma-separated plugin names (entry-point names or modules) not to load.
DISABLE_ENV = "IFL_DISABLE_PLUGINS"
#: When set to a non-empty value, every hook call is traced to stderr.
TRACE_ENV = "IFL_TRACE_HOOKS"


@dataclass(frozen=True)
class Source:
    """Where a plugin came from: its plugin name, distribution and version."""

    plugin: str
    package: str
    version: str

    def __str__(self) -> str:
        return f"{self.plugin} ({self.package} {self.version})"


@dataclass(frozen=True)
class Entry:
    """One registered extension."""

    kind: str
    name: str
    obj: Any
    source: Source


@dataclass(frozen=True)
class LoadFailure:
    """A plugin that could not be imported or registered, and why."""

    plugin: str
    error: str


class Registry:
    """Named extensions by kind, each with the plugin that added it."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
        self._current: Source | None = None
        self.failures: list[LoadFailure] = []
        #: Plugins skipped because :data:`DISABLE_ENV` names them.
        self.disabled: list[str] = []

    @contextmanager
    def loading(self, source: Source) -> Iterator[None]:
        """Attribute every addition inside the block to ``source``.

        If the block raises, whatever the plugin added so far is taken back.
        """
        before = {kind: dict(names) for kind, names in self._entries.items()}
        self._current = source
        try:
            yield
        except BaseException:
            self._entries = before
            raise
        finally:
            self._current = None

    def add_kind(self, kind: str, base: type) -> None:
        """Declare a new extension kind (used by plugins that bring a kind along)."""
        KINDS.setdefault(kind, base)
        self._entries.setdefault(kind, {})

    def add(self, kind: str, obj: Any, name: str | None = None) -> None:
        """Register ``obj`` (a class, usually) as ``kind`` under ``name``."""
        if kind not in self._entries:
            raise PluginError(
                f"unknown plugin kind {kind!r}; known: {_join(self._entries)}"
            )
        base = KINDS[kind]
        if isinstance(obj, type) and not issubclass(obj, base):
            raise PluginError(
                f"{kind} {obj.__name__} does not derive from {base.__name__}"
            )
        name = name or getattr(obj, "name", None)
        if not name:
            raise PluginError(f"{kind} {obj!r} has no name")
        source = self._current or Source("<direct>", "unknown", "unknown")
        known = self._entries[kind].get(name)
        if known is not None:
            raise DuplicatePluginError(
                f"{kind} {name!r} is registered twice: "
                f"by {known.source} and by {source}"
            )
        self._entries[kind][name] = Entry(kind, name, obj, source)

    def add_clusterer(self, cls: type[Clusterer]) -> None:
        self.add("clusterer", cls)

    def add_fold_strategy(self, cls: type[FoldStrategy]) -> None:
        self.add("fold_strategy", cls)

    def add_tracker(self, cls: type[ClusterTracker]) -> None:
        self.add("tracker", cls)

    def add_metric(self, cls: type[ErrorMetric]) -> None:
        self.add("metric", cls)

    def names(self, kind: str) -> list[str]:
        return sorted(self._entries.get(kind, {}))

    def entries(self) -> list[Entry]:
        return [e for names in self._entries.values() for e in names.values()]

    def entry(self, kind: str, name: str) -> Entry:
        entries = self._entries.get(kind)
        if entries is None:
            raise ConfigError(
                f"unknown plugin kind {kind!r}; known: {_join(self._entries)}"
            )
        if name not in entries:
            label = kind.replace("_", " ")
            raise ConfigError(
                f"unknown {label} {name!r}; available: {_join(entries) or 'none'}"
            )
        return entries[name]

    def get(self, kind: str, name: str) -> Any:
        """The registered object, or a :class:`ConfigError` listing what exists."""
        return self.entry(kind, name).obj


def _join(names: Any) -> str:
    return ", ".join(sorted(names))


def _dist_of_module(module: str) -> tuple[str, str]:
    top = module.split(".")[0]
    dists = md.packages_distributions().get(top, [])
    for dist in dists:
        try:
            return dist, md.version(dist)
        except md.PackageNotFoundError:
            continue
    return "unknown", "unknown"


def _disabled() -> set[str]:
    raw = os.environ.get(DISABLE_ENV, "")
    return {part.strip() for part in raw.split(",") if part.strip()}


#: Failures already logged in this process: a broken plugin is reported once, even
#: when the registry is built again (``get_registry(refresh=True)``, a second command
#: in the same process).
_REPORTED: set[tuple[str, str]] = set()


def _report(registry: Registry, source: Source, stage: str, message: str) -> None:
    """Record a plugin failure in ``registry``; log it the first time it happens."""
    registry.failures.append(LoadFailure(source.plugin, message))
    if (source.plugin, message) not in _REPORTED:
        _REPORTED.add((source.plugin, message))
        log.warning("plugin %s failed to %s and is skipped: %s", source, stage, message)


def _register(
    pm: pluggy.PluginManager, registry: Registry, plugin: Any, source: Source
) -> None:
    try:
        with registry.loading(source):
            pm.register(plugin, name=source.plugin)
            _check_known_hooks(pm, plugin)
    except DuplicatePluginError:
        raise
    except Exception as exc:  # a broken plugin must not stop the others
        if pm.is_registered(plugin):
            pm.unregister(plugin)
        _report(registry, source, "register", f"{type(exc).__name__}: {exc}")


def _check_known_hooks(pm: pluggy.PluginManager, plugin: Any) -> None:
    """Refuse a plugin that implements a hook this version of ``ifl`` lacks.

    Such a plugin was written for another version of the plugin API; running it
    half-registered would hide that, so it is skipped with a warning instead. A hook
    implementation marked ``optionalhook=True`` is exempt: the plugin declares that
    it also works without that hook.
    """
    unknown = unknown_hooks(pm, plugin)
    if unknown:
        raise PluginError(
            f"implements unknown hook(s) {', '.join(unknown)}; this ifl "
            f"knows: {_join(hook_specs())}"
        )


def unknown_hooks(pm: pluggy.PluginManager, plugin: Any) -> list[str]:
    """Hooks that ``plugin`` implements, that ``pm`` has no specification of, and
    that the plugin did not mark ``hookimpl(optionalhook=True)``."""
    return sorted(
        caller.name
        for caller in pm.get_hookcallers(plugin) or []
        if caller.spec is None
        and not any(
            impl.optionalhook
            for impl in caller.get_hookimpls()
            if impl.plugin is plugin
        )
    )


def hook_specs() -> dict[str, Any]:
    """The hook specifications of this version of ``ifl``, by name."""
    marker = f"{hookspecs.PROJECT}_spec"
    return {
        name: obj
        for name, obj in vars(hookspecs).items()
        if callable(obj) and hasattr(obj, marker)
    }


def _trace_call(hook_name: str, hook_impls: list[Any], kwargs: dict[str, Any]) -> None:
    # Written straight to stderr: the trace is asked for by the environment, and
    # must show even where no logging is set up (plugins load at import time).
    if not hook_impls:
        return
    plugins = ", ".join(impl.plugin_name for impl in hook_impls)
    args = ", ".join(f"{key}={type(value).__name__}" for key, value in kwargs.items())
    sys.stderr.write(f"ifl hook {hook_name}({args}) -> {plugins}\n")


def _trace_result(
    outcome: Any, hook_name: str, hook_impls: list[Any], kwargs: dict[str, Any]
) -> None:
    if hook_impls and outcome.exception is not None:
        error = outcome.exception
        name = type(error).__name__
        sys.stderr.write(f"ifl hook {hook_name} raised {name}: {error}\n")


def build_plugin_manager(
    *, entry_points: bool = True, extra_plugins: tuple[Any, ...] = ()
) -> tuple[pluggy.PluginManager, Registry]:
    """Create a plugin manager and a registry filled by every available plugin.

    Parameters
    ----------
    entry_points : bool
        Also load plugins announced in the ``ifl.plugins`` entry-point group.
    extra_plugins : tuple
        Further plugin objects (modules or instances) to register, after the rest.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if os.environ.get(TRACE_ENV):
        pm.add_hookcall_monitoring(_trace_call, _trace_result)

    registry = Registry()
    pm.hook.ifl_register.call_historic(kwargs={"registry": registry})
    disabled = _disabled()

    own_dist, own_version = _dist_of_module("ifl_core")
    for module_name in BUILTIN_MODULES:
        if module_name in disabled:
            registry.disabled.append(module_name)
            continue
        module = importlib.import_module(module_name)
        _register(pm, registry, module, Source(module_name, own_dist, own_version))

    if entry_points:
        for ep in md.entry_points(group=hookspecs.ENTRY_POINT_GROUP):
            if ep.name in disabled or ep.value in disabled:
                registry.disabled.append(ep.name)
                continue
            dist = ep.dist.name if ep.dist else "unknown"
            version = ep.dist.version if ep.dist else "unknown"
            source = Source(ep.name, dist, version)
            try:
                plugin = ep.load()
            except Exception as exc:
                _report(registry, source, "import", f"{type(exc).__name__}: {exc}")
                continue
            _register(pm, registry, plugin, source)

    for plugin in extra_plugins:
        module = getattr(plugin, "__name__", None) or type(plugin).__module__
        dist, version = _dist_of_module(module)
        _register(pm, registry, plugin, Source(str(module), dist, version))
    return pm, registry


_DEFAULT: Registry | None = None


def get_registry(*, refresh: bool = False) -> Registry:
    """The process-wide registry, built on first use."""
    global _DEFAULT
    if _DEFAULT is None or refresh:
        _DEFAULT = build_plugin_manager()[1]
    return _DEFAULT


def hooks_of(pm: pluggy.PluginManager, plugin_name: str) -> list[str]:
    """Names of the hooks that the plugin ``plugin_name`` implements."""
    plugin = pm.get_plugin(plugin_name)
    if plugin is None:
        return []
    return sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
