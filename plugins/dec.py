"""``dec``: Deep Embedded Clustering in PyTorch.

The recipe:

1. an autoencoder d-500-500-2000-e (ReLU between layers, linear embedding and linear
   output) is pretrained end to end on the mean squared reconstruction error;
2. the centroids are initialised by k-means on the embeddings;
3. the encoder and the centroids are trained on KL(P || Q), where Q is the Student-t
   soft assignment and P the sharpened target distribution. P is recomputed on the
   *whole* training set every ``update_interval`` iterations, and training stops once
   fewer than ``tol`` of the hard labels change between two such updates.

Sparse input (for example tf-idf as ``scipy.sparse`` CSR) is densified one minibatch
at a time, never as a whole. The ``r`` fold models of inner folding can be trained
together as one batched network (``batched_folds``, see
:mod:`ifl_plugins.dec_batched`).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
import torch
from pydantic import Field
from sklearn.cluster import KMeans
from torch import nn

from ifl_core.devices import resolve_device
from ifl_core.hookspecs import hookimpl
from ifl_core.interfaces import Clusterer, PluginParams
from ifl_core.registry import Registry

log = logging.getLogger(__name__)


class AutoencoderParams(PluginParams):
    """Parameters of the autoencoder, its pretraining and the k-means start."""

    hidden_dims: list[int] = Field(
        default_factory=lambda: [500, 500, 2000],
        description="hidden layer widths of the encoder (mirrored in the decoder)",
    )
    latent_dim: int = Field(10, ge=1, description="dimension e of the embedding")
    batch_size: int = Field(256, ge=1)
    pretrain_epochs: int = Field(30, ge=0, description="autoencoder epochs")
    pretrain_optimizer: Literal["adam", "sgd"] = "adam"
    pretrain_lr: float = Field(1e-3, gt=0)
    pretrain_momentum: float = Field(0.9, ge=0, description="SGD momentum only")
    kmeans_n_init: int = Field(20, ge=1)
    eval_batch_size: int = Field(
        8192, ge=1, description="rows per no-grad batch when encoding"
    )


class DECParams(AutoencoderParams):
    """Autoencoder parameters plus those of the KL self-training phase."""

    alpha: float = Field(1.0, gt=0, description="Student-t degrees of freedom")
    cluster_optimizer: Literal["adam", "sgd"] = "sgd"
    cluster_lr: float = Field(0.01, gt=0)
    cluster_momentum: float = Field(0.9, ge=0, description="SGD momentum only")
    update_interval: int = Field(
        140, ge=1, description="iterations between recomputations of the target P"
    )
    max_iterations: int = Field(
        420, ge=0, description="upper bound on clustering-phase iterations"
    )
    tol: float = Field(
        0.001, ge=0, description="stop when this share of hard labels changes"
    )
    batched_folds: bool = Field(
        True,
        description="train the fold models of inner folding together as one "
        "batched network (same models up to rounding; faster)",
    )
    pretraining: Literal["per_fold", "shared"] = Field(
        "per_fold",
        description="per_fold: every fold model pretrains its own autoencoder on its "
        "inner train; shared: one autoencoder pretrained on all rows, fine-tuned per "
        "fold (inner-test rows are then seen by the encoder; implies batched_folds)",
    )


def build_mlp(dims: list[int]) -> nn.Sequential:
    """Linear layers through ``dims`` with ReLU between them, none after the last."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def soft_assignment(z: torch.Tensor, mu: torch.Tensor, alpha: float) -> torch.Tensor:
    """Student-t kernel q_ij ∝ (1 + ||z_i - μ_j||² / α)^(-(α+1)/2), rows sum to 1."""
    sq = torch.cdist(z, mu).pow(2)
    q = (1.0 + sq / alpha).pow(-(alpha + 1.0) / 2.0)
    return q / q.sum(dim=1, keepdim=True)


def target_distribution(q: torch.Tensor) -> torch.Tensor:
    """p_ij = (q_ij² / f_j) normalised per row, with f_j = Σ_i q_ij."""
    weight = q.pow(2) / q.sum(dim=0).clamp_min(1e-12)
    return weight / weight.sum(dim=1, keepdim=True)


