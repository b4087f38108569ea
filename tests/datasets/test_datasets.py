"""Data sets: registry, files, checksums, loading, fetching."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest

from ifl_core.datasets import (
    DataFile,
    Dataset,
    LoadedData,
    dataset_names,
    fetch_dataset,
    get_dataset,
    load_dataset,
    verify_file,
)
from ifl_core.errors import ConfigError, DataError
from ifl_core.hookspecs import hookimpl
from ifl_core.registry import build_plugin_manager

from .conftest import hapt_zip

MNIST_NAMES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]


def test_builtin_sets_are_registered_under_kind_dataset():
    assert {
        "digits",
        "mnist",
        "fashion-mnist",
        "hapt",
        "reuters-weka",
        "uci-har",
        "usps",
        "reuters10k",
    } <= set(dataset_names())


class _Tiny(Dataset):
    name = "tiny"
    description = "two rows"
    shape = (2, 1)
    n_classes = 2

    def read(self, folder):
        return LoadedData(np.array([[0.0], [1.0]]), np.array([0, 1]), ["a", "b"])


class _TinyPlugin:
    @hookimpl
    def ifl_register(self, registry):
        registry.add("dataset", _Tiny)


def test_a_plugin_adds_a_data_set_through_the_same_hook():
    _, registry = build_plugin_manager(
        entry_points=False, extra_plugins=(_TinyPlugin(),)
    )

    data = get_dataset("tiny", registry=registry).load(None)

    assert "tiny" in registry.names("dataset")
    assert data.y.tolist() == [0, 1]


def test_unknown_data_set_lists_the_available_ones():
    with pytest.raises(
        ConfigError, match="unknown dataset 'mnsit'; available: .*mnist"
    ):
        get_dataset("mnsit")


def test_digits_needs_no_data_directory():
    data = load_dataset("digits")

    assert data.X.shape == (1797, 64)
    assert data.n_classes == 10
    assert float(data.X.max()) == 1.0


def test_mnist_layout_loads_train_then_test_scaled(tiny_mnist, monkeypatch):
    ds = get_dataset("mnist")
    monkeypatch.setattr(type(ds), "files", tuple(DataFile(n) for n in MNIST_NAMES))

    data = ds.load(tiny_mnist)

    assert data.X.shape == (10, 784)
    assert data.X.dtype == np.float32 and float(data.X.max()) <= 1.0
    assert data.y.tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
    assert data.info["test_rows"].sum() == 4


def test_missing_file_error_names_the_file_and_where_to_put_it(tmp_path):
    with pytest.raises(DataError) as info:
        load_dataset("mnist", tmp_path)

    message = str(info.value)
    assert "train-images-idx3-ubyte.gz not found" in message
    assert str(tmp_path / "mnist" / "train-images-idx3-ubyte.gz") in message
    assert "ifl datasets fetch mnist" in message
    assert "\n" not in message


def test_checksum_mismatch_is_refused(tiny_mnist):
    with pytest.raises(DataError, match="does not match its known SHA-256"):
        load_dataset("mnist", tiny_mnist)


def test_verify_accepts_a_match_of_the_decompressed_content(tmp_path):
    import gzip

    path = tmp_path / "f.gz"
    path.write_bytes(gzip.compress(b"hello"))
    content = hashlib.sha256(b"hello").hexdigest()

    assert verify_file(path, DataFile("f.gz", "0" * 64, content)) is True
    assert verify_file(path, DataFile("f.gz", "0" * 64, "1" * 64)) is False
    assert verify_file(path, DataFile("f.gz")) is None


def test_hapt_windows_from_a_raw_data_zip(tmp_path):
    (tmp_path / "hapt").mkdir()
    hapt_zip(tmp_path / "hapt" / "RawData.zip")
    ds = get_dataset("hapt", {"representation": "flat"})

    data = ds.load(tmp_path, verify=False)

    assert data.X.shape == (3, 768)
    assert data.class_names == ["walking", "laying"]
    assert data.y.tolist() == [0, 0, 1]


def test_hapt_rejects_an_unknown_representation():
    with pytest.raises(ConfigError, match="representation"):
        get_dataset("hapt", {"representation": "fft"})


def test_reuters_weka_joins_corn_and_grain_labels(tmp_path):
    folder = tmp_path / "reuters21578-weka"
    folder.mkdir()
    head = "@relation r\n@attribute Text string\n@attribute class-att {0,1}\n@data\n"
    texts = ["'corn prices rise'", "'wheat grain exports'", "'oil prices fall'"]
    for part in ("train", "test"):
        (folder / f"ReutersCorn-{part}.arff").write_text(
            head + "\n".join(f"{t},{c}" for t, c in zip(texts, "100")) + "\n"
        )
        (folder / f"ReutersGrain-{part}.arff").write_text(
            head + "\n".join(f"{t},{c}" for t, c in zip(texts, "110")) + "\n"
        )

    data = load_dataset("reuters-weka", tmp_path, verify=False)

    assert data.X.shape[0] == 6
    assert data.y.tolist() == [0, 1, 2, 0, 1, 2]
    assert data.X.format == "csr"


class _Stream(io.BytesIO):
    pass


def test_fetch_downloads_verifies_and_keeps_good_files(tmp_path):
    payload = b"abc"
    sha = hashlib.sha256(payload).hexdigest()
    source = tmp_path / "mirror"
    source.mkdir()
    (source / "a.bin").write_bytes(payload)

    class Remote(_Tiny):
        name = "remote"
        folder = "remote"
        files = (DataFile("a.bin", sha, url=(source / "a.bin").as_uri()),)

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    first = fetch_dataset(Remote(), data_dir)
    second = fetch_dataset(Remote(), data_dir)

    assert first == [("a.bin", "downloaded")]
    assert second == [("a.bin", "kept")]
    assert (data_dir / "remote" / "a.bin").read_bytes() == payload


def test_fetch_refuses_a_wrong_download_and_leaves_nothing(tmp_path):
    class Remote(_Tiny):
        name = "remote"
        folder = "remote"
        files = (DataFile("a.bin", "0" * 64, url="https://example.invalid/a.bin"),)

    with pytest.raises(DataError, match="does not match its known SHA-256"):
        fetch_dataset(Remote(), tmp_path, opener=lambda url: _Stream(b"evil"))

    assert list((tmp_path / "remote").iterdir()) == []


def test_fetch_without_a_known_checksum_needs_explicit_consent(tmp_path):
    ds = get_dataset("uci-har")

    with pytest.raises(DataError, match="--allow-unverified"):
        fetch_dataset(ds, tmp_path, opener=lambda url: _Stream(b"x"))
    done = fetch_dataset(
        ds, tmp_path, opener=lambda url: _Stream(b"x"), allow_unverified=True
    )

    assert done == [("UCI_HAR.zip", "downloaded")]


def test_fetch_of_a_set_without_address_says_where_to_get_it(tmp_path):
    with pytest.raises(DataError, match="no download address.*weka"):
        fetch_dataset(get_dataset("reuters-weka"), tmp_path)


def test_real_mnist_files_verify(real_data_dir):
    statuses = get_dataset("mnist").status(real_data_dir)

    assert [s.state for s in statuses] == ["verified"] * 4


@pytest.mark.slow
def test_real_hapt_gives_10411_windows_of_six_activities(real_data_dir):
    data = load_dataset("hapt", real_data_dir)

    assert data.X.shape == (10411, 64)
    assert np.bincount(data.y).tolist() == [1722, 1544, 1407, 1801, 1979, 1958]


@pytest.mark.slow
def test_real_reuters_weka_has_2158_documents(real_data_dir):
    data = load_dataset("reuters-weka", real_data_dir)

    assert data.X.shape == (2158, 2000)
    assert np.bincount(data.y).tolist() == [69, 92, 1997]
