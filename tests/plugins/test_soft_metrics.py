"""soft-assignment, entropy and margin on a context small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pytest

from ifl_core.interfaces import ErrorContext
from ifl_plugins.soft_metrics import (
    Entropy,
    Margin,
    SoftAssignment,
    student_t_assignment,
)


@pytest.fixture
def ctx():
    # distances of row 0: 0, 3, 5; row 1 (on the border of clusters 0 and 1): 1.5 twice
    return ErrorContext(
        z=np.array([[0.0, 0.0], [1.5, 0.0]]),
        centroids=np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 5.0]]),
        train_clusters=np.array([0, 0, 1, 2]),
    )


def test_soft_assignment_is_the_student_t_kernel(ctx):
    q = SoftAssignment().compute(ctx)
    raw = 1 / (1 + np.array([0.0, 9.0, 25.0]))

    np.testing.assert_allclose(q[0], raw / raw.sum())
    np.testing.assert_allclose(q.sum(1), 1.0)
    assert q[1, 0] == pytest.approx(q[1, 1])
    assert SoftAssignment().columns(3) == ["q_0", "q_1", "q_2"]


def test_alpha_changes_the_kernel(ctx):
    q = SoftAssignment({"alpha": 3.0}).compute(ctx)
    raw = (1 + np.array([0.0, 9.0, 25.0]) / 3.0) ** -2.0

    np.testing.assert_allclose(q[0], raw / raw.sum())


def test_entropy_is_normalised_shannon_entropy_of_q(ctx):
    q = SoftAssignment().compute(ctx)
    expected = -(q * np.log(q)).sum(1) / np.log(3)

    np.testing.assert_allclose(Entropy().compute(ctx)[:, 0], expected)
    raw = Entropy({"normalize": False}).compute(ctx)[:, 0]
    np.testing.assert_allclose(raw, expected * np.log(3))
    # the border row is the less certain one
    assert expected[1] > expected[0]


def test_margin_is_second_nearest_minus_nearest_distance(ctx):
    np.testing.assert_allclose(Margin().compute(ctx)[:, 0], [3.0, 0.0])


def test_far_rows_still_get_a_distribution():
    q = student_t_assignment(np.array([[1e200, 2e200]]))

    assert np.isfinite(q).all()
    assert q.sum() == pytest.approx(1.0)
    assert q[0, 0] > q[0, 1]


def test_soft_metrics_in_a_run_agree_with_the_tracked_weights(small_digits):
    from ifl_core.engine import Components, run_inner_folding
    from ifl_core.settings import make_settings

    settings = make_settings({
        "clusterer": "kmeans", "clusterer_params": {"n_init": 1}, "n_clusters": 5,
        "n_folds": 3, "metrics": ["weight", "soft-assignment", "entropy", "margin"],
    })
    result, _ = run_inner_folding(small_digits[0], Components(settings))
    weight, q = result.features[:, :5], result.features[:, 5:10]

    assert result.columns[5:] == ["q_0", "q_1", "q_2", "q_3", "q_4", "entropy",
                                  "margin"]
    np.testing.assert_array_equal(q.argmax(1), weight.argmin(1))
    ordered = np.sort(weight, axis=1)
    np.testing.assert_allclose(result.features[:, 11], ordered[:, 1] - ordered[:, 0])
    assert ((result.features[:, 10] >= 0) & (result.features[:, 10] <= 1)).all()
