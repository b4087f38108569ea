"""``ifl datasets`` (list the data sets and their files) and ``ifl datasets fetch``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ifl_cli.app import app, guarded, setup_logging

datasets_app = typer.Typer(
    help="List the data sets, with shape, classes and the state of their files.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(datasets_app, name="datasets")

DataDirOption = Annotated[
    Optional[Path],
    typer.Option("--data-dir", help="Data directory (default: $IFL_DATA_DIR)."),
]


def dataset_rows(data_dir: Path | None) -> list[dict]:
    """One row per registered data set: shape, classes, files and their state."""
    from ifl_core.datasets import dataset_names, get_dataset

    rows = []
    for name in dataset_names():
        ds = get_dataset(name)
        statuses = ds.status(data_dir) if ds.files else []
        if not ds.files:
            state = "bundled"
        elif data_dir is None:
            state = "no data directory"
        elif all(s.state == "verified" for s in statuses):
            state = "verified"
        elif any(s.state == "CHECKSUM MISMATCH" for s in statuses):
            state = "checksum mismatch"
        elif all(s.present for s in statuses):
            state = "present (no checksum)"
        elif any(s.present for s in statuses):
            state = "incomplete"
        else:
            state = "missing"
        rows.append(
            {
                "name": name,
                "rows": ds.shape[0],
                "features": ds.shape[1],
                "classes": ds.n_classes,
                "paper_column": ds.paper_column,
                "state": state,
                "folder": ds.folder or None,
                "files": {s.name: s.state for s in statuses},
                "description": ds.description,
            }
        )
    return rows


@datasets_app.callback()
@guarded
def datasets(
    ctx: typer.Context,
    data_dir: DataDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every data set: shape, classes, and whether its files are present and
    verified (SHA-256)."""
    if ctx.invoked_subcommand is not None:
        return
    from ifl_core.datasets import resolve_data_dir

    root = resolve_data_dir(data_dir)
    rows = dataset_rows(root)
    if as_json:
        typer.echo(
            json.dumps(
                {"data_dir": None if root is None else str(root), "datasets": rows},
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "name",
        "shape",
        "classes",
        "paper",
        "files",
        "folder",
        title=f"data directory: {root or 'not set (--data-dir, IFL_DATA_DIR)'}",
    )
    for row in rows:
        table.add_row(
            row["name"],
            f"{row['rows']} x {row['features']}",
            str(row["classes"]),
            row["paper_column"] or "-",
            row["state"],
            row["folder"] or "-",
        )
    Console().print(table)


@datasets_app.command("fetch")
@guarded
def fetch(
    name: Annotated[str, typer.Argument(help="Data set to download.")],
    data_dir: DataDirOption = None,
    base_url: Annotated[
        Optional[str], typer.Option(help="Download from this mirror folder instead.")
    ] = None,
    allow_unverified: Annotated[
        bool, typer.Option(help="Also download files with no known checksum.")
    ] = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
) -> None:
    """Download a data set's files from their canonical source and verify them."""
    from ifl_core.datasets import fetch_dataset, get_dataset, resolve_data_dir
    from ifl_core.errors import ConfigError

    setup_logging(verbose, False)
    root = resolve_data_dir(data_dir)
    if root is None:
        raise ConfigError("fetch needs a data directory: --data-dir or IFL_DATA_DIR")
    done = fetch_dataset(
        get_dataset(name), root, base_url=base_url, allow_unverified=allow_unverified
    )
    for file_name, what in done:
        typer.echo(f"{file_name}: {what}")
