"""Readers of the canonical file formats of the data sets.

Each reader takes paths and returns plain arrays; turning them into a data set (rows,
scaling, labels) is the job of :mod:`ifl_core.datasets.builtin`. Every failure is a
one-line :class:`~ifl_core.errors.DataError` naming the file.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from pathlib import Path

import numpy as np

from ifl_core.errors import DataError

_IDX_TYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


def read_idx(path: Path) -> np.ndarray:
    """An IDX array (the MNIST format), gzipped or not.

    The header is two zero bytes, a type code, the number of dimensions and one
    big-endian 32-bit size per dimension.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read {path.name}: {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise DataError(f"{path.name} is not an IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(
            f"{path.name}: header announces shape {dims} ({expected} bytes) but "
            f"{len(raw) - header} bytes follow"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)


# -------------------------------------------------------------------------- HAPT raw

_RAW_NAME = re.compile(r"(?:^|/)RawData/(acc|gyro)_exp(\d+)_user(\d+)\.txt$")
_LABELS_NAME = re.compile(r"(?:^|/)RawData/labels\.txt$")


def _floats(text: bytes, name: str, width: int) -> np.ndarray:
    try:
        values = np.array(text.split(), dtype=np.float64)
    except ValueError:
        raise DataError(f"{name}: non-numeric value") from None
    if values.size % width:
        raise DataError(f"{name}: {values.size} numbers do not form rows of {width}")
    return values.reshape(-1, width)


def read_hapt_raw(source: Path) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """Signals and label segments of the UCI HAPT ``RawData`` layout.

    ``source`` is a folder holding ``RawData/`` or a zip file with ``RawData/``
    anywhere inside (the UCI archive or a zip of the folder alone).

    Returns
    -------
    signals : dict experiment -> array (n_samples, 6)
        Columns acc x/y/z (g) then gyro x/y/z (rad/s), 50 Hz.
    segments : int array (m, 5)
        Rows of ``labels.txt``: experiment, user, activity, start, end. ``start``
        and ``end`` are 0-based sample indices, both inclusive.
    """
    texts: dict[str, bytes] = {}
    if source.is_dir():
        folder = source / "RawData"
        if not folder.is_dir():
            raise DataError(f"{source} holds no RawData folder")
        for path in folder.iterdir():
            texts[f"RawData/{path.name}"] = path.read_bytes()
    else:
        try:
            with zipfile.ZipFile(source) as archive:
                for name in archive.namelist():
                    if _RAW_NAME.search(name) or _LABELS_NAME.search(name):
                        texts[name] = archive.read(name)
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataError(f"cannot read {source.name}: {exc}") from None

    labels = [t for n, t in texts.items() if _LABELS_NAME.search(n)]
    if not labels:
        raise DataError(f"{source.name} holds no RawData/labels.txt")
    segments = _floats(labels[0], "labels.txt", 5).astype(np.int64)

    acc: dict[int, np.ndarray] = {}
    gyro: dict[int, np.ndarray] = {}
    for name, text in texts.items():
        match = _RAW_NAME.search(name)
        if match:
            target = acc if match.group(1) == "acc" else gyro
            target[int(match.group(2))] = _floats(text, Path(name).name, 3)
    if not acc:
        raise DataError(f"{source.name} holds no RawData/acc_exp*_user*.txt files")
    signals = {}
    for exp, a in acc.items():
        g = gyro.get(exp)
        if g is None or len(g) != len(a):
            raise DataError(f"experiment {exp}: acc and gyro files missing or unequal")
        signals[exp] = np.hstack([a, g])
    return signals, segments


def hapt_windows(
    signals: dict[int, np.ndarray],
    segments: np.ndarray,
    activities: tuple[int, ...] = (1, 2, 3, 4, 5, 6),
    width: int = 128,
    step: int = 64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut fixed windows inside each labelled segment of the given activities.

    Returns windows (n, width, 6), their activity (n,) and user (n,). A window never
    crosses a segment boundary, so each has one activity.
    """
    windows, labels, users = [], [], []
    for exp, user, activity, start, end in segments:
        if activity not in activities or exp not in signals:
            continue
        signal = signals[exp][start : end + 1]
        for left in range(0, len(signal) - width + 1, step):
            windows.append(signal[left : left + width])
            labels.append(activity)
            users.append(user)
    if not windows:
        raise DataError("no window fits inside the labelled segments")
    return np.stack(windows), np.asarray(labels), np.asarray(users)


def window_statistics(windows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Per-channel statistics of windows (n, width, 6): 8 channels x 8 statistics.

    Channels: acc x/y/z, gyro x/y/z and the magnitudes of acc and gyro. Statistics:
    mean, standard deviation, minimum, 25 %, median, 75 %, maximum and the mean
    absolute difference between consecutive samples.
    """
    acc_mag = np.linalg.norm(windows[:, :, :3], axis=2, keepdims=True)
    gyro_mag = np.linalg.norm(windows[:, :, 3:], axis=2, keepdims=True)
    w = np.concatenate([windows, acc_mag, gyro_mag], axis=2)
    q25, q50, q75 = np.percentile(w, [25, 50, 75], axis=1)
    stats = [
        w.mean(1),
        w.std(1),
        w.min(1),
        q25,
        q50,
        q75,
        w.max(1),
        np.abs(np.diff(w, axis=1)).mean(1),
    ]
    channels = [
        "acc_x",
        "acc_y",
        "acc_z",
        "gyro_x",
        "gyro_y",
        "gyro_z",
        "acc_mag",
        "gyro_mag",
    ]
    names = ["mean", "std", "min", "q25", "median", "q75", "max", "mad_diff"]
    columns = [f"{c}_{s}" for s in names for c in channels]
    return np.hstack(stats), columns


# ------------------------------------------------------------------------------ ARFF

_ARFF_ROW = re.compile(r"^'(.*)',\s*([^,\s]+)\s*$")


def read_arff_texts(path: Path) -> tuple[list[str], list[str]]:
    """Texts and class values of an ARFF file with a string and a nominal attribute.

    Each ``@data`` line is ``'text',class`` with ``\\'``, ``\\"`` and ``\\n``
    escapes inside the text.
    """
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read {path.name}: {exc}") from None
    try:
        start = next(
            i for i, line in enumerate(lines) if line.strip().lower() == "@data"
        )
    except StopIteration:
        raise DataError(f"{path.name} has no @data section") from None
    texts, classes = [], []
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        if not line.strip() or line.startswith("%"):
            continue
        match = _ARFF_ROW.match(line)
        if not match:
            raise DataError(f"{path.name} line {number} is not 'text',class")
        text = match.group(1).replace("\\n", "\n").replace("\\'", "'")
        texts.append(text.replace('\\"', '"'))
        classes.append(match.group(2))
    return texts, classes


# ---------------------------------------------------------------- sets not shipped here


def read_uci_har(source: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The UCI HAR 561-feature matrix from its text layout.

    ``source`` is the ``UCI HAR Dataset`` folder (with ``train/X_train.txt``,
    ``train/y_train.txt``, ``test/X_test.txt``, ``test/y_test.txt``) or a zip that
    holds those files at any depth. Returns X (10299, 561) with the training rows
    first, y (activities 1-6) and a boolean mask of the test rows.
    """
    wanted = [
        "train/X_train.txt",
        "train/y_train.txt",
        "test/X_test.txt",
        "test/y_test.txt",
    ]
    texts: dict[str, bytes] = {}
    if source.is_dir():
        for name in wanted:
            path = source / name
            if not path.is_file():
                raise DataError(f"UCI HAR file {name} not found in {source}")
            texts[name] = path.read_bytes()
    else:
        try:
            _collect_from_zip(zipfile.ZipFile(source), wanted, texts)
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataError(f"cannot read {source.name}: {exc}") from None
        missing = [name for name in wanted if name not in texts]
        if missing:
            raise DataError(f"{source.name} lacks {', '.join(missing)}")
    parts = []
    for split in ("train", "test"):
        x = texts[f"{split}/X_{split}.txt"].split(b"\n")
        rows = [line for line in x if line.strip()]
        width = len(rows[0].split())
        X = _floats(b"\n".join(rows), f"X_{split}.txt", width)
        y = _floats(texts[f"{split}/y_{split}.txt"], f"y_{split}.txt", 1)[:, 0]
        if len(y) != len(X):
            raise DataError(f"X_{split}.txt has {len(X)} rows, y_{split}.txt {len(y)}")
        parts.append((X, y.astype(np.int64)))
    X = np.vstack([parts[0][0], parts[1][0]])
    y = np.concatenate([parts[0][1], parts[1][1]])
    test = np.r_[np.zeros(len(parts[0][1]), bool), np.ones(len(parts[1][1]), bool)]
    return X, y, test


def _collect_from_zip(
    archive: zipfile.ZipFile, wanted: list[str], texts: dict[str, bytes]
) -> None:
    """Find ``wanted`` files at any depth, also inside zips within the zip (the UCI
    archive of HAR wraps a second zip)."""
    with archive:
        for entry in archive.namelist():
            for name in wanted:
                if entry == name or entry.endswith("/" + name):
                    texts[name] = archive.read(entry)
            if entry.lower().endswith(".zip") and len(texts) < len(wanted):
                inner = zipfile.ZipFile(io.BytesIO(archive.read(entry)))
                _collect_from_zip(inner, wanted, texts)


def read_usps_h5(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """USPS in its common HDF5 form: groups ``train`` and ``test``, each holding
    ``data`` (n, 256) in [0, 1] and ``target`` (n,). Needs ``h5py``.

    Returns X (training rows first), y and a boolean mask of the test rows.
    """
    try:
        import h5py
    except ImportError:
        raise DataError(
            "reading usps.h5 needs h5py; install it with: pip install 'ifl[hdf5]'"
        ) from None
    try:
        with h5py.File(path, "r") as handle:
            parts = [
                (np.asarray(handle[g]["data"]), np.asarray(handle[g]["target"]))
                for g in ("train", "test")
            ]
    except (OSError, KeyError) as exc:
        raise DataError(f"cannot read {path.name}: {exc}") from None
    X = np.vstack([p[0] for p in parts]).reshape(-1, 256)
    y = np.concatenate([p[1] for p in parts]).astype(np.int64)
    test = np.r_[np.zeros(len(parts[0][1]), bool), np.ones(len(parts[1][1]), bool)]
    return X, y, test


def read_array_pair(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """X and y from an ``.npz`` holding ``data`` and ``label`` (or ``X`` and ``y``).

    Never unpickles: object arrays are refused.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            for x_key, y_key in (("data", "label"), ("X", "y")):
                if {x_key, y_key} <= names:
                    return archive[x_key], np.asarray(archive[y_key]).ravel()
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"cannot read {path.name}: {exc}") from None
    raise DataError(
        f"{path.name} holds {', '.join(sorted(names))}; expected data and label "
        "(or X and y)"
    )
