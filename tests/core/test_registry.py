"""Plugin discovery: built-ins, entry points of installed distributions, failures."""

from __future__ import annotations

import sys
import textwrap

import pytest

from ifl_core.errors import ConfigError, DuplicatePluginError
from ifl_core.registry import build_plugin_manager

BUILTINS = {
    ("clusterer", "dec"), ("clusterer", "kmeans"), ("clusterer", "idec"),
    ("clusterer", "ae-kmeans"), ("clusterer", "gmm"), ("fold_strategy", "kfold"),
    ("fold_strategy", "stratified"), ("fold_strategy", "group-kfold"),
    ("fold_strategy", "repeated-kfold"), ("tracker", "hungarian"),
    ("metric", "confidence"), ("metric", "weight"), ("metric", "soft-assignment"),
    ("metric", "entropy"), ("metric", "margin"),
}


def test_builtins_are_registered_with_their_package():
    _, registry = build_plugin_manager(entry_points=False)
    found = {(e.kind, e.name) for e in registry.entries()}

    assert BUILTINS <= found
    assert registry.entry("clusterer", "dec").source.package == "ifl"


def test_unknown_name_lists_what_is_available():
    _, registry = build_plugin_manager(entry_points=False)
    with pytest.raises(
        ConfigError, match="unknown clusterer 'dek'; available: ae-kmeans, dec, gmm, "
    ):
        registry.get("clusterer", "dek")


def make_distribution(tmp_path, dist, module, body):
    """A real (unzipped) distribution on sys.path with an ``ifl.plugins`` entry
    point."""
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(body))
    info = tmp_path / f"{dist}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n"
    )
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
    make_distribution(
        on_path, "fake-broken", "fake_ifl_broken", "raise ImportError('nope')"
    )
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
    with pytest.raises(
        DuplicatePluginError,
        match=r"ifl_plugins\.dec \(ifl .*fake_ifl_dup \(fake-dup 1\.2\.3\)",
    ):
        build_plugin_manager()


def test_disable_variable_skips_a_plugin(on_path, monkeypatch):
    make_distribution(on_path, "fake-ifl-plugin", "fake_ifl_good", GOOD)
    monkeypatch.setenv("IFL_DISABLE_PLUGINS", "fake_ifl_good")
    _, registry = build_plugin_manager()

    assert "fake-kmeans" not in registry.names("clusterer")


def test_disable_variable_skips_builtins_by_module_and_lists_them(monkeypatch):
    monkeypatch.setenv(
        "IFL_DISABLE_PLUGINS", "ifl_plugins.gmm, ifl_plugins.soft_metrics"
    )
    _, registry = build_plugin_manager(entry_points=False)

    assert "gmm" not in registry.names("clusterer")
    assert "entropy" not in registry.names("metric")
    assert "kmeans" in registry.names("clusterer")
    assert registry.disabled == ["ifl_plugins.gmm", "ifl_plugins.soft_metrics"]


def test_disable_variable_also_matches_the_entry_point_value(on_path, monkeypatch):
    make_distribution(on_path, "fake-ifl-plugin", "fake_ifl_good", GOOD)
    monkeypatch.setenv("IFL_DISABLE_PLUGINS", "nothing,fake_ifl_good")
    _, registry = build_plugin_manager()

    assert "fake-kmeans" not in registry.names("clusterer")
    assert "fake_ifl_good" in registry.disabled


def test_trace_variable_writes_every_hook_call_to_stderr(on_path, monkeypatch, capsys):
    make_distribution(on_path, "fake-ifl-plugin", "fake_ifl_good", GOOD)
    monkeypatch.setenv("IFL_TRACE_HOOKS", "1")
    build_plugin_manager()

    lines = capsys.readouterr().err.splitlines()
    assert "ifl hook ifl_register(registry=Registry) -> ifl_plugins.dec" in lines
    assert "ifl hook ifl_register(registry=Registry) -> fake_ifl_good" in lines


def test_no_trace_without_the_variable(monkeypatch, capsys):
    monkeypatch.delenv("IFL_TRACE_HOOKS", raising=False)
    build_plugin_manager(entry_points=False)

    assert "ifl hook" not in capsys.readouterr().err


def test_trace_reports_a_hook_that_raises(on_path, monkeypatch, capsys):
    body = """
        from ifl_core import hookimpl

        @hookimpl
        def ifl_register(registry):
            raise RuntimeError("no luck")
    """
    make_distribution(on_path, "fake-raiser", "fake_ifl_raiser", body)
    monkeypatch.setenv("IFL_TRACE_HOOKS", "yes")
    _, registry = build_plugin_manager()

    trace = capsys.readouterr().err
    assert "ifl hook ifl_register raised RuntimeError: no luck" in trace
    assert registry.failures[0].plugin == "fake_ifl_raiser"


def test_plugin_implementing_an_unknown_hook_is_skipped_and_named(on_path):
    body = GOOD + """
    @hookimpl
    def ifl_register_metrics(registry):
        pass
    """
    make_distribution(on_path, "fake-future", "fake_ifl_future", body)
    pm, registry = build_plugin_manager()

    assert "fake-kmeans" not in registry.names("clusterer")
    assert pm.get_plugin("fake_ifl_future") is None
    (failure,) = registry.failures
    assert failure.error == (
        "PluginError: implements unknown hook(s) ifl_register_metrics; "
        "this ifl knows: ifl_register"
    )


def test_an_optional_hook_of_a_newer_api_does_not_block_the_plugin(on_path):
    body = GOOD + """
    @hookimpl(optionalhook=True)
    def ifl_register_metrics(registry):
        pass
    """
    make_distribution(on_path, "fake-forward", "fake_ifl_forward", body)
    _, registry = build_plugin_manager()

    assert "fake-kmeans" in registry.names("clusterer")
    assert registry.failures == []
