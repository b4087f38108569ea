"""DEC on tiny data with few epochs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ifl_core.errors import DeviceError
from ifl_core.matching import clustering_accuracy
from ifl_plugins.dec import DECClusterer, soft_assignment, target_distribution


def test_fit_sets_centroids_and_labels(small_digits, tiny_dec):
    X, y = small_digits
    model = DECClusterer(10, tiny_dec, seed=0, device="cpu").fit(X)

    assert model.centroids_.shape == (10, 5)
    assert model.labels_.shape == (300,)
    assert model.labels_.min() >= 0 and model.labels_.max() < 10
    assert model.encode(X[:7]).shape == (7, 5)
    # even a tiny network finds more structure than chance (0.1 + a margin)
    assert clustering_accuracy(y, model.labels_) > 0.3


def test_same_seed_gives_identical_models_on_cpu(small_digits, tiny_dec):
    X, _ = small_digits
    a = DECClusterer(10, tiny_dec, seed=3, device="cpu").fit(X)
    b = DECClusterer(10, tiny_dec, seed=3, device="cpu").fit(X)
    c = DECClusterer(10, tiny_dec, seed=4, device="cpu").fit(X)

    np.testing.assert_array_equal(a.encode(X), b.encode(X))
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert not np.array_equal(a.encode(X), c.encode(X))


def test_fit_does_not_disturb_the_global_torch_rng(small_digits, tiny_dec):
    X, _ = small_digits
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    DECClusterer(10, tiny_dec, seed=0, device="cpu").fit(X[:60])
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected.numpy())


def test_clustering_phase_stops_on_tolerance_when_labels_settle(small_digits, tiny_dec):
    X, _ = small_digits
    params = {**tiny_dec, "max_iterations": 2000, "tol": 0.5, "update_interval": 5}
    model = DECClusterer(10, params, seed=0, device="cpu").fit(X)

    assert model.info["stopped_by_tol"] is True
    assert model.info["cluster_iterations"] < 2000


def test_state_round_trip_gives_the_same_encoding(small_digits, tiny_dec):
    X, _ = small_digits
    model = DECClusterer(10, tiny_dec, seed=0, device="cpu").fit(X)
    restored = DECClusterer(10, tiny_dec, seed=0, device="cpu")
    restored.set_state(model.get_state())

    np.testing.assert_array_equal(restored.encode(X), model.encode(X))
    np.testing.assert_array_equal(restored.labels_, model.labels_)


def test_soft_assignment_and_target_are_row_distributions():
    z = torch.tensor([[0.0, 0.0], [1.0, 1.0], [4.0, 4.0]])
    mu = torch.tensor([[0.0, 0.0], [4.0, 4.0]])
    q = soft_assignment(z, mu, alpha=1.0)
    p = target_distribution(q)

    torch.testing.assert_close(q.sum(1), torch.ones(3))
    torch.testing.assert_close(p.sum(1), torch.ones(3))
    # q_00 = 1 / (1 + 0) over (1 + 1/(1+32))
    assert q[0, 0].item() == pytest.approx(1 / (1 + 1 / 33))
    # the target sharpens: confident rows get more confident
    assert p[0, 0] > q[0, 0]


def test_unknown_parameter_is_rejected():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="pretrain_epoch"):
        DECClusterer(3, {"pretrain_epoch": 5})


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_on_a_machine_without_it_is_a_device_error(small_digits, tiny_dec):
    X, _ = small_digits
    with pytest.raises(DeviceError, match="CUDA is not available"):
        DECClusterer(10, tiny_dec, device="cuda").fit(X)
