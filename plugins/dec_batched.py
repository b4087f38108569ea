"""Fold-batched DEC: the ``r`` fold models of inner folding trained as one network.

Every fold model has the same architecture, so their weights can be stacked into
tensors of shape (r, in, out) and the r forward and backward passes run as batched
matrix products (``torch.baddbmm``). This removes r-fold the per-operation overhead
of small layers and keeps the matrix kernels busy with larger work items.

Each fold model still only ever sees its own inner-train rows:

* minibatches are drawn per fold, from a generator seeded with the fold's own seed,
  in exactly the order :class:`~ifl_plugins.dec.DECClusterer` draws them; a fold whose
  batch is short (the last batch of an epoch, or inner trains of unequal size) is
  padded with masked rows that add nothing to its loss;
* the initial weights of fold ``j`` are drawn from fold ``j``'s seed exactly as the
  sequential clusterer draws them, so an equally seeded sequential model and the
  batched one agree up to floating-point rounding;
* the optimiser (Adam or SGD with momentum, written out for stacked parameters)
  keeps per-fold step counts and only updates a fold while that fold is active, so a
  fold that has finished its epochs, or stopped on the label-change tolerance, stays
  exactly as it was;
* the target distribution P of the KL phase is recomputed every ``update_interval``
  iterations over each fold's own inner train.

With ``pretraining="shared"`` the autoencoder is pretrained once on all rows and
copied to every fold before the per-fold k-means and KL phase. The inner-test rows
are then seen by the encoder during pretraining (without their features being
computed from their own clusters); the strict out-of-fold property no longer holds
for the encoder, only for the clusters.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from sklearn.cluster import KMeans

from ifl_core.devices import resolve_device
from ifl_plugins.dec import (
    DECClusterer,
    DECParams,
    RowSource,
    build_mlp,
    soft_assignment,
    target_distribution,
)

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- stacked network


class StackedMLP:
    """``r`` copies of one MLP: stacked weights (r, in, out) and biases (r, 1, out).

    ReLU between layers, none after the last, as :func:`~ifl_plugins.dec.build_mlp`.
    """

    def __init__(self, weights: list[torch.Tensor], biases: list[torch.Tensor]) -> None:
        self.weights = weights
        self.biases = biases

    @classmethod
    def from_modules(cls, modules: Sequence[torch.nn.Sequential]) -> StackedMLP:
        """Stack the ``nn.Linear`` layers of equally shaped sequential MLPs."""
        linears = [
            [m for m in seq if isinstance(m, torch.nn.Linear)] for seq in modules
        ]
        weights, biases = [], []
        for layer in zip(*linears):
            w = torch.stack([lin.weight.detach().t() for lin in layer]).contiguous()
            b = torch.stack([lin.bias.detach()[None, :] for lin in layer]).contiguous()
            weights.append(w.requires_grad_())
            biases.append(b.requires_grad_())
        return cls(weights, biases)

    def parameters(self) -> list[torch.Tensor]:
        return [*self.weights, *self.biases]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Forward ``x`` of shape (r, b, in) to (r, b, out)."""
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(b, x, w)
            if i < last:
                x = torch.relu(x)
        return x

    @torch.no_grad()
    def forward_one(self, j: int, x: torch.Tensor) -> torch.Tensor:
        """Forward rows ``x`` (m, in) through model ``j`` alone, without gradients."""
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.addmm(b[j], x, w[j])
            if i < last:
                x = torch.relu_(x)
        return x

    def to_module(self, j: int) -> torch.nn.Sequential:
        """Model ``j`` as the ``nn.Sequential`` that :func:`build_mlp` makes."""
        dims = [self.weights[0].shape[1], *(w.shape[2] for w in self.weights)]
        module = build_mlp(dims).to(self.weights[0].device)
        linears = [m for m in module if isinstance(m, torch.nn.Linear)]
        with torch.no_grad():
            for lin, w, b in zip(linears, self.weights, self.biases):
                lin.weight.copy_(w[j].t())
                lin.bias.copy_(b[j, 0])
        return module


