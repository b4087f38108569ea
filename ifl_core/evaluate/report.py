"""Tables of an evaluation: mean ± std over seeds, with the paper's number beside.

``results.csv`` holds one line per (task, method, feature set, metric); the Markdown
file holds the same numbers as two tables (clustering, classification) with the run
settings above them.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from ifl_core.evaluate.paper import paper_accuracy
from ifl_core.io import write_bytes_atomic

_METRICS = {"clustering": ("acc", "nmi", "ari"), "classification": ("acc",)}
FIELDS = [
    "task",
    "method",
    "features",
    "metric",
    "mean",
    "std",
    "n_seeds",
    "seeds",
    "paper",
    "paper_column",
]


def summarise(
    rows: list[dict[str, Any]], paper_column: str | None, order: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """Aggregate cells over seeds; values in %, the paper's ACC where it has one."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["task"], row["method"], row["features"])].append(row)

    def rank(key: tuple[str, str, str]) -> tuple[int, int, int]:
        task, method, features = key
        methods = order.get(task + "_methods", [])
        sets = order.get(task + "_sets", [])
        return (
            0 if task == "clustering" else 1,
            methods.index(method) if method in methods else 99,
            sets.index(features) if features in sets else 99,
        )

    out = []
    for key in sorted(groups, key=rank):
        task, method, features = key
        cells = groups[key]
        for metric in _METRICS[task]:
            values = np.array([c[metric] for c in cells], dtype=float) * 100
            paper = (
                paper_accuracy(task, method, features, paper_column)
                if metric == "acc"
                else None
            )
            out.append(
                {
                    "task": task,
                    "method": method,
                    "features": features,
                    "metric": metric,
                    "mean": round(float(values.mean()), 2),
                    "std": round(float(values.std()), 2),
                    "n_seeds": len(values),
                    "seeds": " ".join(
                        str(c["seed"]) for c in sorted(cells, key=lambda c: c["seed"])
                    ),
                    "paper": "" if paper is None else paper,
                    "paper_column": paper_column or "",
                }
            )
    return out


def write_csv(path: Path, summary: list[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(summary)
    write_bytes_atomic(path, buffer.getvalue().encode("utf-8"))


def _cell(entry: dict[str, Any] | None, with_paper: bool = True, seeds: int = 0) -> str:
    if entry is None:
        return "–"
    text = f"{entry['mean']:.2f} ± {entry['std']:.2f}"
    if entry["n_seeds"] < seeds:
        text += f" [{entry['n_seeds']} seed{'s' if entry['n_seeds'] > 1 else ''}]"
    if with_paper and entry["paper"] != "":
        text += f" ({entry['paper']})"
    return text


def markdown(
    summary: list[dict[str, Any]], record: dict[str, Any], order: dict[str, list[str]]
) -> str:
    """The results as Markdown: settings, then one table per task."""
    index = {(e["task"], e["method"], e["features"], e["metric"]): e for e in summary}
    data, s, resolved = record["data"], record["settings"], record["resolved"]
    column = data.get("paper_column")
    n_seeds = len(s["seeds"])
    lines = [
        f"## {data['name']}: {data['rows']} rows x {data['features']} features, "
        f"{data['classes']} classes",
        "",
        f"- rows: {data['subsample']}; seeds: {', '.join(map(str, s['seeds']))}; "
        f"inner folds r = {s['n_folds']}; IFL scaling beside primary: {s['scaling']}",
        f"- IFL clusterer: {s['clusterer']}; DEC settings (IFL and the DEC method): "
        f"{resolved['dec_params'] or 'defaults'}{' (quick)' if s['quick'] else ''}",
        f"- classification: stratified split, test share {s['test_size']}, one split "
        f"per seed; IFL metrics {', '.join(resolved['ifl_metrics_classification'])}; "
        f"tracker {resolved['tracker_classification']}",
        "- IFL clusterer's mean fold ACC on its inner trains (clustering mode): "
        + (
            ", ".join(
                f"seed {k}: {100 * v:.2f}"
                for k, v in record.get("ifl_fold_accuracy", {}).items()
            )
            or "not recorded"
        ),
        "- values: % mean ± std over seeds"
        + (
            f"; in brackets the paper's ACC for its {column} column"
            if column
            else "; the paper has no column for this data set"
        ),
        "",
    ]
    methods = order.get("clustering_methods", [])
    sets = order.get("clustering_sets", [])
    if any(k[0] == "clustering" for k in index):
        lines += [
            "### Clustering",
            "",
            "| method | features | ACC | NMI | ARI |",
            "|---|---|---|---|---|",
        ]
        for method in methods:
            for name in sets:
                acc = index.get(("clustering", method, name, "acc"))
                if acc is None:
                    continue
                nmi = index.get(("clustering", method, name, "nmi"))
                ari = index.get(("clustering", method, name, "ari"))
                lines.append(
                    f"| {method} | {name} | {_cell(acc, seeds=n_seeds)} | "
                    f"{_cell(nmi, False)} | {_cell(ari, False)} |"
                )
        lines.append("")
    classifiers = order.get("classification_methods", [])
    csets = order.get("classification_sets", [])
    if any(k[0] == "classification" for k in index):
        lines += [
            "### Classification (ACC)",
            "",
            "| classifier | " + " | ".join(csets) + " |",
            "|---|" + "---|" * len(csets),
        ]
        for name in classifiers:
            cells = [
                _cell(index.get(("classification", name, f, "acc")), seeds=n_seeds)
                for f in csets
            ]
            if all(c == "–" for c in cells):
                continue
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines += [
            "",
            "`primary+ifl` is technique 2 (the wide layout); `technique1` "
            "the long layout with the primary features.",
        ]
    return "\n".join(lines) + "\n"
