"""The built-in data sets.

Available here: ``digits`` (bundled with scikit-learn), ``mnist``,
``fashion-mnist``, ``hapt`` (raw smartphone signals cut into windows) and
``reuters-weka`` (a small Reuters-21578 text set). Readers only, for the paper's
other sets: ``uci-har`` (the 561-feature matrix), ``usps`` (HDF5) and
``reuters10k`` (an array pair).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from ifl_core.datasets.base import DataFile, Dataset, LoadedData, as_codes
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
from ifl_core.interfaces import PluginParams

_ACTIVITIES = [
    "walking",
    "walking upstairs",
    "walking downstairs",
    "sitting",
    "standing",
    "laying",
]


class Digits(Dataset):
    """scikit-learn's 8x8 digits, scaled to [0, 1]; no files needed."""

    name = "digits"
    description = "scikit-learn's bundled 8x8 digits (1797 x 64), scaled to [0, 1]"
    shape = (1797, 64)
    n_classes = 10

    def read(self, folder: Path | None) -> LoadedData:
        from ifl_core.data import bundled_digits

        X, y = bundled_digits()
        return LoadedData(X, y, [str(d) for d in range(10)], {"scaling": "x / 16"})


class _IDXImages(Dataset):
    """Train and test IDX files, concatenated (training rows first), pixels / 255."""

    shape = (70000, 784)
    n_classes = 10
    class_names: list[str] = [str(d) for d in range(10)]

    def read(self, folder: Path | None) -> LoadedData:
        assert folder is not None
        arrays = [read_idx(folder / f.name) for f in self.files]
        train_x, train_y, test_x, test_y = arrays
        for images, labels, part in (
            (train_x, train_y, "train"),
            (test_x, test_y, "test"),
        ):
            if len(images) != len(labels):
                raise DataError(
                    f"{self.name}: {part} has {len(images)} images but "
                    f"{len(labels)} labels"
                )
        X = (
            np.vstack(
                [train_x.reshape(len(train_x), -1), test_x.reshape(len(test_x), -1)]
            ).astype(np.float32)
            / 255.0
        )
        y = np.concatenate([train_y, test_y]).astype(np.int64)
        test = np.r_[np.zeros(len(train_y), bool), np.ones(len(test_y), bool)]
        return LoadedData(
            X, y, list(self.class_names), {"scaling": "x / 255", "test_rows": test}
        )


def _idx_files(base_url: str, sums: list[tuple[str, str, str, int]]):
    return tuple(
        DataFile(name, sha, content, base_url + name, size)
        for name, sha, content, size in sums
    )


class MNIST(_IDXImages):
    name = "mnist"
    description = "MNIST handwritten digits (70000 x 784), pixels / 255"
    folder = "mnist"
    paper_column = "MNIST"
    source_hint = "http://yann.lecun.com/exdb/mnist/ (or any mirror of the four files)"
    files = _idx_files(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        [
            (
                "train-images-idx3-ubyte.gz",
                "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                9719438,
            ),
            (
                "train-labels-idx1-ubyte.gz",
                "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                28857,
            ),
            (
                "t10k-images-idx3-ubyte.gz",
                "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                1616508,
            ),
            (
                "t10k-labels-idx1-ubyte.gz",
                "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
                4517,
            ),
        ],
    )


class FashionMNIST(_IDXImages):
    name = "fashion-mnist"
    description = (
        "Zalando's Fashion-MNIST (70000 x 784), pixels / 255; not in the paper"
    )
    folder = "fashion-mnist"
    source_hint = "https://github.com/zalandoresearch/fashion-mnist"
    class_names = [
        "t-shirt/top",
        "trouser",
        "pullover",
        "dress",
        "coat",
        "sandal",
        "shirt",
        "sneaker",
        "bag",
        "ankle boot",
    ]
    files = _idx_files(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        [
            (
                "train-images-idx3-ubyte.gz",
                "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                26421856,
            ),
            (
                "train-labels-idx1-ubyte.gz",
                "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                29491,
            ),
            (
                "t10k-images-idx3-ubyte.gz",
                "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                4422079,
            ),
            (
                "t10k-labels-idx1-ubyte.gz",
                "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
                5125,
            ),
        ],
    )


