"""``idec``: Improved Deep Embedded Clustering (DEC that keeps its decoder).

DEC drops the decoder after pretraining, and its clustering loss alone may distort
the embedding until it no longer describes the data. IDEC keeps the decoder in the
clustering phase and minimises ``L_r + γ · KL(P || Q)``: the reconstruction error of
the autoencoder plus the DEC clustering loss weighted by ``γ`` (0.1 by default, as
in the IDEC paper by Guo et al., 2017). Everything else (architecture, pretraining,
k-means start, the policy of recomputing P and stopping on ``tol``) is DEC's.
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from ifl_core.hookspecs import hookimpl
from ifl_core.registry import Registry
from ifl_plugins.dec import DECClusterer, DECParams


class IDECParams(DECParams):
    gamma: float = Field(
        0.1, gt=0, description="weight of the clustering loss beside reconstruction"
    )
    # The fold-batched trainer implements DEC's loss only: IDEC trains its fold
    # models one after another, and says so instead of accepting the options.
    batched_folds: Literal[False] = Field(
        False, description="not available for idec: fold models train one by one"
    )
    pretraining: Literal["per_fold"] = Field(
        "per_fold", description="not available for idec: always per fold"
    )


class IDECClusterer(DECClusterer):
    """DEC whose clustering phase also minimises the reconstruction error."""

    name = "idec"
    description = "Improved DEC: KL self-training plus the reconstruction loss"
    Params = IDECParams
    supports_batched_folds = False

    def _cluster_parameters(self) -> list[torch.Tensor]:
        return [*super()._cluster_parameters(), *self.decoder_.parameters()]

    def _cluster_loss(self, xb: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        reconstruction = torch.nn.functional.mse_loss(
            self.decoder_(self.encoder_(xb)), xb
        )
        return reconstruction + self.params.gamma * super()._cluster_loss(xb, target)


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_clusterer(IDECClusterer)
