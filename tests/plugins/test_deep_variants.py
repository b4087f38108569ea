"""IDEC and ae-kmeans: the DEC variants built on DEC's autoencoder."""

from __future__ import annotations

import numpy as np
import torch
from pydantic import ValidationError
from sklearn.cluster import KMeans

from ifl_core.matching import clustering_accuracy
from ifl_plugins.autoencoder_kmeans import AEKMeansClusterer
from ifl_plugins.dec import DECClusterer
from ifl_plugins.idec import IDECClusterer


def _decoder_after(cls, X, params):
    model = cls(5, params, seed=0, device="cpu").fit(X)
    return [p.detach().clone() for p in model.decoder_.parameters()], model


def test_idec_trains_the_decoder_in_the_clustering_phase_and_dec_does_not(
    small_digits, tiny_dec
):
    X = small_digits[0][:100]
    tiny_dec.update(pretrain_epochs=2, max_iterations=10, update_interval=5)
    no_clustering = {**tiny_dec, "max_iterations": 0}
    pretrained, _ = _decoder_after(DECClusterer, X, no_clustering)
    after_dec, _ = _decoder_after(DECClusterer, X, tiny_dec)
    after_idec, model = _decoder_after(IDECClusterer, X, tiny_dec)

    # same seed, same pretraining: only the clustering phase can tell them apart
    assert all(torch.equal(a, b) for a, b in zip(pretrained, after_dec))
    assert not all(torch.equal(a, b) for a, b in zip(pretrained, after_idec))
    assert model.params.gamma == 0.1
    assert model.info["cluster_iterations"] > 0


def test_idec_loss_is_reconstruction_plus_gamma_times_kl(small_digits, tiny_dec):
    X, _ = small_digits
    params = {**tiny_dec, "gamma": 0.5, "pretrain_epochs": 1, "max_iterations": 0}
    model = IDECClusterer(4, params, seed=0, device="cpu").fit(X[:60])
    xb = torch.as_tensor(X[:32])
    target = torch.full((32, 4), 0.25)

    with torch.no_grad():
        total = model._cluster_loss(xb, target)
        kl = DECClusterer._cluster_loss(model, xb, target)
        mse = torch.mean((model.decoder_(model.encoder_(xb)) - xb) ** 2)

    assert torch.isclose(total, mse + 0.5 * kl)


def test_ae_kmeans_keeps_the_kmeans_clusters_of_the_embedding(small_digits, tiny_dec):
    X, y = small_digits
    params = {k: v for k, v in tiny_dec.items()
              if k not in ("max_iterations", "update_interval")}
    model = AEKMeansClusterer(10, params, seed=0, device="cpu").fit(X)
    z = model.encode(X)
    nearest = np.argmin(((z[:, None, :] - model.centroids_[None]) ** 2).sum(2), axis=1)

    assert model.info["cluster_iterations"] == 0
    assert np.mean(nearest == model.labels_) > 0.99
    reference = KMeans(10, n_init=2, random_state=0).fit(z)
    assert clustering_accuracy(reference.labels_, model.labels_) > 0.9
    assert clustering_accuracy(y, model.labels_) > 0.3


def test_ae_kmeans_rejects_clustering_phase_parameters():
    try:
        AEKMeansClusterer(3, {"max_iterations": 5})
    except ValidationError as exc:
        assert "max_iterations" in str(exc)
    else:
        raise AssertionError("max_iterations was accepted")


def test_variants_train_their_fold_models_one_by_one(small_digits, tiny_dec):
    from ifl_core.engine import Components, _batched
    from ifl_core.executors import InProcessExecutor
    from ifl_core.settings import make_settings

    def batched(name, params):
        settings = make_settings({"clusterer": name, "n_clusters": 3, "n_folds": 3,
                                  "clusterer_params": params})
        return _batched(Components(settings), InProcessExecutor(), 3)

    assert batched("dec", tiny_dec)
    assert not batched("dec", {**tiny_dec, "batched_folds": False})
    assert not batched("idec", tiny_dec)
    assert not batched("ae-kmeans", {"hidden_dims": [32, 32], "latent_dim": 5})
    try:
        IDECClusterer.make_params({"batched_folds": True})
    except ValidationError as exc:
        assert "batched_folds" in str(exc)
    else:
        raise AssertionError("idec accepted batched_folds=True")
