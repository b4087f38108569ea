"""Resolution of the ``device`` setting (``auto``, ``cpu``, ``cuda``, ``cuda:N``)."""

from __future__ import annotations

import logging

import torch

from ifl_core.errors import DeviceError

log = logging.getLogger(__name__)


def resolve_device(device: str) -> torch.device:
    """The torch device for ``device``; ``auto`` picks CUDA when it is available.

    Raises :class:`DeviceError` for an unknown name or a device this machine lacks.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise DeviceError(
            f"unknown device {device!r}; use auto, cpu, cuda or cuda:N"
        ) from exc
    if resolved.type == "cpu":
        return resolved
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {device!r} requested but CUDA is not available")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise DeviceError(
                f"device {device!r} requested but only {torch.cuda.device_count()} "
                "CUDA device(s) exist"
            )
        return resolved
    if resolved.type == "mps":
        if not torch.backends.mps.is_available():
            raise DeviceError(f"device {device!r} requested but MPS is not available")
        return resolved
    raise DeviceError(f"unsupported device {device!r}; use auto, cpu, cuda or cuda:N")


def check_device(device: str) -> str:
    """Validate ``device`` early; returns it unchanged."""
    resolve_device(device)
    return device
