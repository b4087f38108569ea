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