class HAPTParams(PluginParams):
    representation: Literal["stats", "flat"] = Field(
        "stats",
        description="stats: 64 per-channel statistics, standardised; "
        "flat: the 128 x 6 window values",
    )
    width: int = Field(128, ge=2, description="samples per window (50 Hz)")
    step: int = Field(64, ge=1, description="samples between window starts")


class HAPT(Dataset):
    """UCI HAPT raw 50 Hz smartphone signals, cut into windows of activities 1-6.

    Windows of ``width`` samples, ``step`` apart, lie inside one labelled segment
    (walking, upstairs, downstairs, sitting, standing, laying). The representation
    ``stats`` gives 8 channels (acc x/y/z, gyro x/y/z and both magnitudes) times 8
    statistics, each column standardised over all windows; ``flat`` the raw window
    values (768 columns). The paper's HHAR column used the 561 engineered features
    of UCI HAR instead, which are not part of this data.
    """

    name = "hapt"
    description = "UCI HAPT raw signals -> 128-sample windows, activities 1-6"
    folder = "hapt"
    shape = (10411, 64)
    n_classes = 6
    paper_column = "HHAR"
    Params = HAPTParams
    source_hint = (
        "the UCI HAPT archive (its RawData/ folder, zipped as RawData.zip), "
        "https://archive.ics.uci.edu/dataset/341"
    )
    files = (
        DataFile(
            "RawData.zip",
            "007a5280b0bdce76a3e70100068ad07faa8178d252b355934b36bc2ca2fefdd1",
            size=27528222,
        ),
    )

    def present_files(self, data_dir: Path) -> tuple[DataFile, ...]:
        if (self.folder_path(data_dir) / "RawData").is_dir():
            return ()
        return self.files

    def read(self, folder: Path | None) -> LoadedData:
        assert folder is not None
        source = folder if (folder / "RawData").is_dir() else folder / "RawData.zip"
        signals, segments = read_hapt_raw(source)
        p = self.params
        windows, activity, users = hapt_windows(
            signals, segments, width=p.width, step=p.step
        )
        if p.representation == "stats":
            X, _ = window_statistics(windows)
            std = X.std(0)
            X = (X - X.mean(0)) / np.where(std > 0, std, 1.0)
        else:
            X = windows.reshape(len(windows), -1)
        y, values = as_codes(activity)
        info = {
            "representation": p.representation,
            "width": p.width,
            "step": p.step,
            "groups": users,
        }
        return LoadedData(
            X.astype(np.float32), y, [_ACTIVITIES[v - 1] for v in values], info
        )


class ReutersWeka(Dataset):
    """Reuters-21578 texts of Weka's examples: 2158 documents, 3 classes.

    Classes: corn, grain (not corn), other. Corn and Grain files hold the same
    texts; train and test parts are joined. The matrix is tf-idf over the 2000 most
    frequent terms (English stop words removed), rows L2-normalised, kept sparse.
    """

    name = "reuters-weka"
    description = "Reuters-21578 (Weka ARFF) -> tf-idf of 2000 terms, 3 classes"
    folder = "reuters21578-weka"
    shape = (2158, 2000)
    n_classes = 3
    sparse = True
    source_hint = "the Debian package weka 3.6.14 (usr/share/doc/weka/examples/)"
    files = (
        DataFile(
            "ReutersCorn-train.arff",
            "1855af1b69c21491a103ae414a1ffe5103c633aa5ad920abde2115aac9f55322",
        ),
        DataFile(
            "ReutersCorn-test.arff",
            "e7b3cf0bc83bfa449abeacaef3083e3573f89b4fc2a36111fe59b18ff68e9e33",
        ),
        DataFile(
            "ReutersGrain-train.arff",
            "87abc5c45221a5027329912a1ed85d670edf338e696a2a2744893ae71cc2ae1b",
        ),
        DataFile(
            "ReutersGrain-test.arff",
            "957e519ba6094b5e1f5aaf0ab4c0829052c8c9b5fd3c586834ddbef77f704cea",
        ),
    )

    def read(self, folder: Path | None) -> LoadedData:
        from sklearn.feature_extraction.text import TfidfVectorizer

        assert folder is not None
        texts: list[str] = []
        codes: list[int] = []
        for part in ("train", "test"):
            corn_texts, corn = read_arff_texts(folder / f"ReutersCorn-{part}.arff")
            grain_texts, grain = read_arff_texts(folder / f"ReutersGrain-{part}.arff")
            if corn_texts != grain_texts:
                raise DataError(
                    f"ReutersCorn-{part} and ReutersGrain-{part} differ in their texts"
                )
            texts += corn_texts
            codes += [
                0 if c == "1" else 1 if g == "1" else 2 for c, g in zip(corn, grain)
            ]
        vectorizer = TfidfVectorizer(max_features=2000, stop_words="english")
        X = sp.csr_matrix(vectorizer.fit_transform(texts), dtype=np.float32)
        return LoadedData(
            X,
            np.asarray(codes, dtype=np.int64),
            ["corn", "grain (not corn)", "other"],
            {"representation": "tf-idf, 2000 most frequent terms"},
        )


