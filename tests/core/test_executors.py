"""Executors: in-process, local processes (joblib) and Dask give the same features."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pytest

from ifl_core.engine import Components, fit_folds, run_inner_folding
from ifl_core.errors import ConfigError, ExecutorError
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
        ({"name": "local", "jobs": -2}, "jobs must be an integer of at least 1"),
        ({"name": "local", "scheduler": "tcp://h:1"}, "apply to the dask executor"),
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


def test_unreachable_scheduler_is_an_executor_error_that_names_it(small_digits):
    pytest.importorskip("distributed")
    X, _ = small_digits
    executor = DaskExecutor("tcp://127.0.0.1:1", connect_timeout=2)

    with pytest.raises(ExecutorError, match="cannot reach the dask scheduler at "
                       "tcp://127.0.0.1:1: Timed out"):
        run_inner_folding(X, Components(kmeans_settings()), executor=executor)


def test_dask_executor_needs_exactly_one_way_to_reach_the_cluster():
    pytest.importorskip("distributed")
    with pytest.raises(ConfigError, match="needs a scheduler address or a client"):
        DaskExecutor()
    with pytest.raises(ConfigError, match="needs a scheduler address or a client"):
        DaskExecutor("tcp://127.0.0.1:1", client=object())


def test_a_fold_given_up_by_dask_is_one_line_naming_the_task_and_worker():
    distributed = pytest.importorskip("distributed")

    class GivenUp:
        def result(self):
            worker = SimpleNamespace(address="tcp://10.0.0.7:40000")
            raise distributed.KilledWorker("ifl-fold-3-ab12cd34", worker, 3)

    fake = SimpleNamespace(
        as_completed=lambda futures, **kwargs: iter(futures),
        KilledWorker=distributed.KilledWorker,
    )
    executor = DaskExecutor("tcp://127.0.0.1:8786")

    with pytest.raises(ExecutorError) as info:
        list(executor._gather(fake, SimpleNamespace(loop=None), [GivenUp()]))

    assert str(info.value) == (
        "dask task 'ifl-fold-3-ab12cd34' was given up: 4 workers died while running "
        "it (the last: tcp://10.0.0.7:40000); see the worker logs"
    )
