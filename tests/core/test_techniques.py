"""Classification mode: technique 2 (wide), technique 1 (versions), test features."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from ifl_core import IFLTransformer
from ifl_core.errors import ConfigError, NotFittedError
from ifl_core.techniques import (
    TECHNIQUE_METRICS,
    IFLVersionClassifier,
    expand_versions,
    predict_from_scores,
    version_labels,
)
from ifl_plugins.metrics import cluster_accuracies


def ifl(**kw):
    kw.setdefault("metrics", TECHNIQUE_METRICS)
    return IFLTransformer("kmeans", n_folds=3, clusterer_params={"n_init": 2}, **kw)


@pytest.fixture(scope="module")
def split(small_digits, digits):
    X, y = small_digits
    return X, y, digits[0][-120:], digits[1][-120:]


@pytest.fixture(scope="module")
def fitted(split):
    X, y, _, _ = split
    return ifl().fit(X, y)


# ------------------------------------------------------------------ technique 2


def test_technique_2_has_confidence_accuracy_and_one_weight_per_cluster(fitted, split):
    X, _, X_test, _ = split

    assert fitted.feature_names_ifl_ == ["confidence", "accuracy"] + [
        f"weight_{k}" for k in range(10)
    ]
    assert fitted.train_features_.shape == (300, 12)
    assert fitted.transform(X_test).shape == (120, 12)
    accuracy = fitted.train_features_[:, 1]
    assert 0.3 < accuracy.mean() <= 1.0


def test_test_features_come_from_the_whole_training_set_model(fitted, split):
    X, y, X_test, _ = split

    out = fitted.transform(X_test)

    model, perm = fitted.model_, fitted.model_permutation_
    z = model.encode(X_test)
    centroids = model.centroids_[perm]
    tracked = np.argsort(perm)[model.labels_]
    distances = np.linalg.norm(z[:, None, :] - centroids[None], axis=2)
    nearest = distances.argmin(axis=1)
    sizes = np.bincount(tracked, minlength=10)
    np.testing.assert_allclose(out[:, 0], sizes[nearest] / 300)
    expected_acc = cluster_accuracies(tracked, y, 10, 10)[nearest]
    np.testing.assert_allclose(out[:, 1], expected_acc)
    np.testing.assert_allclose(out[:, 2:], distances, rtol=1e-6)
    # the whole-training-set model, not a fold model: its clusters hold all rows
    assert sizes.sum() == 300 > len(fitted.folding_.folds[0].train)


def test_labels_tracker_gives_column_k_the_cluster_of_class_k(fitted, split):
    _, y, _, _ = split
    tracked = np.argsort(fitted.model_permutation_)[fitted.model_.labels_]

    agreement = np.mean(tracked == y)

    # k-means on digits: most rows sit in the cluster numbered like their class
    assert agreement > 0.6
    assert fitted.components_.tracker.name == "labels"


def test_fit_transform_differs_from_fit_then_transform(split):
    X, y, _, _ = split
    tr = ifl()

    out_of_fold = tr.fit_transform(X, y)

    np.testing.assert_array_equal(out_of_fold, tr.train_features_)
    assert not np.allclose(out_of_fold, tr.transform(X))


def test_technique_2_pipeline_with_a_decision_tree(split):
    X, y, X_test, y_test = split
    pipe = Pipeline([
        ("ifl", ifl(output="both")),
        ("tree", DecisionTreeClassifier(random_state=0)),
    ])

    score = pipe.fit(X, y).score(X_test, y_test)

    assert score > 0.5
    assert pipe.named_steps["ifl"].get_feature_names_out()[64] == "confidence"


def test_more_clusters_than_classes_and_string_labels(split):
    X, y, X_test, _ = split
    labels = np.array([f"digit-{v}" for v in y])

    tr = ifl(n_clusters=12).fit(X, labels)

    assert tr.transform(X_test).shape == (120, 2 + 12)
    assert list(tr.classes_[:2]) == ["digit-0", "digit-1"]


def test_fewer_clusters_than_classes_fails_before_any_fit(split):
    X, y, _, _ = split

    with pytest.raises(ConfigError, match="n_clusters=5 for 10 classes"):
        ifl(n_clusters=5).fit(X, y)
    # the label-free tracker accepts it
    assert ifl(n_clusters=5, tracker="hungarian").fit(X, y).train_features_.shape == (
        300, 7
    )


def test_accuracy_metric_needs_labels(split):
    X, _, _, _ = split

    with pytest.raises(ConfigError, match="error metric 'accuracy' needs labels"):
        ifl(n_clusters=10).fit(X)


def test_labels_as_integers_that_are_not_codes_and_as_pandas_series(split):
    X, y, X_test, _ = split
    base = ifl().fit(X, y).transform(X_test)

    shifted = ifl().fit(X, y * 7 + 100).transform(X_test)

    np.testing.assert_allclose(shifted, base)
    pd = pytest.importorskip("pandas")
    series = ifl().fit(X, pd.Series(y * 7 + 100)).transform(X_test)
    np.testing.assert_allclose(series, base)


# ------------------------------------------------------------------ technique 1


def test_expand_versions_puts_version_k_of_row_i_at_line_i_s_plus_k():
    columns = ["confidence", "accuracy", "weight_0", "weight_1", "weight_2"]
    wide = np.array([[0.5, 0.9, 1.0, 2.0, 3.0],
                     [0.2, 0.7, 4.0, 5.0, 6.0]])
    primary = np.array([[10.0, 11.0], [20.0, 21.0]])

    long = expand_versions(wide, columns)
    both = expand_versions(wide, columns, primary)

    np.testing.assert_allclose(long, [
        [0.5, 1.0, 0.9], [0.5, 2.0, 0.9], [0.5, 3.0, 0.9],
        [0.2, 4.0, 0.7], [0.2, 5.0, 0.7], [0.2, 6.0, 0.7],
    ])
    assert both.shape == (6, 5)
    np.testing.assert_allclose(both[3], [20.0, 21.0, 0.2, 4.0, 0.7])
    assert list(version_labels(np.array(["a", "b"]), 3)) == ["a"] * 3 + ["b"] * 3


def test_expand_versions_needs_the_three_metrics():
    with pytest.raises(ConfigError, match=r"needs the metrics \['accuracy'\]"):
        expand_versions(np.ones((2, 3)), ["confidence", "weight_0", "weight_1"])


def test_prediction_is_the_class_of_the_best_version_class_pair():
    # two rows, three versions, two classes
    scores = np.array([
        [[0.6, 0.4], [0.1, 0.9], [0.5, 0.5]],   # best cell: version 1, class 1
        [[0.7, 0.3], [0.2, 0.8], [0.95, 0.05]],  # best cell: version 2, class 0
    ])

    assert list(predict_from_scores(scores, np.array(["x", "y"]))) == ["y", "x"]
    # the mean over versions: row 0 (0.4, 0.6) -> y, row 1 (0.62, 0.38) -> x
    assert list(predict_from_scores(scores, np.array(["x", "y"]), "mean")) == ["y", "x"]


def test_ties_on_the_maximum_are_broken_by_the_mean_score():
    # 0/1 probabilities as from pure tree leaves: both classes reach 1
    scores = np.array([[[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]])

    assert list(predict_from_scores(scores, np.array([3, 8]))) == [8]
    with pytest.raises(ConfigError, match="aggregate must be one of"):
        predict_from_scores(scores, np.array([3, 8]), "vote")


def test_version_classifier_shapes_and_prediction(split):
    X, y, X_test, y_test = split
    clf = IFLVersionClassifier(ifl(), DecisionTreeClassifier(random_state=0))

    clf.fit(X, y)
    scores = clf.version_scores(X_test)

    assert clf.n_versions_ == 10
    assert clf.estimator_.n_features_in_ == 3
    assert scores.shape == (120, 10, 10)
    np.testing.assert_array_equal(
        clf.predict(X_test), predict_from_scores(scores, clf.classes_)
    )
    # IFL features alone, 10 classes: well above chance (0.1)
    assert clf.score(X_test, y_test) > 0.3


def test_version_classifier_in_a_pipeline_with_primary_features(split):
    X, y, X_test, y_test = split
    pipe = Pipeline([("ifl1", IFLVersionClassifier(
        ifl(), DecisionTreeClassifier(random_state=0), output="both",
        scaling="standard",
    ))])

    score = pipe.fit(X, y).score(X_test, y_test)

    fitted = pipe.named_steps["ifl1"]
    assert fitted.estimator_.n_features_in_ == 64 + 3
    assert score > 0.5


def test_version_classifier_in_cross_val_score_with_string_labels(split):
    X, y, _, _ = split
    labels = np.array([f"d{v}" for v in y])
    clf = IFLVersionClassifier(
        ifl(), DecisionTreeClassifier(random_state=0), output="both"
    )

    scores = cross_val_score(clf, X, labels, cv=2)

    assert scores.shape == (2,)
    assert (scores > 0.5).all()


def test_version_classifier_falls_back_to_decision_function(split):
    X, y, X_test, _ = split
    clf = IFLVersionClassifier(ifl(), RidgeClassifier(), output="both").fit(X, y)

    pred = clf.predict(X_test)

    assert set(pred) <= set(range(10))
    assert clf.version_scores(X_test[:3]).shape == (3, 10, 10)


def test_version_classifier_errors(split):
    X, y, _, _ = split
    with pytest.raises(NotFittedError):
        IFLVersionClassifier(ifl()).predict(X)
    with pytest.raises(ConfigError, match="output must be one of"):
        IFLVersionClassifier(ifl(), output="wide").fit(X, y)


def test_a_class_missing_from_an_inner_train_is_handled(split):
    X, y, X_test, _ = split
    rare = y.copy()
    rare[0] = 10  # an eleventh class with a single row: one inner train lacks it

    tr = ifl(fold_strategy="kfold").fit(X, rare)

    lacking = [o for o in tr.folding_.outcomes if 0 not in o.train]
    assert len(lacking) == 1
    assert tr.train_features_.shape == (300, 2 + 11)
    assert np.isfinite(tr.train_features_).all()
    assert tr.transform(X_test).shape == (120, 13)
    # the stratified default refuses a class with fewer rows than folds
    with pytest.raises(ValueError, match="fewer than the 3 folds"):
        ifl().fit(X, rare)
