"""The strict deterministic mode is switched on for a block and restored after it."""

from __future__ import annotations

import os

import pytest
import torch

from ifl_core.determinism import CUBLAS_ENV, deterministic


def test_strict_mode_is_on_inside_and_restored_after(monkeypatch):
    monkeypatch.delenv(CUBLAS_ENV, raising=False)
    assert not torch.are_deterministic_algorithms_enabled()

    with deterministic():
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.backends.cudnn.deterministic
        assert not torch.backends.cudnn.benchmark
        assert os.environ[CUBLAS_ENV] == ":4096:8"

    assert not torch.are_deterministic_algorithms_enabled()
    assert not torch.backends.cudnn.deterministic


def test_mode_is_restored_when_the_block_raises():
    with pytest.raises(RuntimeError, match="inside"):
        with deterministic():
            raise RuntimeError("inside")

    assert not torch.are_deterministic_algorithms_enabled()


def test_disabled_leaves_everything_alone(monkeypatch):
    monkeypatch.setenv(CUBLAS_ENV, ":16:8")
    with deterministic(False):
        assert not torch.are_deterministic_algorithms_enabled()
    with deterministic():
        assert os.environ[CUBLAS_ENV] == ":16:8"
