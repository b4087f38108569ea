"""Plugins that misbehave: skipped once at load time, named when they fail a run."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from ifl_core.engine import Components, run_inner_folding
from ifl_core.errors import PluginError
from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import ClusterTracker, FoldStrategy
from ifl_core.registry import build_plugin_manager
from ifl_core.settings import make_settings
from ifl_plugins.kmeans import KMeansClusterer

X = np.random.default_rng(0).random((30, 3)).astype(np.float32)


class ExplodingFolds(FoldStrategy):
    name = "exploding-folds"

    def split(self, n_rows, y=None, groups=None):
        raise IndexError("fold table\nsecond line")


class ExplodingTracker(ClusterTracker):
    name = "exploding-tracker"

    def align(self, partitions, n_clusters, y=None):
        raise ZeroDivisionError("no reference")


class ShortTracker(ClusterTracker):
    name = "short-tracker"

    def align(self, partitions, n_clusters, y=None):
        return [np.arange(n_clusters)]


class NaNClusterer(KMeansClusterer):
    name = "nan-kmeans"

    def encode(self, X):
        return np.full((len(X), X.shape[1]), np.nan)


class Misbehaving:
    @hookimpl
    def ifl_register(self, registry):
        registry.add_fold_strategy(ExplodingFolds)
        registry.add_tracker(ExplodingTracker)
        registry.add_tracker(ShortTracker)
        registry.add_clusterer(NaNClusterer)


@pytest.fixture(scope="module")
def registry():
    return build_plugin_manager(entry_points=False, extra_plugins=(Misbehaving(),))[1]


def run(registry, **values):
    settings = make_settings({"clusterer": "kmeans", "n_clusters": 2, "n_folds": 3,
                              "clusterer_params": {"n_init": 1}, **values})
    return run_inner_folding(X, Components(settings, registry))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"fold_strategy": "exploding-folds"},
         "fold strategy 'exploding-folds' failed: IndexError: fold table"),
        ({"tracker": "exploding-tracker"},
         "tracker 'exploding-tracker' failed: ZeroDivisionError: no reference"),
        ({"tracker": "short-tracker"},
         "tracker 'short-tracker' returned 1 permutations for 3 models"),
        ({"clusterer": "nan-kmeans"},
         "clusterer 'nan-kmeans' encoded inner-test rows of model 0 as NaN"),
    ],
    ids=["fold strategy raises", "tracker raises", "tracker too short", "NaN encoder"],
)
def test_a_plugin_failing_during_a_run_is_named_in_one_line(registry, values, message):
    with pytest.raises(PluginError) as info:
        run(registry, **values)

    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_a_plugin_that_breaks_on_import_is_reported_once(tmp_path, monkeypatch, caplog):
    (tmp_path / "fake_ifl_once.py").write_text("raise RuntimeError('broken at import')")
    info = tmp_path / "fake-once-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-once\n"
                                   "Version: 0.1\n")
    (info / "entry_points.txt").write_text("[ifl.plugins]\nfake_ifl_once = "
                                           "fake_ifl_once\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    with caplog.at_level(logging.WARNING, logger="ifl_core.registry"):
        first = build_plugin_manager()[1]
        second = build_plugin_manager()[1]

    assert [f.plugin for f in first.failures] == ["fake_ifl_once"]
    assert [f.plugin for f in second.failures] == ["fake_ifl_once"]
    reports = [r for r in caplog.records if "fake_ifl_once" in r.getMessage()]
    assert len(reports) == 1
    assert "broken at import" in reports[0].getMessage()
    assert "dec" in first.names("clusterer")

    from typer.testing import CliRunner

    from ifl_cli.app import app

    listed = CliRunner().invoke(app, ["list-plugins"])
    assert listed.exit_code == 0, listed.output
    mentions = [line for line in listed.stderr.splitlines() if "fake_ifl_once" in line]
    assert mentions == ["skipped plugin fake_ifl_once: RuntimeError: broken at import"]
