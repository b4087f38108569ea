"""``ifl evaluate``: the paper's comparisons on a data set, as tables and plots."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ifl_cli.app import app, guarded, load_config, parse_assignments, setup_logging


@app.command()
@guarded
def evaluate(
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="Data set name.")],
    data_dir: Annotated[
        Optional[Path], typer.Option(help="Data directory (default: $IFL_DATA_DIR).")
    ] = None,
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", help="Output folder (default: eval-<dataset>)."),
    ] = None,
    rows: Annotated[
        Optional[int], typer.Option(help="Stratified subsample of this many rows.")
    ] = None,
    seeds: Annotated[
        Optional[str], typer.Option(help="Seeds, comma-separated (default 0,1,2).")
    ] = None,
    folds: Annotated[
        Optional[int], typer.Option(help="Inner folds r (default 10).")
    ] = None,
    task: Annotated[
        Optional[list[str]],
        typer.Option(help="clustering / classification (repeatable)."),
    ] = None,
    method: Annotated[
        Optional[list[str]], typer.Option(help="Clustering method (repeatable).")
    ] = None,
    classifier: Annotated[
        Optional[list[str]], typer.Option(help="Classifier (repeatable).")
    ] = None,
    clusterer: Annotated[
        Optional[str], typer.Option(help="IFL clusterer plugin.")
    ] = None,
    param: Annotated[
        Optional[list[str]],
        typer.Option(
            "--param", "-p", help="Clusterer parameter KEY=VALUE (repeatable)."
        ),
    ] = None,
    dataset_param: Annotated[
        Optional[list[str]], typer.Option(help="Data set parameter KEY=VALUE.")
    ] = None,
    scaling: Annotated[
        Optional[str], typer.Option(help="IFL scaling beside primary: none, standard.")
    ] = None,
    test_size: Annotated[Optional[float], typer.Option(help="Test share.")] = None,
    quick: Annotated[
        bool,
        typer.Option(help="Short training: small DEC, 5 folds, 2 seeds, fewer trees."),
    ] = False,
    threads: Annotated[
        Optional[int], typer.Option(help="CPU threads for torch and BLAS.")
    ] = None,
    tsne_rows: Annotated[
        Optional[int], typer.Option(help="Rows in the t-SNE plot.")
    ] = None,
    device: Annotated[
        Optional[str], typer.Option(help="auto, cpu, cuda, cuda:N.")
    ] = None,
    config: Annotated[
        Optional[Path], typer.Option(help="Settings as JSON/YAML.")
    ] = None,
    restart: Annotated[
        bool, typer.Option(help="Discard finished cells in the output folder.")
    ] = False,
    plots: Annotated[bool, typer.Option(help="Write the PNG plots.")] = True,
    report_only: Annotated[
        bool,
        typer.Option(
            help="Compute nothing; write tables and plots from the finished cells."
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
) -> None:
    """Cluster and classify on primary, IFL and primary + IFL features; write
    results.md, results.csv, cells.jsonl and plots. Finished cells are kept, so
    running the same command again resumes an interrupted evaluation."""
    from ifl_core.errors import ConfigError
    from ifl_core.evaluate import evaluate as run_evaluate
    from ifl_core.evaluate import make_eval_settings

    setup_logging(verbose, quiet)
    values = load_config(config) if config else {}
    values["dataset"] = dataset
    if seeds is not None:
        try:
            values["seeds"] = [int(s) for s in seeds.split(",") if s.strip()]
        except ValueError:
            raise ConfigError(
                f"--seeds expects integers like 0,1,2, got {seeds!r}"
            ) from None
    params = dict(values.pop("clusterer_params", {}) or {})
    params.update(parse_assignments(param or [], "--param"))
    values["clusterer_params"] = params
    data_params = dict(values.pop("dataset_params", {}) or {})
    data_params.update(parse_assignments(dataset_param or [], "--dataset-param"))
    values["dataset_params"] = data_params
    for key, value in (
        ("rows", rows),
        ("n_folds", folds),
        ("tasks", task),
        ("clusterer", clusterer),
        ("clustering_methods", method),
        ("classifiers", classifier),
        ("scaling", scaling),
        ("test_size", test_size),
        ("threads", threads),
        ("tsne_rows", tsne_rows),
        ("device", device),
    ):
        if value is not None:
            values[key] = value
    if quick:
        values["quick"] = True
    settings = make_eval_settings(values)
    out = output or Path(f"eval-{dataset}")

    def progress(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    result = run_evaluate(
        settings,
        out,
        data_dir,
        restart=restart,
        plots=plots,
        report_only=report_only,
        progress=progress,
    )
    if not quiet:
        for path in result["written"]:
            typer.echo(f"wrote {path}")