class UCIHAR(Dataset):
    """UCI HAR: 10299 x 561 engineered features, 6 activities (train rows first)."""

    name = "uci-har"
    description = "UCI HAR 561-feature matrix (10299 x 561), the paper's HHAR set"
    folder = "uci-har"
    shape = (10299, 561)
    n_classes = 6
    paper_column = "HHAR"
    source_hint = "https://archive.ics.uci.edu/dataset/240 (saved as UCI_HAR.zip)"
    files = (
        DataFile(
            "UCI_HAR.zip",
            url="https://archive.ics.uci.edu/static/public/240/"
            "human+activity+recognition+using+smartphones.zip",
        ),
    )

    def present_files(self, data_dir: Path) -> tuple[DataFile, ...]:
        if (self.folder_path(data_dir) / "UCI HAR Dataset").is_dir():
            return ()
        return self.files

    def read(self, folder: Path | None) -> LoadedData:
        assert folder is not None
        tree = folder / "UCI HAR Dataset"
        X, labels, test = read_uci_har(
            tree if tree.is_dir() else folder / "UCI_HAR.zip"
        )
        y, values = as_codes(labels)
        return LoadedData(
            X.astype(np.float32),
            y,
            [_ACTIVITIES[v - 1] for v in values],
            {"test_rows": test},
        )


class USPS(Dataset):
    """USPS digits from the common ``usps.h5`` (groups train/test: data, target).

    Values are rescaled to [0, 1] when the file holds the [-1, 1] range.
    """

    name = "usps"
    description = "USPS digits (9298 x 256) from usps.h5; needs h5py"
    folder = "usps"
    shape = (9298, 256)
    n_classes = 10
    paper_column = "USPS"
    source_hint = "a usps.h5 with groups train and test (data, target)"
    files = (DataFile("usps.h5"),)

    def read(self, folder: Path | None) -> LoadedData:
        assert folder is not None
        X, labels, test = read_usps_h5(folder / "usps.h5")
        if X.min() < 0:
            X = (X + 1.0) / 2.0
        y, values = as_codes(labels)
        return LoadedData(
            X.astype(np.float32), y, [str(v) for v in values], {"test_rows": test}
        )


class Reuters10K(Dataset):
    """Reuters-10K (10000 RCV1 documents, 2000 tf-idf terms, 4 classes) as
    ``reuters10k.npz`` holding ``data`` and ``label`` (or ``X`` and ``y``)."""

    name = "reuters10k"
    description = "Reuters-10K (10000 x 2000 tf-idf, 4 classes) from reuters10k.npz"
    folder = "reuters10k"
    shape = (10000, 2000)
    n_classes = 4
    paper_column = "R-10K"
    source_hint = "an .npz with arrays data (10000 x 2000) and label (10000,)"
    files = (DataFile("reuters10k.npz"),)

    def read(self, folder: Path | None) -> LoadedData:
        assert folder is not None
        X, labels = read_array_pair(folder / "reuters10k.npz")
        if X.ndim != 2 or len(X) != len(labels):
            raise DataError(
                f"reuters10k.npz: data {X.shape} and label {labels.shape} do not pair"
            )
        y, values = as_codes(labels)
        return LoadedData(X.astype(np.float32), y, [str(v) for v in values])


BUILTIN_DATASETS = (
    Digits,
    MNIST,
    FashionMNIST,
    HAPT,
    ReutersWeka,
    UCIHAR,
    USPS,
    Reuters10K,
)