class MaskedOptimizer:
    """Adam or SGD with momentum over stacked parameters, updating active folds only.

    Matches ``torch.optim.Adam`` / ``torch.optim.SGD`` (no weight decay, no
    dampening) applied to each fold's slice on its own: the moments and step counts
    are per fold, and a fold that is not active keeps its parameters and moments.
    """

    def __init__(
        self, params: list[torch.Tensor], kind: str, lr: float, momentum: float
    ) -> None:
        self.params = params
        self.kind = kind
        self.lr = lr
        self.momentum = momentum
        r = params[0].shape[0]
        self.steps = torch.zeros(r, dtype=torch.float64, device=params[0].device)
        self.state1 = [torch.zeros_like(p) for p in params]
        self.state2 = [torch.zeros_like(p) for p in params] if kind == "adam" else []
        self.buffers = [torch.empty_like(p) for p in self.state2]

    @torch.no_grad()
    def step(self, active: torch.Tensor) -> None:
        """Apply one update to the folds where ``active`` (bool, shape (r,)) is set."""
        self.steps += active.double()
        all_active = bool(active.all())
        if self.kind == "sgd":
            for p, buf in zip(self.params, self.state1):
                g = p.grad
                if all_active:
                    buf.mul_(self.momentum).add_(g)
                    p.sub_(buf, alpha=self.lr)
                else:
                    m = active.view((-1,) + (1,) * (p.dim() - 1)).to(p.dtype)
                    buf.copy_(torch.lerp(buf, buf * self.momentum + g, m))
                    p.sub_(buf * m, alpha=self.lr)
            return
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        t = self.steps.clamp_min(1.0)
        step_size = (self.lr / (1.0 - beta1**t)).float()
        bc2_sqrt = torch.sqrt(1.0 - beta2**t).float()
        for p, m1, m2, buf in zip(self.params, self.state1, self.state2, self.buffers):
            g = p.grad
            view = (-1,) + (1,) * (p.dim() - 1)
            if all_active:
                # step * m1 / (sqrt(m2) / bc2 + eps) rewritten as
                # m1 / (sqrt(m2) * a + b), in place, without temporaries
                m1.lerp_(g, 1.0 - beta1)
                m2.mul_(beta2).addcmul_(g, g, value=1.0 - beta2)
                a = (1.0 / (bc2_sqrt * step_size)).view(view)
                b = (eps / step_size).view(view)
                torch.sqrt(m2, out=buf).mul_(a).add_(b)
                p.addcdiv_(m1, buf, value=-1.0)
                continue
            mask = active.view(view).to(p.dtype)
            m1.copy_(torch.lerp(m1, torch.lerp(m1, g, 1.0 - beta1), mask))
            new2 = m2 * beta2 + (1.0 - beta2) * g * g
            m2.copy_(torch.lerp(m2, new2, mask))
            denom = (m2.sqrt() / bc2_sqrt.view(view)).add_(eps)
            update = m1 / denom * step_size.view(view)
            p.sub_(update.mul_(mask))

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


# ---------------------------------------------------------------- per-fold batches


