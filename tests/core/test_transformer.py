"""The scikit-learn transformer: contract, pipelines, out-of-fold training features."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from ifl_core import IFLTransformer
from ifl_core.errors import ConfigError, DataError, NotFittedError


def make(**kw):
    return IFLTransformer("kmeans", n_clusters=10, n_folds=3, **kw)


def test_fit_transform_returns_out_of_fold_features(small_digits):
    X, _ = small_digits
    tr = make()
    features = tr.fit_transform(X)

    assert features.shape == (300, 11)
    np.testing.assert_array_equal(features, tr.train_features_)
    assert list(tr.get_feature_names_out()) == ["confidence"] + [
        f"weight_{k}" for k in range(10)
    ]
    # the whole-data model saw these rows; out-of-fold features differ from it
    assert not np.allclose(tr.transform(X), features)


def test_transform_of_new_rows_uses_the_whole_data_model(small_digits, digits):
    X, _ = small_digits
    tr = make().fit(X)
    new = digits[0][-50:]

    out = tr.transform(new)

    z = tr.model_.encode(new)
    centroids = tr.model_.centroids_[tr.model_permutation_]
    expected = np.linalg.norm(z[:, None, :] - centroids[None], axis=2)
    np.testing.assert_allclose(out[:, 1:], expected, rtol=1e-6)


def test_output_both_puts_primary_features_first(small_digits):
    X, _ = small_digits
    tr = make(output="both")
    out = tr.fit_transform(X)

    assert out.shape == (300, 64 + 11)
    np.testing.assert_allclose(out[:, :64], X)
    assert tr.get_feature_names_out()[0] == "x0"


def test_standard_scaling_centres_the_training_features(small_digits):
    X, _ = small_digits
    out = make(scaling="standard").fit_transform(X)

    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-9)


def test_works_in_pipeline_and_with_clone(small_digits, digits):
    X, y = small_digits
    pipe = Pipeline(
        [("ifl", make(output="both")), ("tree", DecisionTreeClassifier(random_state=0))]
    )
    pipe.fit(X, y)
    score = pipe.score(digits[0][-200:], digits[1][-200:])

    assert score > 0.5
    twin = clone(pipe)
    assert twin.get_params()["ifl__n_folds"] == 3
    assert not hasattr(twin.named_steps["ifl"], "model_")


def test_labels_pick_the_number_of_clusters(small_digits):
    X, y = small_digits
    tr = IFLTransformer("kmeans", n_folds=3, metrics=("confidence", "weight"))
    tr.fit(X, np.array([f"class-{v}" for v in y]))

    assert tr.settings_.n_clusters == 10
    assert tr.classes_[0] == "class-0"


def test_errors_are_clear(small_digits):
    X, _ = small_digits
    with pytest.raises(NotFittedError):
        make().transform(X)
    with pytest.raises(ConfigError, match="n_clusters is required"):
        IFLTransformer("kmeans").fit(X)
    with pytest.raises(ConfigError, match="unknown clusterer 'nope'"):
        IFLTransformer("nope", n_clusters=3).fit(X)
    tr = make().fit(X)
    with pytest.raises(DataError, match="63 features.*fitted with 64"):
        tr.transform(X[:, :63])
