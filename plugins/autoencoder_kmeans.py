"""``ae-kmeans``: k-means in the latent space of a pretrained autoencoder.

The first two steps of DEC without its self-training: the autoencoder is pretrained
on the reconstruction error, and k-means on the embeddings gives the centroids and
the hard clusters. A baseline that shows how much DEC's KL phase adds.
"""

from __future__ import annotations

import numpy as np
import torch

from ifl_core.hookspecs import hookimpl
from ifl_core.registry import Registry
from ifl_plugins.dec import AutoencoderParams, DECClusterer, RowSource


class AEKMeansClusterer(DECClusterer):
    """A pretrained autoencoder's encoder, then k-means on the embeddings."""

    name = "ae-kmeans"
    description = "pretrained autoencoder, then k-means in its latent space"
    Params = AutoencoderParams
    # The fold-batched trainer runs DEC's clustering phase, which this model skips.
    supports_batched_folds = False

    def _self_train(
        self, X: RowSource, gen: torch.Generator, labels: np.ndarray
    ) -> np.ndarray:
        # The k-means clusters are final: no clustering phase moves the centroids.
        self.info["cluster_iterations"] = 0
        return labels


@hookimpl
def ifl_register(registry: Registry) -> None:
    registry.add_clusterer(AEKMeansClusterer)
