"""Error metrics: the accuracy of assignment on tiny hand-made examples."""

from __future__ import annotations

import numpy as np
import pytest

from ifl_core.interfaces import ErrorContext
from ifl_core.registry import get_registry
from ifl_plugins.metrics import AccuracyOfAssignment, cluster_accuracies

# Nine inner-train rows in three clusters. The best one-to-one matching maps
# cluster 0 -> class 0 (2 of 3 members), 1 -> 1 (2 of 2) and 2 -> 2 (3 of 4).
CLUSTERS = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
LABELS = np.array([0, 0, 1, 1, 1, 2, 2, 2, 0])


def context(z, clusters=CLUSTERS, labels=LABELS, n_classes=3, s=3):
    centroids = np.arange(s, dtype=float)[:, None] * 10.0  # 0, 10, 20, ...
    return ErrorContext(
        z=np.asarray(z, dtype=float)[:, None], centroids=centroids,
        train_clusters=clusters, y_train=labels, n_classes=n_classes,
    )


def test_accuracy_is_the_share_of_matched_class_in_the_nearest_cluster():
    ctx = context([1.0, 19.0, 11.0])  # nearest clusters 0, 2, 1

    got = AccuracyOfAssignment().compute(ctx)

    np.testing.assert_allclose(got[:, 0], [2 / 3, 3 / 4, 1.0])


def test_accuracy_follows_the_matching_not_the_majority():
    # cluster 0 and cluster 1 are both mostly class 0; matching gives cluster 1
    # class 1, where it has only 1 of 3 members right
    clusters = np.array([0, 0, 0, 0, 1, 1, 1])
    labels = np.array([0, 0, 0, 1, 0, 0, 1])

    acc = cluster_accuracies(clusters, labels, 2, 2)

    np.testing.assert_allclose(acc, [3 / 4, 1 / 3])


def test_unmatched_extra_clusters_get_zero_or_their_majority_share():
    clusters = np.array([0, 0, 1, 1, 2, 2, 2])
    labels = np.array([0, 0, 1, 1, 1, 1, 0])  # 3 clusters, 2 classes

    zero = cluster_accuracies(clusters, labels, 3, 2)
    majority = cluster_accuracies(clusters, labels, 3, 2, unmatched="majority")

    # clusters 0 and 1 are matched perfectly; cluster 2 is left over
    np.testing.assert_allclose(zero, [1.0, 1.0, 0.0])
    np.testing.assert_allclose(majority, [1.0, 1.0, 2 / 3])


def test_empty_cluster_and_class_absent_from_the_inner_train_give_zero():
    clusters = np.array([0, 0, 1, 1])
    labels = np.array([0, 0, 1, 1])  # class 2 absent, cluster 2 empty

    acc = cluster_accuracies(clusters, labels, 3, 3)

    np.testing.assert_allclose(acc, [1.0, 1.0, 0.0])


def test_accuracy_is_registered_and_needs_labels():
    registry = get_registry()

    cls = registry.get("metric", "accuracy")

    assert cls is AccuracyOfAssignment
    assert cls.requires_labels is True
    assert cls().columns(5) == ["accuracy"]


def test_accuracy_without_labels_is_a_clear_error():
    ctx = context([1.0], labels=None)

    with pytest.raises(ValueError, match="needs the labels"):
        AccuracyOfAssignment().compute(ctx)


def test_absent_class_takes_part_in_no_match():
    # class 2 is absent; cluster 2 is left without a class
    clusters = np.array([0, 0, 1, 1, 2, 2, 2])
    labels = np.array([0, 0, 1, 1, 0, 0, 1])

    zero = cluster_accuracies(clusters, labels, 3, 3)
    majority = cluster_accuracies(clusters, labels, 3, 3, unmatched="majority")

    np.testing.assert_allclose(zero, [1.0, 1.0, 0.0])
    np.testing.assert_allclose(majority, [1.0, 1.0, 2 / 3])