class FoldBatches:
    """Per-fold minibatch positions, drawn as :class:`DECClusterer` draws them.

    Fold ``j`` owns a ``torch.Generator`` seeded with its seed; every epoch it draws
    ``randperm(n_j)`` and walks it in steps of ``batch_size``. :meth:`next` returns
    positions (into each fold's row list) of shape (r, b) padded with ``0`` and a
    float mask of the same shape, ``b`` being the longest batch of this step.
    """

    def __init__(self, sizes: Sequence[int], seeds: Sequence[int], batch_size: int):
        self.sizes = list(sizes)
        self.generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
        self.batch_size = batch_size
        self._iters: list[Iterator[torch.Tensor]] = [iter(()) for _ in self.sizes]

    def restart(self) -> None:
        """Start a fresh epoch for every fold at its next draw (as a new phase does)."""
        self._iters = [iter(()) for _ in self.sizes]

    def _epoch(self, j: int) -> Iterator[torch.Tensor]:
        order = torch.randperm(self.sizes[j], generator=self.generators[j])
        return iter(order.split(self.batch_size))

    def next(
        self, active: Sequence[bool]
    ) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
        """Next batch of every active fold; inactive folds get an empty batch."""
        picks = []
        for j, is_active in enumerate(active):
            if not is_active:
                picks.append(torch.empty(0, dtype=torch.int64))
                continue
            idx = next(self._iters[j], None)
            if idx is None:
                self._iters[j] = self._epoch(j)
                idx = next(self._iters[j])
            picks.append(idx)
        lengths = [len(p) for p in picks]
        width = max(lengths)
        pos = torch.zeros(len(picks), width, dtype=torch.int64)
        mask = torch.zeros(len(picks), width)
        for j, p in enumerate(picks):
            pos[j, : len(p)] = p
            mask[j, : len(p)] = 1.0
        return pos, mask, lengths


# ------------------------------------------------------------------- the trainer


def _epoch_batches(n: int, batch_size: int) -> int:
    return math.ceil(n / batch_size)