class RowSource:
    """Rows of a dense array or a sparse matrix as float32 tensors on ``device``.

    A dense array is converted once (no copy when it is already float32 on the CPU);
    a sparse matrix stays sparse and only the rows asked for are densified.
    """

    def __init__(self, X: Any, device: torch.device) -> None:
        self.device = device
        self.sparse = sp.issparse(X)
        if self.sparse:
            self.data = sp.csr_matrix(X, dtype=np.float32)
        else:
            self.data = torch.as_tensor(np.asarray(X, dtype=np.float32), device=device)
        self.n_rows, self.n_features = (int(v) for v in X.shape)

    def take(self, rows: torch.Tensor) -> torch.Tensor:
        """Rows ``rows`` (int64 tensor of shape (m,)) as a float32 tensor (m, h)."""
        if self.sparse:
            dense = self.data[rows.cpu().numpy()].toarray()
            return torch.from_numpy(dense).to(self.device)
        return self.data[rows.to(self.device)]

    def chunks(self, step: int) -> Any:
        """All rows in order, ``step`` at a time."""
        for i in range(0, self.n_rows, step):
            if self.sparse:
                dense = self.data[i : i + step].toarray()
                yield torch.from_numpy(dense).to(self.device)
            else:
                yield self.data[i : i + step]


def _optimizer(kind: str, params: Any, lr: float, momentum: float):
    """Adam or SGD with momentum, as torch's fused kernel (one pass over memory per
    parameter instead of several; the same update up to rounding)."""
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, fused=True)
    return torch.optim.Adam(params, lr=lr, fused=True)


