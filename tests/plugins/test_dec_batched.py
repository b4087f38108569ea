"""Fold-batched DEC: each batched fold model equals its equally seeded twin."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from ifl_core.engine import Components, fold_seed, run_inner_folding
from ifl_core.settings import make_settings
from ifl_plugins.dec import DECClusterer, DECParams
from ifl_plugins.dec_batched import FoldBatches, MaskedOptimizer, fit_dec_folds


def _unequal_trains(n: int) -> list[np.ndarray]:
    """Three inner trains of different sizes (one not a multiple of the batch)."""
    rng = np.random.default_rng(7)
    order = rng.permutation(n)
    return [np.sort(order[:n - k]) for k in (0, 37, 101)]


@pytest.mark.parametrize("pretrain_optimizer", ["adam", "sgd"])
def test_batched_models_match_equally_seeded_sequential_ones(
    small_digits, tiny_dec, pretrain_optimizer
):
    X, _ = small_digits
    params = DECParams(
        **{**tiny_dec, "batch_size": 64, "pretrain_optimizer": pretrain_optimizer,
           "pretrain_lr": 1e-3 if pretrain_optimizer == "adam" else 0.05}
    )
    trains = _unequal_trains(len(X))
    seeds = [11, 22, 33]

    batched = fit_dec_folds(X, trains, 10, params, seeds, device="cpu")

    for model, rows, seed in zip(batched, trains, seeds):
        twin = DECClusterer(10, params, seed=seed, device="cpu").fit(X[rows])
        np.testing.assert_allclose(
            model.encode(X), twin.encode(X), rtol=1e-3, atol=1e-3
        )
        np.testing.assert_allclose(model.centroids_, twin.centroids_, atol=1e-3)
        agree = np.mean(model.labels_ == twin.labels_)
        assert agree >= 0.99
        assert model.info["cluster_iterations"] == twin.info["cluster_iterations"]
        assert model.info["pretrain_loss"] == pytest.approx(
            twin.info["pretrain_loss"], rel=1e-3
        )


def test_a_fold_stopped_by_tolerance_stops_updating(small_digits, tiny_dec):
    X, _ = small_digits
    # a large SGD step makes the three folds settle at different iterations
    params = DECParams(**{
        **tiny_dec, "max_iterations": 100, "update_interval": 5, "tol": 1e-9,
        "cluster_lr": 3.0,
    })
    trains = _unequal_trains(len(X))
    seeds = [1, 2, 3]

    batched = fit_dec_folds(X, trains, 10, params, seeds, device="cpu")

    iterations = [m.info["cluster_iterations"] for m in batched]
    for model, rows, seed in zip(batched, trains, seeds):
        twin = DECClusterer(10, params, seed=seed, device="cpu").fit(X[rows])
        assert model.info["stopped_by_tol"] == twin.info["stopped_by_tol"]
        assert model.info["cluster_iterations"] == twin.info["cluster_iterations"]
        np.testing.assert_allclose(model.encode(X), twin.encode(X), atol=1e-2)
        np.testing.assert_array_equal(model.labels_, twin.labels_)
    # the comparison above is only meaningful if folds stopped at different times
    assert len(set(iterations)) > 1


def test_each_fold_only_sees_its_inner_train(small_digits, tiny_dec):
    X, _ = small_digits
    trains = _unequal_trains(len(X))
    params = DECParams(**tiny_dec)
    seeds = [5, 6, 7]
    reference = fit_dec_folds(X, trains, 10, params, seeds, device="cpu")

    # replace every row outside fold 2's inner train by noise: folds 0 and 1 train
    # on other data now, fold 2 (batched with them) must not notice
    outside = np.setdiff1d(np.arange(len(X)), trains[2])
    X_other = X.copy()
    X_other[outside] = np.random.default_rng(0).random((len(outside), X.shape[1]))
    changed = fit_dec_folds(X_other, trains, 10, params, seeds, device="cpu")

    inside = X[trains[2]]
    np.testing.assert_allclose(
        changed[2].encode(inside), reference[2].encode(inside), rtol=1e-4, atol=1e-4
    )
    assert np.mean(changed[2].labels_ == reference[2].labels_) >= 0.99
    assert not np.allclose(changed[0].encode(inside), reference[0].encode(inside))


def test_sparse_input_gives_the_dense_result(small_digits, tiny_dec):
    X, _ = small_digits
    trains = _unequal_trains(len(X))
    params = DECParams(**tiny_dec)

    dense = fit_dec_folds(X, trains, 10, params, [1, 2, 3], device="cpu")
    sparse = fit_dec_folds(sp.csr_matrix(X), trains, 10, params, [1, 2, 3], "cpu")

    for a, b in zip(dense, sparse):
        np.testing.assert_allclose(a.encode(X), b.encode(sp.csr_matrix(X)), atol=1e-5)
        np.testing.assert_array_equal(a.labels_, b.labels_)


def test_engine_uses_batched_folds_and_keeps_out_of_fold(small_digits, tiny_dec):
    X, y = small_digits

    def run(batched: bool):
        settings = make_settings({
            "clusterer": "dec", "n_clusters": 10, "n_folds": 4, "seed": 3,
            "device": "cpu",
            "clusterer_params": {**tiny_dec, "batched_folds": batched},
        })
        components = Components(settings)
        result, _ = run_inner_folding(X, components, report_labels=y)
        return result

    batched, sequential = run(True), run(False)

    np.testing.assert_allclose(batched.features, sequential.features, atol=1e-2)
    for fold, outcome in zip(batched.folds, batched.outcomes):
        assert np.intersect1d(fold.train, fold.test).size == 0
        np.testing.assert_array_equal(outcome.test, fold.test)
        assert outcome.train_clusters.shape == (len(fold.train),)
    assert batched.fold_accuracy == pytest.approx(sequential.fold_accuracy, abs=0.01)
    assert fold_seed(3, 0) != fold_seed(3, 1)


def test_shared_pretraining_runs_and_is_recorded(small_digits, tiny_dec):
    X, _ = small_digits
    trains = _unequal_trains(len(X))
    params = DECParams(**{**tiny_dec, "pretraining": "shared", "batched_folds": False})

    assert DECClusterer.batched_folds_selected(params)
    models = fit_dec_folds(X, trains, 10, params, [1, 2, 3], device="cpu")

    assert all(m.info["shared_pretraining"] for m in models)
    losses = {m.info["pretrain_loss"] for m in models}
    assert len(losses) == 1
    # the fine-tuning is per fold: different inner trains give different encoders
    assert not np.allclose(models[0].encode(X), models[2].encode(X))


def test_fold_batches_draw_the_sequential_order():
    batches = FoldBatches([10, 7], seeds=[4, 5], batch_size=4)
    pos, mask, lengths = batches.next([True, True])

    expected = torch.randperm(10, generator=torch.Generator().manual_seed(4))[:4]
    np.testing.assert_array_equal(pos[0].numpy(), expected.numpy())
    assert lengths == [4, 4]
    batches.next([True, True])
    pos, mask, lengths = batches.next([True, False])
    # fold 0's last batch has 2 rows, fold 1 is inactive: both padded and masked
    assert lengths == [2, 0]
    np.testing.assert_array_equal(mask.numpy(), [[1.0, 1.0], [0.0, 0.0]])


def test_masked_optimizer_leaves_inactive_folds_alone():
    w = torch.ones(2, 3, requires_grad=True)
    opt = MaskedOptimizer([w], "adam", lr=0.1, momentum=0.0)
    (w * torch.tensor([[1.0], [2.0]])).sum().backward()
    opt.step(torch.tensor([True, False]))

    # Adam's first step moves every coordinate by lr (the sign of the gradient)
    np.testing.assert_allclose(w[0].detach().numpy(), [0.9, 0.9, 0.9], rtol=1e-5)
    np.testing.assert_array_equal(w[1].detach().numpy(), [1.0, 1.0, 1.0])
    assert opt.steps.tolist() == [1.0, 0.0]
