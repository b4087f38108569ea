"""Where the folds of inner folding run: in this process, in local processes, on Dask.

The models of inner folding are independent of each other, and each model's seed
depends only on the run seed and the model's index (:func:`ifl_core.engine.fold_seed`).
A fold therefore gives the same result wherever it runs, and an *executor* only has to
map a picklable per-fold task over fold indices and hand back the outcomes as they
finish. The engine puts them back in fold order.

Three executors ship with the package:

* :class:`InProcessExecutor` (the default): one fold after the other, here;
* :class:`JoblibExecutor`: ``n_jobs`` local worker processes (joblib's ``loky``);
* :class:`DaskExecutor`: one task per fold on an existing ``dask.distributed``
  cluster (the optional extra ``ifl[dask]``).
"""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ifl_core.errors import ConfigError, ExecutorError

if TYPE_CHECKING:
    from ifl_core.engine import FoldOutcome

log = logging.getLogger(__name__)

#: ``task(X, index)``: fits model ``index`` on its inner train and returns its outcome.
#: It must be picklable for the executors that run folds in other processes.
FoldTask = Callable[[Any, int], "FoldOutcome"]

#: Names accepted by :func:`make_executor` (and the command line's ``--executor``).
EXECUTOR_NAMES = ("local", "dask")


class Executor(ABC):
    """Runs per-fold tasks and yields their outcomes as they complete.

    Subclasses state what they are in :attr:`kind`; :attr:`workers` is the number of
    worker processes (known after :meth:`map` started, for executors that connect to
    a cluster).
    """

    #: Short name written to the run record (``in-process``, ``joblib``, ``dask``).
    kind: ClassVar[str]
    #: Whether folds run in other processes, so that the task and the data are
    #: pickled (a plugin's classes must then be importable there).
    out_of_process: ClassVar[bool] = False

    @property
    @abstractmethod
    def workers(self) -> int:
        """How many worker processes run the folds (1: the calling process)."""

    @abstractmethod
    def map(
        self, task: FoldTask, X: Any, indices: Sequence[int]
    ) -> Iterator[FoldOutcome]:
        """Run ``task(X, i)`` for every ``i`` in ``indices``.

        Yields each outcome as soon as it is available, in any order; raises the
        first error of a fold that cannot be completed.
        """

    def describe(self) -> dict[str, Any]:
        """What the run record keeps about the executor: kind and worker count."""
        return {"kind": self.kind, "workers": self.workers}

    def __deepcopy__(self, memo: dict[int, Any]) -> Executor:
        # An executor is a handle on compute resources (for Dask, a live client), not
        # a value: estimator cloning and copying share it instead of duplicating it.
        return self


class InProcessExecutor(Executor):
    """Runs the folds one after the other in the calling process."""

    kind = "in-process"

    @property
    def workers(self) -> int:
        return 1

    def map(
        self, task: FoldTask, X: Any, indices: Sequence[int]
    ) -> Iterator[FoldOutcome]:
        for index in indices:
            yield task(X, index)


