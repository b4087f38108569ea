"""``ifl extract`` in classification mode: labels, a test set, techniques 1 and 2."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import typer

from ifl_core.errors import ConfigError

#: Share of the bundled digits held out as the test set.
DIGITS_TEST_SHARE = 0.3


def bundled_split(seed: int) -> dict[str, Any]:
    """Seeded stratified 70/30 split of the bundled digits."""
    from sklearn.model_selection import train_test_split

    from ifl_core.data import bundled_digits

    X, y = bundled_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=DIGITS_TEST_SHARE, stratify=y, random_state=seed
    )
    return {
        "X_train": X_tr, "y_train": y_tr, "X_test": X_te, "y_test": y_te,
        "info": {
            "source": "bundled scikit-learn digits, scaled to [0, 1]",
            "split": f"stratified {1 - DIGITS_TEST_SHARE:.0%}/{DIGITS_TEST_SHARE:.0%}, "
            f"seed {seed}",
        },
    }


def run_classification(
    values: dict[str, Any],
    *,
    input: Path | None,
    key: str | None,
    labels: Path | None,
    test: Path | None,
    technique: int | None,
    with_primary: bool,
    output: Path | None,
    overwrite: bool,
    quiet: bool,
    progress: Any,
    executor: Any = None,
) -> None:
    """Learn classification-mode features and write them with a run record."""
    from ifl_core.classification import (
        extract_classification,
        path_of_test_features,
        write_classification,
    )
    from ifl_core.io import check_output_path, load_input, load_labels
    from ifl_core.settings import make_settings
    from ifl_core.techniques import TECHNIQUE_METRICS

    technique = 2 if technique is None else technique
    values.setdefault("metrics", list(TECHNIQUE_METRICS))
    if input is None:
        if labels is not None or test is not None:
            raise ConfigError("--labels and --test need --input (the bundled digits "
                              "bring their own labels and split)")
        data = bundled_split(values.get("seed", 0))
        values.setdefault("n_clusters", 10)
    else:
        if labels is None:
            raise ConfigError(
                "classification mode (--technique, --test, --with-primary) needs "
                "--labels with --input"
            )
        X_train = load_input(input, key)
        data = {
            "X_train": X_train, "y_train": load_labels(labels),
            "X_test": None if test is None else load_input(test, key), "y_test": None,
            "info": {"source": str(input), "labels": str(labels),
                     **({"test": str(test)} if test is not None else {})},
        }
        if "n_clusters" not in values:
            n_classes = len(np.unique(data["y_train"]))
            values["n_clusters"] = n_classes
    settings = make_settings(values)

    if output is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        output = Path(f"ifl-{settings.clusterer}-t{technique}-{stamp}.npz")
    output = check_output_path(output, overwrite=overwrite)
    if data["X_test"] is not None:
        check_output_path(path_of_test_features(output), overwrite=overwrite)

    try:
        run = extract_classification(
            data["X_train"], data["y_train"], settings, technique=technique,
            X_test=data["X_test"], y_test=data["y_test"], with_primary=with_primary,
            data_info=data["info"], progress=progress, executor=executor,
        )
    finally:
        progress.close()
    written = write_classification(run, output)

    if quiet:
        return
    shape = run.train.features.shape
    typer.echo(f"wrote {shape[0]} training lines x {shape[1]} features to {written[0]}")
    if run.test is not None:
        shape = run.test.features.shape
        typer.echo(f"wrote {shape[0]} test lines x {shape[1]} features to "
                   f"{run.record['test_output']}")
    typer.echo(f"run record: {written[-1]}")
    typer.echo(f"mean fold {settings.clusterer} ACC: "
               f"{run.record['mean_fold_accuracy']:.4f}")
    for warning in run.record.get("warnings", []):
        typer.echo(f"warning: {warning}", err=True)
