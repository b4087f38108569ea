"""Bad labels and bad test rows through the Python API, before any model is fitted."""

from __future__ import annotations

import numpy as np
import pytest

from ifl_core import IFLTransformer
from ifl_core.errors import DataError
from ifl_core.validation import check_class_counts, check_rows, check_width

X = np.random.default_rng(0).random((40, 3))
Y = np.repeat([0, 1], 20)



@pytest.mark.parametrize(
    ("y", "expected"),
    [
        (Y[:-1], "y has 39 labels but X has 40 rows"),
        (np.zeros(40), "a single class (0.0); need at least 2"),
        (np.r_[np.zeros(37), np.ones(3)], "class 1.0 of y has 3 rows, fewer than"),
        (np.r_[["a"] * 38, ["b"] * 2], "class 'b' of y has 2 rows"),
        (np.full((40, 2), 1), "y must be 1-D"),
        (np.r_[np.zeros(39), np.nan], "NaN or infinite labels"),
    ],
    ids=["length", "single class", "class smaller than folds", "string class",
         "2-d labels", "nan label"],
)
def test_bad_labels_are_refused_before_fitting(monkeypatch, y, expected):
    def no_fit(*args, **kwargs):
        raise AssertionError("a model was fitted before the labels were checked")

    monkeypatch.setattr("ifl_core.transformer.fit_model", no_fit)
    with pytest.raises(DataError) as info:
        IFLTransformer("kmeans", n_clusters=2, n_folds=5).fit(X, y)

    message = str(info.value)
    assert "\n" not in message
    assert expected in message


def test_test_rows_of_another_width_are_refused():
    tr = IFLTransformer("kmeans", n_clusters=2, n_folds=3).fit(X)

    with pytest.raises(DataError, match="X has 4 features, but the transformer was "
                                        "fitted with 3"):
        tr.transform(np.ones((5, 4)))
    assert tr.transform(np.ones((5, 3))).shape == (5, 3)


def test_check_rows_names_the_smallest_inner_train():
    check_rows(12, 6, 2)
    with pytest.raises(DataError, match="11 rows: an inner train of 2 folds holds 5"):
        check_rows(11, 6, 2)
    with pytest.raises(DataError, match="3 rows, fewer than the 4 folds"):
        check_rows(3, 2, 4)


def test_check_class_counts_and_width_accept_good_input():
    check_class_counts(np.repeat([0, 1, 2], 5), 5)
    with pytest.raises(DataError, match="class 2 of y has 4 rows"):
        check_class_counts(np.r_[np.repeat([0, 1], 5), [2] * 4], 5)
    check_width(np.ones((2, 3)), 3)
    with pytest.raises(DataError, match="test has 2 features, but the model was"):
        check_width(np.ones((2, 2)), 3, name="test")
