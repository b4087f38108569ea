"""Property-based checks of the built-in error metrics and the Hungarian tracker."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ifl_core.interfaces import ErrorContext, Partition
from ifl_plugins.metrics import Confidence, Weight
from ifl_plugins.trackers import HungarianTracker

FINITE = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def contexts(draw):
    """A random fold: latent test rows, centroids and the inner train's clusters."""
    s = draw(st.integers(1, 6))
    e = draw(st.integers(1, 4))
    m = draw(st.integers(1, 20))
    n_train = draw(st.integers(0, 40))
    z = draw(arrays(np.float64, (m, e), elements=FINITE))
    centroids = draw(arrays(np.float64, (s, e), elements=FINITE))
    clusters = draw(arrays(np.int64, (n_train,), elements=st.integers(0, s - 1)))
    return ErrorContext(z=z, centroids=centroids, train_clusters=clusters)


@settings(max_examples=150, deadline=None)
@given(contexts())
def test_confidence_is_the_share_of_the_nearest_cluster(ctx):
    conf = Confidence().compute(ctx)

    assert conf.shape == (len(ctx.z), 1)
    assert np.isfinite(conf).all()
    assert ((conf >= 0) & (conf <= 1)).all()
    brute = np.linalg.norm(ctx.z[:, None, :] - ctx.centroids[None], axis=2)
    sizes = np.bincount(ctx.train_clusters, minlength=ctx.n_clusters)
    share = sizes / max(len(ctx.train_clusters), 1)
    # The nearest centroid may tie within rounding; any tied centroid's share is right.
    tol = 2e-5 * (1 + np.abs(ctx.centroids).max() + brute.max())
    for row, value in enumerate(conf[:, 0]):
        tied = np.flatnonzero(brute[row] <= brute[row].min() + tol)
        assert np.isclose(share[tied], value).any()


@settings(max_examples=150, deadline=None)
@given(contexts())
def test_weight_is_the_euclidean_distance_to_every_centroid(ctx):
    weight = Weight().compute(ctx)

    brute = np.linalg.norm(ctx.z[:, None, :] - ctx.centroids[None], axis=2)
    assert weight.shape == (len(ctx.z), ctx.n_clusters)
    assert (weight >= 0).all()
    np.testing.assert_allclose(weight, brute, rtol=1e-9, atol=1e-9)
    assert (weight[np.all(ctx.z[:, None] == ctx.centroids[None], axis=2)] == 0).all()


@settings(max_examples=100, deadline=None)
@given(contexts(), st.randoms(use_true_random=False))
def test_reordering_the_centroids_reorders_the_weight_columns(ctx, rnd):
    order = list(range(ctx.n_clusters))
    rnd.shuffle(order)
    moved = ErrorContext(z=ctx.z, centroids=ctx.centroids[order],
                         train_clusters=ctx.train_clusters)

    np.testing.assert_allclose(Weight().compute(moved), Weight().compute(ctx)[:, order])


@st.composite
def relabelled(draw):
    """A partition of shared rows and the same partition under a random renumbering."""
    s = draw(st.integers(1, 7))
    n = draw(st.integers(1, 60))
    clusters = draw(arrays(np.int64, (n,), elements=st.integers(0, s - 1)))
    relabel = np.asarray(draw(st.permutations(range(s))), dtype=np.int64)
    return s, clusters, relabel


@settings(max_examples=150, deadline=None)
@given(relabelled())
def test_tracker_undoes_a_renumbering_of_the_used_clusters(case):
    s, clusters, relabel = case
    rows = np.arange(len(clusters))
    ref = Partition(rows, clusters)
    other = Partition(rows, relabel[clusters])

    perm_ref, perm_other = HungarianTracker().align([ref, other], s)

    np.testing.assert_array_equal(perm_ref, np.arange(s))
    assert sorted(perm_other.tolist()) == list(range(s))
    # Every cluster the reference uses is mapped to the model's renamed cluster.
    for k in np.unique(clusters):
        assert perm_other[k] == relabel[k]


@st.composite
def partitions(draw):
    """Several partitions of overlapping row sets, with arbitrary cluster numbers."""
    s = draw(st.integers(1, 6))
    n = draw(st.integers(2, 40))
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        rows = np.asarray(sorted(draw(st.sets(st.integers(0, n - 1), min_size=1))),
                          dtype=np.int64)
        clusters = draw(arrays(np.int64, (len(rows),), elements=st.integers(0, s - 1)))
        parts.append(Partition(rows, clusters))
    return s, parts


@settings(max_examples=150, deadline=None)
@given(partitions())
def test_tracker_always_returns_one_permutation_per_partition(case):
    s, parts = case
    perms = HungarianTracker().align(parts, s)

    assert len(perms) == len(parts)
    for perm in perms:
        assert sorted(np.asarray(perm).tolist()) == list(range(s))
    np.testing.assert_array_equal(perms[0], np.arange(s))


def test_a_row_on_a_centroid_far_from_the_origin_has_weight_zero():
    point = np.full((1, 3), 622.30721593)
    ctx = ErrorContext(z=point, centroids=point.copy(), train_clusters=np.array([0]))

    assert Weight().compute(ctx)[0, 0] == 0.0
