"""The accuracies (%) printed in the paper, for side-by-side reports.

Keys are this project's names: a clustering method or a classifier, a feature set,
and the paper's data-set column (``MNIST``, ``USPS``, ``R-10K``, ``Reuters``,
``HHAR``). The text extraction of the paper scrambled its tables, so the pairing
of a few Reuters and HHAR numbers is uncertain.
"""

from __future__ import annotations

_CLUSTER_COLUMNS = ("MNIST", "USPS", "R-10K", "Reuters", "HHAR")
_CLUSTER_ROWS = {
    ("kmeans", "primary"): (53.24, 67.14, 54.95, 53.29, 60.35),
    ("hca-average", "primary"): (19.17, 27.95, 44.72, None, 36.12),
    ("hca-ward", "primary"): (62.11, 74.75, 52.62, None, 62.02),
    ("dec", "primary"): (84.30, 74.08, 72.17, 75.63, 79.86),
    ("kmeans", "ifl"): (16.40, 14.17, 32.97, 75.00, 23.26),
    ("hca-average", "ifl"): (82.06, 84.80, 76.05, None, 36.50),
    ("hca-ward", "ifl"): (91.36, 77.23, 76.77, None, 51.60),
    ("dec", "ifl"): (91.75, 82.68, 77.15, 80.11, 51.59),
    ("kmeans", "primary+ifl"): (91.49, 77.44, 77.53, 75.56, 51.58),
    ("hca-average", "primary+ifl"): (77.85, 85.26, 78.45, None, 36.50),
    ("hca-ward", "primary+ifl"): (91.26, 77.03, 80.08, None, 51.60),
    ("dec", "primary+ifl"): (95.79, 84.55, 83.19, 81.39, 87.66),
}

#: Table III: primary, primary+IFL (technique 1) and, for HHAR, technique 2.
_CLASSIFY = {
    "tree": {
        "MNIST": (88.6, 93.8),
        "USPS": (85.8, 90.20),
        "R-10K": (84.5, 89.9),
        "HHAR": (85.5, 86.6, 97.65),
    },
    "forest": {
        "MNIST": (96.9, 97.05),
        "USPS": (94.0, 93.57),
        "R-10K": (94.0, 95.1),
        "HHAR": (92.7, 93.2, 98.88),
    },
    "xgboost": {
        "MNIST": (93.7, 95.3),
        "USPS": (92.6, 92.6),
        "R-10K": (92.3, 94.0),
        "HHAR": (93.4, 94.12, 98.07),
    },
    "knn": {
        "MNIST": (96.9, 97.1),
        "USPS": (95.0, 95.0),
        "R-10K": (94.1, 94.5),
        "HHAR": (89.7, 90.0, 96.94),
    },
    "mlp": {
        "MNIST": (97.8, 98.87),
        "USPS": (94.3, 94.54),
        "R-10K": (95.3, 95.86),
        "HHAR": (94.7, 96.34, 99.01),
    },
}

#: Table IV: IFL features alone (technique 2 for HHAR).
_IFL_ALONE = {
    "MNIST": (86.63, 86.49, 87.14, 84.8, 86.85),
    "USPS": (82.05, 79.50, 82.05, 81.50, 82.05),
    "R-10K": (80.22, 80.09, 80.44, 79.04, 80.24),
    "HHAR": (64.72, 76.12, 71.29, 74.2, 77.51),
}
_CLASSIFIERS = ("tree", "forest", "xgboost", "knn", "mlp")


def paper_accuracy(
    task: str, method: str, features: str, column: str | None
) -> float | None:
    """The paper's accuracy (%) for one cell, or None where it prints none."""
    if column is None:
        return None
    if task == "clustering":
        row = _CLUSTER_ROWS.get((method, features))
        if row is None or column not in _CLUSTER_COLUMNS:
            return None
        return row[_CLUSTER_COLUMNS.index(column)]
    values = _CLASSIFY.get(method, {}).get(column)
    if values is None:
        return None
    if features == "primary":
        return values[0]
    if features == "technique1":
        return values[1]
    if features == "primary+ifl" and len(values) > 2:
        return values[2]
    if features == "ifl" and column in _IFL_ALONE:
        return _IFL_ALONE[column][_CLASSIFIERS.index(method)]
    return None
