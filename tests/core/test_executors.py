"""Executors: in-process, local processes (joblib) and Dask give the same features."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from ifl_core.engine import Components, fit_folds, run_inner_folding
from ifl_core.errors import ConfigError
from ifl_core.executors import (
    DaskExecutor,
    Executor,
    InProcessExecutor,
    JoblibExecutor,
    make_executor,
)
from ifl_core.runner import extract
from ifl_core.settings import make_settings
from ifl_core.transformer import IFLTransformer
from tests.conftest import threads


def kmeans_settings(**values):
    return make_settings({"clusterer": "kmeans", "n_clusters": 10, "n_folds": 3,
                          "seed": 4, **values})


class ReversedExecutor(InProcessExecutor):
    """Completes the folds last to first, as a cluster may."""

    def map(self, task, X, indices):
        for index in reversed(list(indices)):
            yield task(X, index)


def test_outcomes_come_back_in_fold_order_whatever_order_they_finish(small_digits):
    X, _ = small_digits
    components = Components(kmeans_settings())
    folds = components.fold_strategy.split(len(X))
    seen = []

    outcomes = fit_folds(
        X, components, folds, lambda event, **d: seen.append(d["index"]),
        ReversedExecutor(),
    )

    assert seen == [2, 1, 0]
    assert [o.index for o in outcomes] == [0, 1, 2]
    for outcome, fold in zip(outcomes, folds):
        np.testing.assert_array_equal(outcome.test, fold.test)


def test_two_local_processes_give_the_in_process_features(small_digits):
    X, y = small_digits
    executor = JoblibExecutor(2, threads_per_job=1)
    with threads(1):
        local = extract(X, kmeans_settings(), report_labels=y)
    jobs = extract(X, kmeans_settings(), report_labels=y, executor=executor)

    np.testing.assert_array_equal(jobs.result.features, local.result.features)
    np.testing.assert_array_equal(jobs.result.fold_of_row, local.result.fold_of_row)
    assert jobs.record["executor"] == {"kind": "joblib", "workers": 2,
                                       "threads_per_worker": 1}
    assert local.record["executor"] == {"kind": "in-process", "workers": 1}


def test_make_executor_picks_the_executor_from_the_options():
    assert type(make_executor()) is InProcessExecutor
    assert make_executor("local", jobs=3).workers == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "spark"}, "unknown executor 'spark'; available: local, dask"),
        ({"name": "local", "jobs": 0}, "jobs must be an integer of at least 1, got 0"),
        ({"name": "local", "jobs": -2}, "jobs must be an integer of at least 1, got -2"),
        ({"name": "local", "scheduler": "tcp://h:1"}, "need the dask executor"),
        ({"name": "dask", "scheduler": "tcp://h:1", "jobs": 2}, "jobs applies"),
        ({"name": "dask"}, "needs a scheduler address"),
    ],
)
def test_make_executor_rejects_inconsistent_options(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        make_executor(**kwargs)


def test_missing_dask_is_one_line_that_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)

    with pytest.raises(ConfigError) as info:
        make_executor("dask", scheduler="tcp://127.0.0.1:8786")

    assert str(info.value) == (
        "the dask executor needs dask.distributed; install it with "
        "pip install 'ifl[dask]'"
    )


def test_transformer_rejects_an_executor_that_is_not_one(small_digits):
    X, _ = small_digits
    with pytest.raises(ConfigError, match="executor must be an .*Executor or None"):
        IFLTransformer("kmeans", n_clusters=3, n_folds=2, executor="dask").fit(X)


def test_cloning_a_transformer_shares_its_executor():
    from sklearn.base import clone

    executor = JoblibExecutor(2)
    copy = clone(IFLTransformer("kmeans", n_clusters=3, executor=executor))

    assert copy.executor is executor
    assert isinstance(copy.executor, Executor)


def test_in_process_run_is_the_default_of_the_engine(small_digits):
    X, _ = small_digits
    default, _ = run_inner_folding(X, Components(kmeans_settings()))
    explicit, _ = run_inner_folding(
        X, Components(kmeans_settings()), executor=InProcessExecutor()
    )

    np.testing.assert_array_equal(default.features, explicit.features)


def test_dask_executor_needs_exactly_one_way_to_reach_the_cluster():
    pytest.importorskip("distributed")
    with pytest.raises(ConfigError, match="needs a scheduler address or a client"):
        DaskExecutor()
    with pytest.raises(ConfigError, match="needs a scheduler address or a client"):
        DaskExecutor("tcp://127.0.0.1:1", client=object())
