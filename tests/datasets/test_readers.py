"""Readers of the canonical formats, on tiny files written by the tests."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from ifl_core.datasets.readers import (
    hapt_windows,
    read_arff_texts,
    read_array_pair,
    read_hapt_raw,
    read_idx,
    read_uci_har,
    read_usps_h5,
    window_statistics,
)
from ifl_core.errors import DataError

from .conftest import hapt_zip, write_idx


def test_idx_round_trip_keeps_shape_and_values(tmp_path):
    array = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", array)

    got = read_idx(tmp_path / "a.gz")

    assert got.shape == (2, 3, 4)
    assert got[1, 2, 3] == 23


def test_idx_with_bad_magic_is_a_data_error(tmp_path):
    (tmp_path / "a.idx").write_bytes(b"\x01\x02\x03\x04")

    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(tmp_path / "a.idx")


def test_idx_with_truncated_body_names_the_sizes(tmp_path):
    write_idx(tmp_path / "a.gz", np.zeros((2, 2)))
    import gzip

    raw = gzip.decompress((tmp_path / "a.gz").read_bytes())[:-1]
    (tmp_path / "b.idx").write_bytes(raw)

    with pytest.raises(DataError, match="announces shape"):
        read_idx(tmp_path / "b.idx")


def test_hapt_zip_gives_signals_and_zero_based_inclusive_segments(tmp_path):
    hapt_zip(tmp_path / "RawData.zip", prefix="HAPT Data Set/RawData/")

    signals, segments = read_hapt_raw(tmp_path / "RawData.zip")

    assert signals[1].shape == (400, 6)
    assert segments.tolist()[0] == [1, 1, 1, 0, 199]
    windows, labels, users = hapt_windows(signals, segments, width=128, step=64)
    # walking 0..199 (200 samples) holds windows at 0 and 64; laying 220..399
    # (180 samples) only the one at 220; the transition 7 is left out
    assert labels.tolist() == [1, 1, 6]
    assert users.tolist() == [1, 1, 1]
    np.testing.assert_allclose(windows[2, 0, :3], signals[1][220, :3])


def test_window_statistics_are_8_channels_by_8_statistics():
    windows = np.zeros((2, 10, 6))
    windows[1, :, 0] = np.arange(10)

    stats, columns = window_statistics(windows)

    assert stats.shape == (2, 64)
    assert columns[0] == "acc_x_mean"
    assert stats[1, columns.index("acc_x_mean")] == pytest.approx(4.5)
    assert stats[1, columns.index("acc_x_mad_diff")] == pytest.approx(1.0)
    assert stats[1, columns.index("acc_mag_max")] == pytest.approx(9.0)


def test_arff_texts_unescape_quotes_and_newlines(tmp_path):
    path = tmp_path / "a.arff"
    path.write_text(
        "@relation x\n\n@attribute Text string\n@attribute c {0,1}\n\n"
        "@data\n\n'it\\'s a \\\"test\\\"\\nline two',1\n'plain',0\n"
    )

    texts, classes = read_arff_texts(path)

    assert texts == ['it\'s a "test"\nline two', "plain"]
    assert classes == ["1", "0"]


def test_arff_without_data_section_is_a_data_error(tmp_path):
    path = tmp_path / "a.arff"
    path.write_text("@relation x\n")

    with pytest.raises(DataError, match="no @data"):
        read_arff_texts(path)


def _har_files(root, n_train=3, n_test=2, width=561):
    for split, n in (("train", n_train), ("test", n_test)):
        (root / split).mkdir(parents=True)
        rows = [
            "  " + " ".join(f"{(i + j) / 1000:.7e}" for j in range(width))
            for i in range(n)
        ]
        (root / split / f"X_{split}.txt").write_text("\n".join(rows) + "\n")
        (root / split / f"y_{split}.txt").write_text(
            "\n".join(str(i % 6 + 1) for i in range(n)) + "\n"
        )


def test_uci_har_folder_puts_train_rows_first(tmp_path):
    _har_files(tmp_path / "UCI HAR Dataset")

    X, y, test = read_uci_har(tmp_path / "UCI HAR Dataset")

    assert X.shape == (5, 561)
    assert y.tolist() == [1, 2, 3, 1, 2]
    assert test.tolist() == [False, False, False, True, True]
    assert X[1, 2] == pytest.approx(0.003)


def test_uci_har_reads_the_zip_inside_the_uci_zip(tmp_path):
    _har_files(tmp_path / "UCI HAR Dataset")
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        for path in (tmp_path / "UCI HAR Dataset").rglob("*.txt"):
            archive.write(
                path,
                "UCI HAR Dataset/"
                + str(path.relative_to(tmp_path / "UCI HAR Dataset")),
            )
    outer = tmp_path / "UCI_HAR.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.write(inner, "UCI HAR Dataset.zip")

    X, y, test = read_uci_har(outer)

    assert X.shape == (5, 561)
    assert int(test.sum()) == 2


def test_usps_h5_train_then_test(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "usps.h5"
    with h5py.File(path, "w") as handle:
        for group, n in (("train", 4), ("test", 2)):
            g = handle.create_group(group)
            g["data"] = np.full((n, 256), 0.5 if group == "train" else 0.25)
            g["target"] = np.arange(n)

    X, y, test = read_usps_h5(path)

    assert X.shape == (6, 256)
    assert y.tolist() == [0, 1, 2, 3, 0, 1]
    assert X[5, 0] == 0.25 and test.sum() == 2


def test_array_pair_accepts_data_label_and_refuses_objects(tmp_path):
    np.savez(tmp_path / "a.npz", data=np.ones((3, 2)), label=np.array([0, 1, 1]))
    np.savez(tmp_path / "b.npz", X=np.array([{"a": 1}], dtype=object), y=[0])

    X, y = read_array_pair(tmp_path / "a.npz")

    assert X.shape == (3, 2) and y.tolist() == [0, 1, 1]
    with pytest.raises(DataError):
        read_array_pair(tmp_path / "b.npz")
