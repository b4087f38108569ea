"""Re-running the paper's clustering and classification tables on real data.

:func:`evaluate` runs (or resumes) an evaluation in an output folder and writes

* ``cells.jsonl``: one line per finished (task, method, feature set, seed) cell;
* ``settings.json``: the settings, the data and the package versions;
* ``results.csv`` and ``results.md``: mean ± std over seeds, with the paper's number;
* ``tsne.png`` and ``accuracy.png``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from ifl_core.evaluate.methods import CLASSIFIERS, CLUSTERING_METHODS
from ifl_core.evaluate.report import markdown, summarise, write_csv
from ifl_core.evaluate.runner import (
    CLASSIFY_SETS,
    CLUSTER_SETS,
    EvalSettings,
    Evaluation,
    Progress,
    make_eval_settings,
)
from ifl_core.io import write_bytes_atomic

log = logging.getLogger(__name__)


def _order(settings: EvalSettings) -> dict[str, list[str]]:
    return {
        "clustering_methods": list(settings.clustering_methods),
        "clustering_sets": list(CLUSTER_SETS),
        "classification_methods": list(settings.classifiers),
        "classification_sets": list(CLASSIFY_SETS),
    }


def evaluate(
    settings: EvalSettings,
    out_dir: str | Path,
    data_dir: str | Path | None = None,
    *,
    restart: bool = False,
    plots: bool = True,
    report_only: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run or resume an evaluation; return the summary and the files written.

    With ``report_only``, nothing is computed: the tables and plots are written
    from the cells finished so far (for example while another process runs).
    """
    run = Evaluation(
        settings, Path(out_dir), data_dir, restart=restart, progress=progress
    )
    with run.limits():
        cells = run.run(compute=not report_only)
        record = run.record()
        record["ifl_fold_accuracy"] = run.fold_accuracy()
        order = _order(settings)
        summary = summarise(cells.rows(), record["data"]["paper_column"], order)
        out = run.out
        write_csv(out / "results.csv", summary)
        write_bytes_atomic(
            out / "results.md", markdown(summary, record, order).encode("utf-8")
        )
        written = [out / "results.csv", out / "results.md", out / "cells.jsonl"]
        if plots:
            written += _plots(run, summary, order, compute=not report_only)
    return {"summary": summary, "record": record, "written": written}


def _plots(
    run: Evaluation,
    summary: list[dict[str, Any]],
    order: dict[str, list[str]],
    *,
    compute: bool = True,
) -> list[Path]:
    from ifl_core.evaluate.plots import accuracy_plot, tsne_plot
    from ifl_core.evaluate.runner import _join, _scale

    s = run.settings
    name = run.dataset.name
    written = []
    seed = s.seeds[0]
    cached = (run.out / f"ifl-clustering-seed{seed}.npz").is_file()
    if s.tsne_rows and "clustering" in s.tasks and (compute or cached):
        run.progress("t-SNE plot")
        ifl = _scale(run.clustering_features(seed), how=s.scaling)[0]
        rng = np.random.default_rng(0)
        keep = np.sort(
            rng.choice(len(run.y), min(s.tsne_rows, len(run.y)), replace=False)
        )
        path = run.out / "tsne.png"
        tsne_plot(
            path,
            run.X[keep],
            _join(run.X[keep], ifl[keep]),
            run.y[keep],
            seed=seed,
            title=f"{name}: t-SNE of {len(keep)} rows "
            f"(IFL scaling {s.scaling}, seed {seed})",
            class_names=run.class_names,
        )
        written.append(path)
    if not summary:
        return written
    path = run.out / "accuracy.png"
    accuracy_plot(
        path,
        summary,
        order,
        f"{name}: accuracy per method and features "
        "(bars: ours, mean ± std; black: paper)",
    )
    written.append(path)
    return written


__all__ = [
    "CLASSIFIERS",
    "CLUSTERING_METHODS",
    "EvalSettings",
    "evaluate",
    "make_eval_settings",
]
