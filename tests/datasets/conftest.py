"""Fixtures for data-set tests: tiny files in the canonical formats, and the real
data directory (skipped when absent, an error in CI)."""

from __future__ import annotations

import gzip
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ifl_core.datasets import DATA_DIR_ENV


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as a gzipped IDX file."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def tiny_mnist(tmp_path):
    """A data dir with mnist/ holding 6 train and 4 test 28x28 images."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    rng = np.random.default_rng(0)
    parts = {"train": 6, "t10k": 4}
    for part, n in parts.items():
        write_idx(
            folder / f"{part}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28))
        )
        write_idx(folder / f"{part}-labels-idx1-ubyte.gz", np.arange(n) % 3)
    return tmp_path


def hapt_zip(path: Path, prefix: str = "RawData/") -> None:
    """A RawData zip: one experiment of 400 samples, walking then laying."""
    t = np.arange(400)
    acc = np.c_[np.sin(t / 5), np.cos(t / 7), np.full(400, 0.5)]
    gyro = np.c_[t / 400, -t / 400, np.zeros(400)]

    def text(a):
        return "\n".join(" ".join(repr(float(v)) for v in row) for row in a) + "\n"

    labels = "1 1 1 0 199\n1 1 7 200 219\n1 1 6 220 399\n"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{prefix}acc_exp01_user01.txt", text(acc))
        archive.writestr(f"{prefix}gyro_exp01_user01.txt", text(gyro))
        archive.writestr(f"{prefix}labels.txt", labels)


@pytest.fixture
def real_data_dir() -> Path:
    """The data directory of ``IFL_DATA_DIR``; skip without it (fail in CI)."""
    raw = os.environ.get(DATA_DIR_ENV)
    if not raw or not Path(raw).is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{DATA_DIR_ENV} must name the data directory in CI")
        pytest.skip(f"{DATA_DIR_ENV} does not name a data directory")
    return Path(raw)
