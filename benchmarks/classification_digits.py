"""Classification with IFL features on scikit-learn's digits: the table of
``docs/classification.md``.

For every seed: a stratified 70/30 split of the 1797 digits; one IFL fit on the
training part (DEC, r inner folds, metrics confidence, accuracy, weight), giving
out-of-fold features for the training rows and whole-training-set features for the
test rows; then decision tree, random forest, k-NN and MLP on

* the primary features (64 pixels in [0, 1]);
* technique 2 (wide), IFL features only and primary + IFL;
* technique 1 (long, versions), IFL features only and primary + IFL.

The IFL features are standardised with the mean and deviation of the training rows
(technique 1: of the training versions' three IFL columns); the primary features are
left as they are. One IFL fit per seed serves every classifier and technique.

Run from the project root::

    python benchmarks/classification_digits.py --seeds 0 1 2 3 4 --json results.json
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier

from ifl_core import IFLTransformer
from ifl_core.data import bundled_digits
from ifl_core.matching import clustering_accuracy
from ifl_core.techniques import (
    TECHNIQUE_METRICS,
    expand_versions,
    predict_from_scores,
    version_labels,
    version_scores,
)

VARIANTS = ("primary", "t2_ifl", "t2_both", "t1_ifl", "t1_both")
HEADINGS = {
    "primary": "primary",
    "t2_ifl": "T2 IFL only",
    "t2_both": "T2 primary+IFL",
    "t1_ifl": "T1 IFL only",
    "t1_both": "T1 primary+IFL",
}


def classifiers(seed: int) -> dict[str, object]:
    return {
        "decision tree": DecisionTreeClassifier(random_state=seed),
        "random forest": RandomForestClassifier(n_estimators=100, random_state=seed),
        "k-NN": KNeighborsClassifier(n_neighbors=5),
        "MLP": MLPClassifier(solver="adam", max_iter=200, random_state=seed),
    }


def standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (test - mean) / std


def _log_progress(event: str, **details) -> None:
    if event == "fit_done":
        logging.info("fold model %d: %.1f s", details["index"], details["seconds"])


def ifl_features(X_tr, y_tr, X_te, seed, args, cache: Path | None):
    """Out-of-fold training features, test features and the fold models' ACC."""
    tag = (f"{args.clusterer}-r{args.folds}-e{args.pretrain_epochs}"
           f"-i{args.max_iterations}")
    path = None if cache is None else cache / f"ifl-{tag}-seed{seed}.npz"
    if path is not None and path.exists():
        with np.load(path) as data:
            return (data["train"], data["test"], list(data["columns"]),
                    data["fold_acc"], float(data["seconds"]))
    params = {"pretrain_epochs": args.pretrain_epochs,
              "max_iterations": args.max_iterations,
              "update_interval": args.update_interval}
    ifl = IFLTransformer(
        args.clusterer, n_folds=args.folds, metrics=TECHNIQUE_METRICS,
        clusterer_params=params if args.clusterer == "dec" else None,
        random_state=seed, device=args.device,
    )
    start = time.perf_counter()
    ifl.fit(X_tr, y_tr, progress=_log_progress)
    seconds = time.perf_counter() - start
    train, test = ifl.train_features_, ifl.ifl_features(X_te)
    fold_acc = np.array([
        clustering_accuracy(y_tr[o.train], o.train_clusters)
        for o in ifl.folding_.outcomes
    ])
    columns = list(ifl.feature_names_ifl_)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, train=train, test=test, columns=np.array(columns),
                 fold_acc=fold_acc, seconds=seconds)
    return train, test, columns, fold_acc, seconds


def technique1(clf, F_tr, F_te, columns, y_tr, primary_tr=None, primary_te=None):
    """Fit on the training versions, predict each test row from its versions."""
    s = sum(c.startswith("weight_") for c in columns)
    V_tr = expand_versions(F_tr, columns, primary_tr)
    V_te = expand_versions(F_te, columns, primary_te)
    V_tr[:, -3:], V_te[:, -3:] = standardise(V_tr[:, -3:], V_te[:, -3:])
    clf.fit(V_tr, version_labels(y_tr, s))
    return predict_from_scores(version_scores(clf, V_te, s), clf.classes_)


def run_seed(X, y, seed, args, cache):
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    F_tr, F_te, columns, fold_acc, seconds = ifl_features(
        X_tr, y_tr, X_te, seed, args, cache
    )
    logging.info("seed %d: IFL fit %.0f s, mean fold ACC %.3f", seed, seconds,
                 fold_acc.mean())
    S_tr, S_te = standardise(F_tr, F_te)
    inputs = {
        "primary": (X_tr, X_te),
        "t2_ifl": (S_tr, S_te),
        "t2_both": (np.hstack([X_tr, S_tr]), np.hstack([X_te, S_te])),
    }
    scores: dict[str, dict[str, float]] = {}
    for name, clf in classifiers(seed).items():
        scores[name] = {}
        for variant, (A_tr, A_te) in inputs.items():
            pred = clf.fit(A_tr, y_tr).predict(A_te)
            scores[name][variant] = float(np.mean(pred == y_te))
        pred = technique1(clf, F_tr, F_te, columns, y_tr)
        scores[name]["t1_ifl"] = float(np.mean(pred == y_te))
        pred = technique1(clf, F_tr, F_te, columns, y_tr, X_tr, X_te)
        scores[name]["t1_both"] = float(np.mean(pred == y_te))
        logging.info("seed %d %s: %s", seed, name,
                     {k: round(v, 4) for k, v in scores[name].items()})
    return {"seed": seed, "ifl_seconds": seconds, "fold_acc": fold_acc.tolist(),
            "scores": scores}


def table(results: list[dict]) -> str:
    names = list(results[0]["scores"])
    lines = [
        "| classifier | " + " | ".join(HEADINGS[v] for v in VARIANTS) + " |",
        "|---|" + "---|" * len(VARIANTS),
    ]
    for name in names:
        cells = []
        for variant in VARIANTS:
            values = 100 * np.array([r["scores"][name][variant] for r in results])
            cells.append(f"{values.mean():.2f} ± {values.std(ddof=1):.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--clusterer", default="dec")
    parser.add_argument("--pretrain-epochs", type=int, default=30)
    parser.add_argument("--max-iterations", type=int, default=420)
    parser.add_argument("--update-interval", type=int, default=140)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder for the IFL features of each seed (reused)")
    parser.add_argument("--json", type=Path, default=None,
                        help="write raw results (rewritten after every seed)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1 is fastest on a busy machine)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)

    X, y = bundled_digits()
    results = []
    for seed in args.seeds:
        results.append(run_seed(X, y, seed, args, args.cache))
        fold_acc = np.array([r["fold_acc"] for r in results])
        summary = {
            "settings": {k: (str(v) if isinstance(v, Path) else v)
                         for k, v in vars(args).items()},
            "mean_fold_acc": float(fold_acc.mean()),
            "results": results,
        }
        if args.json is not None:
            args.json.write_text(json.dumps(summary, indent=2))
    print(table(results))
    print(f"\nmean {args.clusterer} ACC of the fold models on their inner train: "
          f"{100 * fold_acc.mean():.2f} % (seeds {args.seeds})")
    ifl_seconds = [r["ifl_seconds"] for r in results]
    print(f"IFL fit per seed: {np.mean(ifl_seconds):.0f} s "
          f"({args.folds} fold models + 1 whole-train model)")


if __name__ == "__main__":
    main()
