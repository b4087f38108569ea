"""Plugin discovery: built-ins, entry points of installed distributions, failures."""

from __future__ import annotations

import sys
import textwrap

import pytest

from ifl_core.errors import ConfigError, DuplicatePluginError
from ifl_core.registry import build_plugin_manager

BUILTINS = {
    ("clusterer", "dec"), ("clusterer", "kmeans"), ("fold_strategy", "kfold"),
    ("fold_strategy", "stratified"), ("tracker", "hungarian"),
    ("metric", "confidence"), ("metric", "weight"),
}


def test_builtins_are_registered_with_their_package():
    _, registry = build_plugin_manager(entry_points=False)
    found = {(e.kind, e.name) for e in registry.entries()}

    assert BUILTINS <= found
    assert registry.entry("clusterer", "dec").source.package == "ifl"


def test_unknown_name_lists_what_is_available():
    _, registry = build_plugin_manager(entry_points=False)
    with pytest.raises(ConfigError, match="unknown clusterer 'dek'; available: dec, kmeans"):
        registry.get("clusterer", "dek")


def make_distribution(tmp_path, dist, module, body):
    """A real (unzipped) distribution on sys.path with an ``ifl.plugins`` entry point."""
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(body))
    info = tmp_path / f"{dist}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[ifl.plugins]\n{module} = {module}\n")


@pytest.fixture
def on_path(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("fake_ifl_")]:
        del sys.modules[name]


GOOD = """
    from ifl_core import hookimpl
    from ifl_plugins.kmeans import KMeansClusterer

    class Renamed(KMeansClusterer):
        name = "fake-kmeans"

    @hookimpl
    def ifl_register(registry):
        registry.add_clusterer(Renamed)
"""


def test_entry_point_plugin_is_discovered_with_its_distribution(on_path):
    make_distribution(on_path, "fake-ifl-plugin", "fake_ifl_good", GOOD)
    pm, registry = build_plugin_manager()

    entry = registry.entry("clusterer", "fake-kmeans")
    assert (entry.source.package, entry.source.version) == ("fake-ifl-plugin", "1.2.3")
    assert pm.get_plugin("fake_ifl_good") is not None


def test_plugin_that_fails_to_import_is_reported_and_skipped(on_path):
    make_distribution(on_path, "fake-broken", "fake_ifl_broken", "raise ImportError('nope')")
    _, registry = build_plugin_manager()

    assert [f.plugin for f in registry.failures] == ["fake_ifl_broken"]
    assert "nope" in registry.failures[0].error
    assert ("clusterer", "dec") in {(e.kind, e.name) for e in registry.entries()}


def test_plugin_that_raises_while_registering_leaves_nothing_behind(on_path):
    body = """
        from ifl_core import hookimpl
        from ifl_plugins.kmeans import KMeansClusterer

        class Half(KMeansClusterer):
            name = "half"

        @hookimpl
        def ifl_register(registry):
            registry.add_clusterer(Half)
            raise RuntimeError("registration broke")
    """
    make_distribution(on_path, "fake-half", "fake_ifl_half", body)
    pm, registry = build_plugin_manager()

    assert "half" not in registry.names("clusterer")
    assert "registration broke" in registry.failures[0].error
    assert pm.get_plugin("fake_ifl_half") is None


def test_two_plugins_with_one_name_is_an_error_naming_both(on_path):
    body = GOOD.replace('"fake-kmeans"', '"dec"')
    make_distribution(on_path, "fake-dup", "fake_ifl_dup", body)
    with pytest.raises(DuplicatePluginError, match=r"ifl_plugins\.dec \(ifl .*fake_ifl_dup \(fake-dup 1\.2\.3\)"):
        build_plugin_manager()


def test_disable_variable_skips_a_plugin(on_path, monkeypatch):
    make_distribution(on_path, "fake-ifl-plugin", "fake_ifl_good", GOOD)
    monkeypatch.setenv("IFL_DISABLE_PLUGINS", "fake_ifl_good")
    _, registry = build_plugin_manager()

    assert "fake-kmeans" not in registry.names("clusterer")
