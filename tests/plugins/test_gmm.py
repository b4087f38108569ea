"""The Gaussian mixture clusterer."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from sklearn.mixture import GaussianMixture

from ifl_core.matching import clustering_accuracy
from ifl_plugins.gmm import GMMClusterer


def test_centroids_are_the_mixture_means_and_encode_is_identity(small_digits):
    X, y = small_digits
    model = GMMClusterer(10, seed=0).fit(X)
    reference = GaussianMixture(10, covariance_type="diag", random_state=0).fit(X)

    np.testing.assert_allclose(model.centroids_, reference.means_, rtol=1e-5)
    np.testing.assert_array_equal(model.encode(X[:4]), X[:4].astype(np.float64))
    assert clustering_accuracy(y, model.labels_) > 0.5
    assert model.info["em_iterations"] >= 1


def test_covariance_type_outside_the_valid_set_is_rejected():
    with pytest.raises(ValidationError, match="covariance_type"):
        GMMClusterer(3, {"covariance_type": "diagonal"})
