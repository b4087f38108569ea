"""The ``ifl`` command line (installed as the ``ifl_cli`` package)."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ifl_core.errors import ConfigError, IFLError, OutputError

app = typer.Typer(
    name="ifl",
    help="Inverse Feature Learning: turn the representation of error into features.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

log = logging.getLogger("ifl_cli")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.INFO if verbose else logging.WARNING)
    if verbose > 1:
        level = logging.DEBUG
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)


def guarded(func):
    """Turn expected errors into one line on stderr and exit code 2."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except IFLError as exc:
            raise fail(" ".join(str(exc).split("\n"))) from None
        except KeyboardInterrupt:
            raise fail("interrupted; no output was written", code=130) from None

    return wrapper


# ----------------------------------------------------------------------- list-plugins


@app.command("list-plugins")
@guarded
def list_plugins(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every available plugin: name, kind, source package and version."""
    from ifl_core.hookspecs import PLUGIN_API_VERSION
    from ifl_core.registry import build_plugin_manager, hooks_of

    # The failures are listed below; the registry's own warnings would repeat them.
    setup_logging(0, quiet=True)
    pm, registry = build_plugin_manager()
    rows = [
        {
            "name": e.name,
            "kind": e.kind,
            "package": e.source.package,
            "version": e.source.version,
            "plugin": e.source.plugin,
            "hooks": hooks_of(pm, e.source.plugin),
            "description": getattr(e.obj, "description", ""),
        }
        for e in sorted(registry.entries(), key=lambda e: (e.kind, e.name))
    ]
    failures = [{"plugin": f.plugin, "error": f.error} for f in registry.failures]
    if as_json:
        listing = {
            "plugin_api": PLUGIN_API_VERSION,
            "plugins": rows,
            "failed": failures,
            "disabled": registry.disabled,
        }
        typer.echo(json.dumps(listing, indent=2))
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    # Descriptions only where they fit; --json always has them.
    columns = ["name", "kind", "package", "version", "hooks"]
    if console.width >= 120:
        columns.append("description")
    table = Table(*columns, box=box.SIMPLE_HEAD, pad_edge=False)
    for row in rows:
        table.add_row(*[
            ", ".join(row[c]) if c == "hooks" else row[c] for c in columns
        ])
    console.print(table)
    for failure in failures:
        typer.echo(f"skipped plugin {failure['plugin']}: {failure['error']}", err=True)
    for plugin in registry.disabled:
        typer.echo(f"disabled plugin {plugin} (IFL_DISABLE_PLUGINS)", err=True)


# ---------------------------------------------------------------------------- extract


def parse_assignments(items: list[str], option: str) -> dict[str, Any]:
    """``["a=1", "b=[1,2]"]`` → ``{"a": 1, "b": [1, 2]}`` (values parsed as JSON)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{option} expects KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out


def parse_resources(items: list[str]) -> dict[str, float]:
    """``["GPU=1"]`` → ``{"GPU": 1.0}`` (Dask worker resources)."""
    out: dict[str, float] = {}
    for key, value in parse_assignments(items, "--resources").items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(
                f"--resources {key}: expected a positive number, got {value!r}"
            )
        out[key] = float(value)
    return out


def load_config(path: Path) -> dict[str, Any]:
    """Settings from a JSON or YAML file (a mapping of run settings)."""
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        elif path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            raise ConfigError(f"config {path.name}: use a .json, .yaml or .yml file")
    except (json.JSONDecodeError, Exception) as exc:
        if isinstance(exc, ConfigError):
            raise
        first = (
            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        )
        raise ConfigError(f"config {path.name} cannot be parsed: {first}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config {path.name} must hold a mapping of settings")
    return data


class Progress:
    """A rich progress bar on stderr, fed by the engine's progress events."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.task = None

    def __call__(self, event: str, **details: Any) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
        from rich.progress import Progress as RichProgress
        from rich.progress import TimeElapsedColumn

        if event == "start":
            self.bar = RichProgress(
                TextColumn("inner folding"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=Console(stderr=True), transient=False,
            )
            self.bar.start()
            self.task = self.bar.add_task("folds", total=details["total"])
        elif event == "fit_done" and self.bar is not None:
            self.bar.advance(self.task)
        elif event == "done":
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@app.command()
@guarded
def extract(
    input: Annotated[
        Optional[Path],
        typer.Option("--input", "-i", help="Data matrix (.npy, .npz, .csv). "
                     "Default: scikit-learn's bundled digits."),
    ] = None,
    key: Annotated[
        Optional[str], typer.Option(help="Array name inside an .npz.")
    ] = None,
    dataset: Annotated[
        Optional[str],
        typer.Option(help="A registered data set instead of --input (see `ifl "
                     "datasets`); its labels are used for reporting only."),
    ] = None,
    data_dir: Annotated[
        Optional[Path],
        typer.Option(help="Data directory for --dataset (default: $IFL_DATA_DIR)."),
    ] = None,
    clusterer: Annotated[Optional[str], typer.Option(help="Clusterer plugin.")] = None,
    n_clusters: Annotated[
        Optional[int],
        typer.Option(help="Clusters s (default: the class count of digits or "
                     "--dataset; required with --input)."),
    ] = None,
    folds: Annotated[
        Optional[int], typer.Option(help="Inner folds r (default 10).")
    ] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed (default 0).")] = None,
    device: Annotated[
        Optional[str], typer.Option(help="auto, cpu, cuda, cuda:N.")
    ] = None,
    config: Annotated[
        Optional[Path], typer.Option(help="Run settings as JSON or YAML.")
    ] = None,
    metric: Annotated[
        Optional[list[str]], typer.Option(help="Error metric (repeatable, in order).")
    ] = None,
    fold_strategy: Annotated[
        Optional[str], typer.Option(help="Fold strategy plugin (default kfold).")
    ] = None,
    groups: Annotated[
        Optional[Path],
        typer.Option(help="Group of every row (.npy, .npz, .csv, .txt, one per row); "
                     "selects the group-kfold fold strategy unless one is named."),
    ] = None,
    pretrain_epochs: Annotated[
        Optional[int], typer.Option(help="Clusterer param pretrain_epochs.")
    ] = None,
    max_iterations: Annotated[
        Optional[int], typer.Option(help="Clusterer param max_iterations.")
    ] = None,
    batch_size: Annotated[
        Optional[int], typer.Option(help="Clusterer param batch_size.")
    ] = None,
    param: Annotated[
        Optional[list[str]],
        typer.Option(
            "--param", "-p", help="Clusterer parameter KEY=VALUE (repeatable)."
        ),
    ] = None,
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", help="Features file (.npz, .csv, .npy). "
                     "Default: ifl-<clusterer>-<time>.npz"),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace an existing output.")
    ] = False,
    executor: Annotated[
        str, typer.Option(help="Where the folds run: local or dask.")
    ] = "local",
    jobs: Annotated[
        int, typer.Option(help="Local worker processes for the folds (local only).")
    ] = 1,
    scheduler: Annotated[
        Optional[str],
        typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (dask only)."),
    ] = None,
    resources: Annotated[
        Optional[list[str]],
        typer.Option("--resources", help="Dask worker resource each fold needs, "
                     "KEY=VALUE, e.g. GPU=1 (repeatable; dask only)."),
    ] = None,
    timeout: Annotated[
        Optional[float],
        typer.Option(help="Seconds to wait for the folds on dask before giving up "
                     "(dask only; default: no limit)."),
    ] = None,
    run_dir: Annotated[
        Optional[Path],
        typer.Option(help="Keep a checkpoint of every finished fold here (kept after "
                     "the run). Default: <output name>.ckpt, removed on success."),
    ] = None,
    resume: Annotated[
        Optional[Path],
        typer.Option(help="Continue the killed run saved in this run directory; "
                     "settings, input and output default to the saved run's."),
    ] = None,
    deterministic: Annotated[
        bool, typer.Option(help="PyTorch's strict deterministic algorithms.")
    ] = False,
    labels: Annotated[
        Optional[Path], typer.Option(help="Class labels of --input (.npy, .npz, .csv): "
                                     "classification mode.")
    ] = None,
    test: Annotated[
        Optional[Path], typer.Option(help="Test matrix; features go to <output>.test.")
    ] = None,
    technique: Annotated[
        Optional[int], typer.Option(help="Classification layout: 2 wide (default), "
                                    "1 versions. Without --input: digits 70/30 split.")
    ] = None,
    with_primary: Annotated[
        bool, typer.Option(help="Classification: primary features before IFL ones.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress, no summary.")
    ] = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
) -> None:
    """Learn IFL features and write them with a run record.

    Clustering mode by default; with --labels, --test, --technique or
    --with-primary, classification mode (training and test features).
    """
    from ifl_cli.runs import (
        default_run_dir,
        merge_clusterer_params,
        resume_values,
        sigterm_as_interrupt,
    )
    from ifl_core.checkpoint import RunDirectory
    from ifl_core.data import bundled_digits
    from ifl_core.executors import make_executor
    from ifl_core.io import check_input_key, check_output_path, load_input, load_labels
    from ifl_core.runner import extract as run_extract
    from ifl_core.runner import write_run
    from ifl_core.settings import make_settings

    setup_logging(verbose, quiet)
    if resume and run_dir and run_dir.resolve() != resume.resolve():
        raise ConfigError(
            f"--run-dir {run_dir} and --resume {resume} name different run directories"
        )
    values, manifest = resume_values(resume) if resume else ({}, {})
    clusterer_params = merge_clusterer_params(values, "")
    if manifest:
        input = input or (Path(manifest["input"]) if manifest.get("input") else None)
        key = key or manifest.get("key")
        dataset = dataset or manifest.get("dataset")
        if data_dir is None and manifest.get("data_dir"):
            data_dir = Path(manifest["data_dir"])
        if groups is None and manifest.get("groups"):
            groups = Path(manifest["groups"])
        output = output or Path(manifest["output"])
        overwrite = overwrite or bool(manifest.get("overwrite"))
        deterministic = deterministic or bool(manifest.get("deterministic"))
    config_values = load_config(config) if config else {}
    clusterer_params.update(merge_clusterer_params(config_values, "config: "))
    values.update(config_values)
    overrides = {
        "pretrain_epochs": pretrain_epochs,
        "max_iterations": max_iterations,
        "batch_size": batch_size,
    }
    clusterer_params.update({k: v for k, v in overrides.items() if v is not None})
    clusterer_params.update(parse_assignments(param or [], "--param"))
    for name, value in (
        ("clusterer", clusterer), ("n_clusters", n_clusters), ("n_folds", folds),
        ("seed", seed), ("device", device), ("metrics", metric),
        ("fold_strategy", fold_strategy),
    ):
        if value is not None:
            values[name] = value
    values["clusterer_params"] = clusterer_params
    values.setdefault("clusterer", "dec")

    if input is not None and dataset is not None:
        raise ConfigError("--input and --dataset name two data sources; give one")
    if labels is not None or test is not None or technique is not None or with_primary:
        if resume or run_dir:
            raise ConfigError("--resume and --run-dir apply to clustering mode only")
        if dataset is not None:
            raise ConfigError(
                "--dataset applies to clustering mode; for classification use "
                "`ifl evaluate --dataset` or pass --input and --labels"
            )
        from ifl_cli.classify import run_classification
        from ifl_core.determinism import deterministic as deterministic_mode

        fold_executor = make_executor(
            executor, jobs=jobs, scheduler=scheduler,
            resources=parse_resources(resources or []), timeout=timeout,
        )
        with deterministic_mode(deterministic):
            return run_classification(
                values, input=input, key=key, labels=labels, test=test,
                technique=technique, with_primary=with_primary, output=output,
                overwrite=overwrite, quiet=quiet, progress=Progress(enabled=not quiet),
                executor=fold_executor,
            )

    report_labels = None
    if dataset is not None:
        from ifl_core.datasets import load_dataset

        loaded = load_dataset(dataset, data_dir)
        X, report_labels = loaded.X, loaded.y
        data_info = {"source": f"data set {dataset!r}", "dataset": dataset}
        values.setdefault("n_clusters", loaded.n_classes)
    elif input is None:
        X, report_labels = bundled_digits()
        data_info = {"source": "bundled scikit-learn digits, scaled to [0, 1]"}
        values.setdefault("n_clusters", 10)
    else:
        check_input_key(input, key)
        X = load_input(input, key)
        data_info = {"source": str(input)}
        if "n_clusters" not in values:
            raise ConfigError("--n-clusters is required with --input")
    row_groups = None
    if groups is not None:
        row_groups = load_labels(groups)
        if not values.get("fold_strategy"):
            values["fold_strategy"] = "group-kfold"
    settings = make_settings(values)

    if output is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        output = Path(f"ifl-{settings.clusterer}-{stamp}.npz")
    output = check_output_path(output, overwrite=overwrite)
    keep_run_dir = bool(manifest.get("keep_run_dir")) if resume else run_dir is not None
    run_dir = resume or run_dir or default_run_dir(output)
    if not resume and overwrite and (run_dir / "manifest.json").exists():
        RunDirectory(run_dir, {}).remove()

    fold_executor = make_executor(
        executor, jobs=jobs, scheduler=scheduler,
        resources=parse_resources(resources or []), timeout=timeout,
    )

    progress = Progress(enabled=not quiet)
    run_info = {
        "input": None if input is None else str(input.resolve()),
        "key": key,
        "dataset": dataset,
        "data_dir": None if data_dir is None else str(data_dir.resolve()),
        "groups": None if groups is None else str(groups.resolve()),
        "output": str(output.resolve()),
        "overwrite": overwrite,
        "keep_run_dir": keep_run_dir,
        "deterministic": deterministic,
    }
    try:
        with sigterm_as_interrupt():
            run = run_extract(
                X, settings, report_labels=report_labels, data_info=data_info,
                groups=row_groups, progress=progress, executor=fold_executor,
                run_dir=run_dir, resume=resume is not None, run_info=run_info,
                deterministic=deterministic,
            )
            try:
                written = write_run(run, output)
            except OutputError as exc:
                raise OutputError(
                    f"{exc}; every fold is saved, continue with --resume {run_dir}"
                ) from None
    except KeyboardInterrupt:
        progress.close()
        saved = RunDirectory(run_dir, {}).finished() if run_dir.is_dir() else []
        hint = (f"; {len(saved)} finished fold(s) are saved, continue with "
                f"--resume {run_dir}") if saved else ""
        raise fail(f"interrupted; no output was written{hint}", code=130) from None
    finally:
        progress.close()
    if not keep_run_dir:
        RunDirectory(run_dir, {}).remove()

    if not quiet:
        shape = run.result.features.shape
        typer.echo(f"wrote {shape[0]} rows x {shape[1]} features to {written[0]}")
        typer.echo(f"run record: {written[-1]}")
        if run.mean_fold_accuracy is not None:
            accs = ", ".join(f"{a:.3f}" for a in run.result.fold_accuracy)
            typer.echo(
                f"mean fold {settings.clusterer} ACC: {run.mean_fold_accuracy:.4f} "
                f"(folds: {accs})"
            )
        for warning in run.record.get("warnings", []):
            typer.echo(f"warning: {warning}", err=True)


from ifl_cli import datasets as _datasets, evaluate as _evaluate  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