class JoblibExecutor(Executor):
    """Runs the folds in ``n_jobs`` local processes with joblib's ``loky`` backend.

    Large arrays are handed to the workers as memory maps by joblib, so the data is
    not copied once per fold. A worker that dies fails the run (there is no retry;
    use :class:`DaskExecutor` for that).

    Parameters
    ----------
    n_jobs : int
        Number of worker processes, at least 1.
    threads_per_job : int or None, default=None
        BLAS, OpenMP and torch threads of each worker; ``None`` shares the CPUs:
        ``max(cpu_count // n_jobs, 1)``. Multi-threaded sums round differently with
        another thread count, so the features match an in-process run bit for bit
        only when that run uses the same number of threads.
    """

    kind = "joblib"
    out_of_process = True

    def __init__(self, n_jobs: int, *, threads_per_job: int | None = None) -> None:
        _check_count(n_jobs, "jobs")
        if threads_per_job is not None:
            _check_count(threads_per_job, "threads_per_job")
        self.n_jobs = n_jobs
        self.threads_per_job = threads_per_job

    @property
    def workers(self) -> int:
        return self.n_jobs

    @property
    def threads(self) -> int:
        """BLAS, OpenMP and torch threads of each worker process."""
        if self.threads_per_job is not None:
            return self.threads_per_job
        from joblib import cpu_count

        return max(cpu_count() // self.n_jobs, 1)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "threads_per_worker": self.threads}

    def map(
        self, task: FoldTask, X: Any, indices: Sequence[int]
    ) -> Iterator[FoldOutcome]:
        from joblib import Parallel, delayed, parallel_config

        # The backend, with its thread limit, is fixed when Parallel is made; leaving
        # the context before iterating keeps the setting out of the caller's code.
        with parallel_config(backend="loky", inner_max_num_threads=self.threads):
            parallel = Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")
        yield from parallel(delayed(task)(X, index) for index in indices)


def _check_count(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be an integer of at least 1, got {value!r}")


class DaskExecutor(Executor):
    """Runs every fold as one task on an existing ``dask.distributed`` cluster.

    The data and the task are sent to every worker once (``Client.scatter`` with
    ``broadcast=True``), so that a worker that dies does not take the only copy with
    it. A fold whose worker dies is rescheduled by the scheduler; a fold whose task
    raises is retried ``retries`` times. Both are safe because a fold's result
    depends only on the run seed and the fold index.

    Parameters
    ----------
    scheduler : str or None
        Address of the scheduler, for example ``tcp://10.0.0.5:8786``. A client is
        opened for each run and closed after it.
    client : distributed.Client or None
        An open client to use instead (it is left open). Give ``scheduler`` or
        ``client``, not both.
    retries : int, default=2
        How many times a fold whose task raised is run again.
    resources : dict or None
        Worker resources each fold needs, for example ``{"GPU": 1}`` on workers
        started with ``--resources GPU=1``.
    timeout : float or None, default=None
        Seconds to wait for all folds to finish; ``None`` waits as long as they take.
    connect_timeout : float, default=30
        Seconds to wait for the scheduler to answer (with ``scheduler`` only).
    """

    kind = "dask"
    out_of_process = True

    def __init__(
        self,
        scheduler: str | None = None,
        *,
        client: Any = None,
        retries: int = 2,
        resources: dict[str, float] | None = None,
        timeout: float | None = None,
        connect_timeout: float = 30,
    ) -> None:
        if (scheduler is None) == (client is None):
            raise ConfigError("the dask executor needs a scheduler address or a client")
        if retries < 0:
            raise ConfigError(f"retries must be at least 0, got {retries}")
        import_distributed()
        self.scheduler = scheduler
        self.client = client
        self.retries = retries
        self.resources = dict(resources) if resources else None
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._workers = 0
        self._threads = 0

    @property
    def workers(self) -> int:
        return self._workers

    def describe(self) -> dict[str, Any]:
        # threads: Dask's task slots over all workers, so how many folds run at once.
        out = {**super().describe(), "threads": self._threads}
        if self.scheduler is not None:
            out["scheduler"] = self.scheduler
        if self.resources:
            out["resources"] = dict(self.resources)
        return out

    def map(
        self, task: FoldTask, X: Any, indices: Sequence[int]
    ) -> Iterator[FoldOutcome]:
        distributed = import_distributed()
        client = self.client or self._connect(distributed)
        futures = []
        try:
            workers = client.scheduler_info()["workers"]
            self._workers = len(workers)
            self._threads = sum(int(w.get("nthreads", 1)) for w in workers.values())
            if self._workers == 0:
                raise ExecutorError(
                    f"the dask cluster at {self._address(client)} has no workers"
                )
            offered = [w.get("resources", {}) for w in workers.values()]
            if self.resources and not any(_offers(o, self.resources) for o in offered):
                raise ExecutorError(
                    f"no worker of the dask cluster at {self._address(client)} offers "
                    f"the resources {self.resources}; start workers with --resources"
                )
            log.info("running %d folds on %d dask workers", len(indices), self._workers)
            x_ref, task_ref = client.scatter([X, task], broadcast=True, hash=False)
            run_id = uuid.uuid4().hex[:8]
            futures = [
                client.submit(
                    _run_fold_task, task_ref, x_ref, index,
                    key=f"ifl-fold-{index}-{run_id}", retries=self.retries,
                    resources=self.resources, pure=False,
                )
                for index in indices
            ]
            yield from self._gather(distributed, client, futures)
        finally:
            for future in futures:
                if not future.done():
                    future.cancel()
            if self.client is None:
                client.close()

    def _gather(
        self, distributed: Any, client: Any, futures: list[Any]
    ) -> Iterator[FoldOutcome]:
        try:
            done = distributed.as_completed(
                futures, loop=client.loop, timeout=self.timeout
            )
            for future in done:
                yield future.result()
        except distributed.KilledWorker as exc:
            raise ExecutorError(
                f"dask task {exc.task!r} was given up: {exc.allowed_failures + 1} "
                f"workers died while running it (the last: {exc.last_worker.address}); "
                "see the worker logs"
            ) from exc
        except TimeoutError as exc:
            raise ExecutorError(
                f"the folds did not finish on dask within {self.timeout} s"
            ) from exc

    def _connect(self, distributed: Any) -> Any:
        try:
            return distributed.Client(
                self.scheduler, timeout=self.connect_timeout, set_as_default=False
            )
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(
                f"cannot reach the dask scheduler at {self.scheduler}: {exc}"
            ) from None

    def _address(self, client: Any) -> str:
        return self.scheduler or str(client.scheduler.address)


def _offers(available: dict[str, float], needed: dict[str, float]) -> bool:
    return all(available.get(name, 0) >= amount for name, amount in needed.items())


def _run_fold_task(task: FoldTask, X: Any, index: int) -> FoldOutcome:
    """The function a Dask worker runs for one fold."""
    return task(X, index)


def import_distributed() -> Any:
    """``dask.distributed``, or a one-line :class:`ConfigError` when it is missing."""
    try:
        import distributed
    except ImportError:
        raise ConfigError(
            "the dask executor needs dask.distributed; install it with "
            "pip install 'ifl[dask]'"
        ) from None
    return distributed


def make_executor(
    name: str = "local",
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    resources: dict[str, float] | None = None,
    timeout: float | None = None,
) -> Executor:
    """The executor the command line asks for.

    Parameters
    ----------
    name : {"local", "dask"}
        ``local`` runs in this process (``jobs=1``) or in ``jobs`` local processes;
        ``dask`` sends the folds to the scheduler at ``scheduler``.
    jobs : int, default=1
        Local worker processes (``local`` only).
    scheduler : str or None
        Dask scheduler address (``dask`` only, required there).
    resources : dict or None
        Worker resources every fold needs (``dask`` only).
    timeout : float or None
        Seconds to wait for all folds before giving up (``dask`` only).
    """
    if name not in EXECUTOR_NAMES:
        raise ConfigError(
            f"unknown executor {name!r}; available: {', '.join(EXECUTOR_NAMES)}"
        )
    if name == "local":
        if scheduler is not None or resources or timeout is not None:
            raise ConfigError(
                "scheduler, resources and timeout apply to the dask executor only"
            )
        _check_count(jobs, "jobs")
        return InProcessExecutor() if jobs == 1 else JoblibExecutor(jobs)
    if jobs != 1:
        raise ConfigError("jobs applies to the local executor; dask uses its workers")
    if not scheduler:
        raise ConfigError("the dask executor needs a scheduler address (--scheduler)")
    if timeout is not None and not timeout > 0:
        raise ConfigError(
            f"timeout must be a positive number of seconds, got {timeout}"
        )
    return DaskExecutor(scheduler, resources=resources, timeout=timeout)
