"""An example ``ifl`` plugin: the ``pca-kmeans`` clusterer and ``distance-ratio``.

``ifl`` finds this module through the ``ifl.plugins`` entry point declared in the
package's ``pyproject.toml`` and calls :func:`ifl_register` with its registry.
"""

from __future__ import annotations

from ifl_core import Registry, hookimpl

from ifl_example_plugin.distance_ratio import DistanceRatio
from ifl_example_plugin.pca_kmeans import PCAKMeansClusterer

__all__ = ["DistanceRatio", "PCAKMeansClusterer", "ifl_register"]


@hookimpl
def ifl_register(registry: Registry) -> None:
    """Add the example's clusterer and error metric."""
    registry.add_clusterer(PCAKMeansClusterer)
    registry.add_metric(DistanceRatio)
