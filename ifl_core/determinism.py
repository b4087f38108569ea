"""PyTorch's strict deterministic mode, switched on for the length of a run.

Without it, every model is already seeded from the run seed and the model's index
(see :func:`ifl_core.engine.fold_seed`), which makes CPU runs repeat bit for bit on
the same machine and software. On a GPU some kernels (atomic adds in reductions and
in the backward pass of indexing) may sum in a different order from run to run;
the strict mode makes PyTorch pick deterministic kernels, or raise when an operation
has none. ``docs/reliability.md`` says what is and is not promised.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

import torch

log = logging.getLogger(__name__)

#: cuBLAS needs this workspace setting for reproducible results (CUDA ≥ 10.2).
CUBLAS_ENV = "CUBLAS_WORKSPACE_CONFIG"
CUBLAS_VALUE = ":4096:8"


def prepare_environment() -> None:
    """Set the cuBLAS workspace variable unless the user set it.

    It must be set before the first CUDA call of the process, so the command line
    calls this before any model is built.
    """
    if os.environ.get(CUBLAS_ENV) is None:
        os.environ[CUBLAS_ENV] = CUBLAS_VALUE


@contextlib.contextmanager
def deterministic(enabled: bool = True) -> Iterator[None]:
    """Run the block in PyTorch's strict deterministic mode; restore the old mode.

    With ``enabled=False`` the block runs unchanged. Inside the mode, an operation
    without a deterministic implementation raises ``RuntimeError`` (which the engine
    reports as a failure of the clusterer plugin that called it).
    """
    if not enabled:
        yield
        return
    prepare_environment()
    before = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.deterministic,
        torch.backends.cudnn.benchmark,
    )
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    log.info("PyTorch deterministic algorithms enabled")
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])
        torch.backends.cudnn.deterministic = before[2]
        torch.backends.cudnn.benchmark = before[3]