class BatchedDECTrainer:
    """Trains the DEC models of several inner trains together (see module docstring).

    Parameters
    ----------
    X : array or scipy.sparse matrix of shape (n, h)
        All rows; the inner trains are given as row indices into it.
    trains : list of int arrays
        The inner-train rows of each fold model.
    n_clusters : int
    params : DECParams
    seeds : list of int
        One seed per fold model, as the sequential clusterer would get.
    device : str
    """

    def __init__(
        self,
        X: Any,
        trains: Sequence[np.ndarray],
        n_clusters: int,
        params: DECParams,
        seeds: Sequence[int],
        device: str = "cpu",
    ) -> None:
        self.params = params
        self.n_clusters = int(n_clusters)
        self.seeds = [int(s) for s in seeds]
        self.device_name = device
        self.device = resolve_device(device)
        self.source = RowSource(X, self.device)
        self.trains = [torch.as_tensor(np.asarray(t, dtype=np.int64)) for t in trains]
        self.sizes = [len(t) for t in self.trains]
        self.r = len(self.trains)

    # ------------------------------------------------------------------ helpers

    def _rows(self, pos: torch.Tensor) -> torch.Tensor:
        """Input rows for positions ``pos`` (r, b) into each fold's inner train."""
        r, b = pos.shape
        rows = torch.stack([self.trains[j][pos[j]] for j in range(r)])
        return self.source.take(rows.reshape(-1)).reshape(r, b, -1)

    def _encode_fold(self, encoder: StackedMLP, j: int) -> torch.Tensor:
        step = self.params.eval_batch_size
        rows = self.trains[j]
        parts = [
            encoder.forward_one(j, self.source.take(rows[i : i + step]))
            for i in range(0, len(rows), step)
        ]
        return torch.cat(parts)

    def _init_networks(self, seeds: Sequence[int]) -> tuple[StackedMLP, StackedMLP]:
        p = self.params
        dims = [self.source.n_features, *p.hidden_dims, p.latent_dim]
        encoders, decoders = [], []
        for seed in seeds:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                encoders.append(build_mlp(dims).to(self.device))
                decoders.append(build_mlp(dims[::-1]).to(self.device))
        return StackedMLP.from_modules(encoders), StackedMLP.from_modules(decoders)

    # ---------------------------------------------------------------------- fit

    def fit(self) -> list[DECClusterer]:
        """Train every fold model; return them as fitted :class:`DECClusterer` s."""
        p = self.params
        batches = FoldBatches(self.sizes, self.seeds, p.batch_size)
        infos: list[dict[str, Any]] = [{} for _ in range(self.r)]

        if p.pretraining == "shared":
            encoder, decoder = self._pretrain_shared(infos)
        else:
            encoder, decoder = self._init_networks(self.seeds)
            losses = self._pretrain(encoder, decoder, batches, self.sizes)
            for info, loss in zip(infos, losses):
                info["pretrain_loss"] = loss

        labels, mu = self._init_centroids(encoder)
        labels = self._self_train(encoder, mu, batches, labels, infos)
        return self._models(encoder, mu, labels, infos)

    def _pretrain(
        self,
        encoder: StackedMLP,
        decoder: StackedMLP,
        batches: FoldBatches,
        sizes: Sequence[int],
        take=None,
    ) -> list[float]:
        """Phase 1: every fold runs its own ``epochs × ceil(n_j / b)`` steps."""
        p = self.params
        take = take or self._rows
        params = [*encoder.parameters(), *decoder.parameters()]
        opt = MaskedOptimizer(
            params, p.pretrain_optimizer, p.pretrain_lr, p.pretrain_momentum
        )
        total = [p.pretrain_epochs * _epoch_batches(n, p.batch_size) for n in sizes]
        last = torch.full((len(sizes),), float("nan"), device=self.device)
        for step in range(max(total, default=0)):
            active = [step < t for t in total]
            pos, mask, lengths = batches.next(active)
            xb = take(pos)
            err = (decoder(encoder(xb)) - xb).pow(2).mean(dim=2)
            counts = mask.sum(1).clamp_min(1.0)
            per_fold = (err * mask.to(err.device)).sum(1) / counts.to(err.device)
            opt.zero_grad()
            per_fold.sum().backward()
            on = torch.tensor(active, device=err.device)
            opt.step(on)
            last = torch.where(on, per_fold.detach(), last)
        return last.cpu().tolist()

    def _pretrain_shared(
        self, infos: list[dict[str, Any]]
    ) -> tuple[StackedMLP, StackedMLP]:
        """Pretrain one autoencoder on all rows, then copy it to every fold."""
        n = self.source.n_rows
        every = torch.arange(n)

        def take(pos: torch.Tensor) -> torch.Tensor:
            return self.source.take(every[pos.reshape(-1)]).reshape(1, pos.shape[1], -1)

        encoder, decoder = self._init_networks(self.seeds[:1])
        shared_batches = FoldBatches([n], self.seeds[:1], self.params.batch_size)
        (loss,) = self._pretrain(encoder, decoder, shared_batches, [n], take)
        for info in infos:
            info["pretrain_loss"] = loss
            info["shared_pretraining"] = True
        weights = [w.detach().expand(self.r, -1, -1).clone() for w in encoder.weights]
        biases = [b.detach().expand(self.r, -1, -1).clone() for b in encoder.biases]
        stacked = StackedMLP(
            [w.requires_grad_() for w in weights], [b.requires_grad_() for b in biases]
        )
        return stacked, decoder

    def _init_centroids(
        self, encoder: StackedMLP
    ) -> tuple[list[np.ndarray], torch.Tensor]:
        """k-means on every fold's embeddings, seeded as the sequential clusterer."""
        p = self.params
        labels, centres = [], []
        for j in range(self.r):
            z = self._encode_fold(encoder, j).cpu().numpy()
            kmeans = KMeans(
                self.n_clusters, n_init=p.kmeans_n_init, random_state=self.seeds[j]
            )
            labels.append(kmeans.fit_predict(z))
            centres.append(torch.tensor(kmeans.cluster_centers_, dtype=torch.float32))
        mu = torch.stack(centres).to(self.device).requires_grad_()
        return labels, mu

    def _fold_q(self, encoder: StackedMLP, mu: torch.Tensor, j: int) -> torch.Tensor:
        with torch.no_grad():
            z = self._encode_fold(encoder, j)
            return soft_assignment(z, mu[j], self.params.alpha)

    def _self_train(
        self,
        encoder: StackedMLP,
        mu: torch.Tensor,
        batches: FoldBatches,
        labels: list[np.ndarray],
        infos: list[dict[str, Any]],
    ) -> list[np.ndarray]:
        """Phase 2: KL(P || Q) with per-fold targets and per-fold tolerance stops."""
        p = self.params
        opt = MaskedOptimizer(
            [*encoder.parameters(), mu], p.cluster_optimizer, p.cluster_lr,
            p.cluster_momentum,
        )
        batches.restart()
        width = max(self.sizes)
        target = torch.zeros(self.r, width, self.n_clusters, device=self.device)
        active = [p.max_iterations > 0] * self.r
        stopped = [False] * self.r
        iterations = [0] * self.r
        iteration = 0
        while any(active):
            if iteration % p.update_interval == 0:
                for j in np.flatnonzero(active):
                    q = self._fold_q(encoder, mu, j)
                    target[j, : self.sizes[j]] = target_distribution(q)
                    new = q.argmax(1).cpu().numpy()
                    changed = float(np.mean(new != labels[j]))
                    labels[j] = new
                    if iteration > 0 and changed < p.tol:
                        stopped[j] = True
                        active[j] = False
                if not any(active):
                    break
            pos, mask, _ = batches.next(active)
            z = encoder(self._rows(pos))
            q = _stacked_soft_assignment(z, mu, p.alpha)
            where = pos.to(self.device)[:, :, None].expand(-1, -1, self.n_clusters)
            tb = torch.gather(target, 1, where)
            mask = mask.to(self.device)
            kl = (tb * (tb.clamp_min(1e-12).log() - q.clamp_min(1e-12).log())).sum(2)
            per_fold = (kl * mask).sum(1) / mask.sum(1).clamp_min(1.0)
            opt.zero_grad()
            per_fold.sum().backward()
            opt.step(torch.tensor(active, device=self.device))
            iteration += 1
            for j in range(self.r):
                if active[j]:
                    iterations[j] += 1
                    if iterations[j] >= p.max_iterations:
                        active[j] = False
        for j in range(self.r):
            if not stopped[j]:
                labels[j] = self._fold_q(encoder, mu, j).argmax(1).cpu().numpy()
            infos[j]["cluster_iterations"] = iterations[j]
            infos[j]["stopped_by_tol"] = stopped[j]
        return labels

    def _models(
        self,
        encoder: StackedMLP,
        mu: torch.Tensor,
        labels: list[np.ndarray],
        infos: list[dict[str, Any]],
    ) -> list[DECClusterer]:
        models = []
        for j in range(self.r):
            model = DECClusterer(
                self.n_clusters, self.params, seed=self.seeds[j],
                device=self.device_name,
            )
            model.adopt(
                encoder.to_module(j), mu[j].detach().clone(), labels[j], infos[j]
            )
            models.append(model)
        return models


def _stacked_soft_assignment(
    z: torch.Tensor, mu: torch.Tensor, alpha: float
) -> torch.Tensor:
    """Student-t soft assignment for stacked ``z`` (r, b, e) and ``mu`` (r, s, e)."""
    sq = torch.cdist(z, mu).pow(2)
    q = (1.0 + sq / alpha).pow(-(alpha + 1.0) / 2.0)
    return q / q.sum(dim=2, keepdim=True)


def fit_dec_folds(
    X: Any,
    trains: Sequence[np.ndarray],
    n_clusters: int,
    params: DECParams,
    seeds: Sequence[int],
    device: str = "cpu",
) -> list[DECClusterer]:
    """Fit one DEC model per inner train in ``trains``, all together.

    Returns fitted :class:`~ifl_plugins.dec.DECClusterer` s, in the order of
    ``trains``; model ``j`` matches ``DECClusterer(n_clusters, params,
    seed=seeds[j]).fit(X[trains[j]])`` up to floating-point rounding (with
    ``pretraining="per_fold"``).
    """
    trainer = BatchedDECTrainer(X, trains, n_clusters, params, seeds, device)
    return trainer.fit()