class DECClusterer(Clusterer):
    """Deep Embedded Clustering (autoencoder pretraining, then KL self-training)."""

    name = "dec"
    description = "Deep Embedded Clustering (PyTorch autoencoder + KL self-training)"
    Params = DECParams
    accepts_sparse = True
    supports_batched_folds = True

    @classmethod
    def batched_folds_selected(cls, params: DECParams) -> bool:
        return params.batched_folds or params.pretraining == "shared"

    @classmethod
    def batched_folds_required(cls, params: DECParams) -> bool:
        return params.pretraining == "shared"

    @classmethod
    def fit_batched(
        cls,
        X: Any,
        trains: list[np.ndarray],
        n_clusters: int,
        params: DECParams,
        *,
        seeds: list[int],
        device: str = "cpu",
    ) -> list[DECClusterer]:
        from ifl_plugins.dec_batched import fit_dec_folds

        return fit_dec_folds(X, trains, n_clusters, params, seeds, device)

    # ------------------------------------------------------------------ helpers

    @torch.no_grad()
    def _encode_source(self, source: RowSource) -> torch.Tensor:
        chunks = source.chunks(self.params.eval_batch_size)
        return torch.cat([self.encoder_(xb) for xb in chunks])

    def _batches(self, n: int, gen: torch.Generator):
        order = torch.randperm(n, generator=gen)
        step = self.params.batch_size
        for i in range(0, n, step):
            yield order[i : i + step]

    # --------------------------------------------------------------------- fit

    def fit(self, X: Any) -> DECClusterer:
        p = self.params
        self._device = resolve_device(self.device)
        gen = torch.Generator().manual_seed(self.seed)
        Xs = RowSource(X, self._device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            dims = [Xs.n_features, *p.hidden_dims, p.latent_dim]
            self.encoder_ = build_mlp(dims).to(self._device)
            self.decoder_ = build_mlp(dims[::-1]).to(self._device)

        self._pretrain(Xs, gen)

        z = self._encode_source(Xs).cpu().numpy()
        kmeans = KMeans(self.n_clusters, n_init=p.kmeans_n_init, random_state=self.seed)
        labels = kmeans.fit_predict(z)
        mu = torch.tensor(kmeans.cluster_centers_, dtype=torch.float32)
        self.mu_ = nn.Parameter(mu.to(self._device))

        labels = self._self_train(Xs, gen, labels)
        self._finish(labels)
        return self

    def adopt(
        self,
        encoder: nn.Sequential,
        mu: torch.Tensor,
        labels: np.ndarray,
        info: dict[str, Any],
    ) -> DECClusterer:
        """Take over a model trained elsewhere (by the fold-batched trainer)."""
        self._device = resolve_device(self.device)
        self.encoder_ = encoder
        self.mu_ = nn.Parameter(mu.to(self._device))
        self.info.update(info)
        self._finish(labels)
        return self

    def _finish(self, labels: np.ndarray) -> None:
        self.labels_ = np.asarray(labels).astype(np.int64)
        self.centroids_ = self.mu_.detach().cpu().numpy().astype(np.float64)
        n_used = len(np.unique(self.labels_))
        self.info["nonempty_clusters"] = int(n_used)
        if n_used < self.n_clusters:
            log.warning(
                "DEC left %d of %d clusters empty",
                self.n_clusters - n_used,
                self.n_clusters,
            )

    def _pretrain(self, X: RowSource, gen: torch.Generator) -> None:
        p = self.params
        params = [*self.encoder_.parameters(), *self.decoder_.parameters()]
        opt = _optimizer(
            p.pretrain_optimizer, params, p.pretrain_lr, p.pretrain_momentum
        )
        loss_fn = nn.MSELoss()
        loss = torch.tensor(float("nan"))
        for _ in range(p.pretrain_epochs):
            for idx in self._batches(X.n_rows, gen):
                xb = X.take(idx)
                loss = loss_fn(self.decoder_(self.encoder_(xb)), xb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        self.info["pretrain_loss"] = float(loss.detach())

    def _cluster_parameters(self) -> list[torch.Tensor]:
        """What the clustering phase optimises: the encoder and the centroids."""
        return [*self.encoder_.parameters(), self.mu_]

    def _cluster_loss(self, xb: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """KL(P || Q) of one mini-batch ``xb`` against its rows of the target P."""
        q = soft_assignment(self.encoder_(xb), self.mu_, self.params.alpha)
        return nn.functional.kl_div(
            q.clamp_min(1e-12).log(), target, reduction="batchmean"
        )

    def _self_train(
        self, X: RowSource, gen: torch.Generator, labels: np.ndarray
    ) -> np.ndarray:
        p = self.params
        params = self._cluster_parameters()
        opt = _optimizer(p.cluster_optimizer, params, p.cluster_lr, p.cluster_momentum)
        iteration = 0
        target = None
        batches = iter(())
        stopped_by_tol = False
        while iteration < p.max_iterations:
            if iteration % p.update_interval == 0:
                with torch.no_grad():
                    q = soft_assignment(self._encode_source(X), self.mu_, p.alpha)
                target = target_distribution(q)
                new_labels = q.argmax(1).cpu().numpy()
                changed = float(np.mean(new_labels != labels))
                labels = new_labels
                if iteration > 0 and changed < p.tol:
                    stopped_by_tol = True
                    break
            idx = next(batches, None)
            if idx is None:
                batches = self._batches(X.n_rows, gen)
                idx = next(batches)
            loss = self._cluster_loss(X.take(idx), target[idx.to(self._device)])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            iteration += 1
        if not stopped_by_tol:
            with torch.no_grad():
                q = soft_assignment(self._encode_source(X), self.mu_, p.alpha)
            labels = q.argmax(1).cpu().numpy()
        self.info["cluster_iterations"] = iteration
        self.info["stopped_by_tol"] = stopped_by_tol
        return labels

    # ------------------------------------------------------------------ encode

    def encode(self, X: Any) -> np.ndarray:
        z = self._encode_source(RowSource(X, self._device))
        return z.cpu().numpy().astype(np.float64)

    def get_state(self) -> dict[str, np.ndarray]:
        state = {
            f"encoder.{k}": v.cpu().numpy()
            for k, v in self.encoder_.state_dict().items()
        }
        state["centroids"] = self.centroids_
        state["labels"] = self.labels_
        return state

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        self._device = resolve_device(self.device)
        weights = {k[len("encoder."):]: torch.as_tensor(v) for k, v in state.items()
                   if k.startswith("encoder.")}
        n_in = weights["0.weight"].shape[1]
        dims = [n_in, *self.params.hidden_dims, self.params.latent_dim]
        self.encoder_ = build_mlp(dims).to(self._device)
        self.encoder_.load_state_dict(weights)
        self.centroids_ = np.asarray(state["centroids"], dtype=np.float64)
        self.mu_ = nn.Parameter(torch.tensor(self.centroids_, dtype=torch.float32))
        self.labels_ = np.asarray(state["labels"], dtype=np.int64)


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_clusterer(DECClusterer)
