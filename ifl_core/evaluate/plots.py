"""Figures of an evaluation (PNG, matplotlib's Agg backend).

* a 2-D t-SNE embedding of the primary features beside the primary + IFL
  features, coloured by class;
* a bar chart of accuracy per method and feature set, with the spread over seeds
  and the paper's number as a marker where it has one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from ifl_core.errors import ConfigError


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ConfigError("plots need matplotlib: pip install 'ifl[eval]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def tsne_plot(
    path: Path,
    primary: Any,
    joined: Any,
    y: np.ndarray,
    *,
    seed: int,
    title: str,
    class_names: list[str] | None = None,
) -> None:
    """Two t-SNE panels (primary, primary + IFL) coloured by class."""
    from sklearn.decomposition import PCA, TruncatedSVD
    from sklearn.manifold import TSNE

    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 6))
    for ax, X, label in (
        (axes[0], primary, "primary"),
        (axes[1], joined, "primary + IFL"),
    ):
        if X.shape[1] > 50:
            reducer = (
                TruncatedSVD(50, random_state=seed)
                if sp.issparse(X)
                else PCA(50, random_state=seed)
            )
            X = reducer.fit_transform(X)
        elif sp.issparse(X):
            X = X.toarray()
        emb = TSNE(2, init="pca", random_state=seed, perplexity=30).fit_transform(
            np.asarray(X, dtype=np.float64)
        )
        points = ax.scatter(
            emb[:, 0],
            emb[:, 1],
            c=y,
            cmap="tab10",
            s=4,
            vmin=0,
            vmax=max(9, int(y.max())),
        )
        ax.set_title(label)
        ax.set_xticks([])
        ax.set_yticks([])
    handles, _ = points.legend_elements()
    classes = np.unique(y)
    fig.legend(
        handles[: len(classes)],
        [class_names[c] if class_names else str(c) for c in classes],
        loc="lower center",
        ncol=min(len(classes), 10),
        title="class",
        markerscale=1.5,
        frameon=False,
    )
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.1, 1, 0.95))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def accuracy_plot(
    path: Path, summary: list[dict[str, Any]], order: dict[str, list[str]], title: str
) -> None:
    """Grouped bars of ACC per method and feature set, one panel per task."""
    plt = _pyplot()
    tasks = [
        t
        for t in ("clustering", "classification")
        if any(e["task"] == t for e in summary)
    ]
    fig, axes = plt.subplots(
        1, len(tasks), figsize=(6.5 * len(tasks), 4.6), squeeze=False
    )
    for ax, task in zip(axes[0], tasks):
        entries = {
            (e["method"], e["features"]): e
            for e in summary
            if e["task"] == task and e["metric"] == "acc"
        }
        methods = [
            m for m in order[task + "_methods"] if any(k[0] == m for k in entries)
        ]
        sets = [f for f in order[task + "_sets"] if any(k[1] == f for k in entries)]
        width = 0.8 / max(len(sets), 1)
        x = np.arange(len(methods))
        for i, name in enumerate(sets):
            got = [entries.get((m, name)) for m in methods]
            means = [e["mean"] if e else np.nan for e in got]
            stds = [e["std"] if e else 0 for e in got]
            offset = x - 0.4 + width * (i + 0.5)
            ax.bar(offset, means, width, yerr=stds, capsize=2, label=name)
            papers = [e["paper"] if e and e["paper"] != "" else np.nan for e in got]
            if not np.isnan(papers).all():
                ax.scatter(
                    offset,
                    papers,
                    marker="_",
                    s=120,
                    color="black",
                    zorder=3,
                    label="paper"
                    if "paper" not in ax.get_legend_handles_labels()[1]
                    else None,
                )
        ax.set_xticks(x, methods)
        ax.set_ylim(0, 100)
        ax.set_ylabel("ACC (%)")
        ax.set_title(task)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
