"""Finished cells of an evaluation, kept so that an interrupted run resumes.

A *cell* is one (task, method, feature set, seed) result. The store is a JSON-lines
file in the output folder, rewritten atomically after every new cell, so a run
stopped at any moment loses at most the cell in progress.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ifl_core.errors import OutputError
from ifl_core.io import write_bytes_atomic


def cell_key(task: str, method: str, features: str, seed: int) -> str:
    return f"{task}|{method}|{features}|{seed}"


class CellStore:
    """Results by cell key, backed by ``path`` (JSON lines)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.cells: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            for number, line in enumerate(self.path.read_text().splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    raise OutputError(
                        f"{self.path.name} line {number} is not JSON; remove the line "
                        "or start again with --restart"
                    ) from None
                key = cell_key(row["task"], row["method"], row["features"], row["seed"])
                self.cells[key] = row

    def __contains__(self, key: str) -> bool:
        return key in self.cells

    def __len__(self) -> int:
        return len(self.cells)

    def add(self, row: dict[str, Any]) -> None:
        """Record a finished cell and rewrite the file atomically."""
        key = cell_key(row["task"], row["method"], row["features"], row["seed"])
        self.cells[key] = row
        text = "".join(
            json.dumps(r, sort_keys=True) + "\n" for r in self.cells.values()
        )
        write_bytes_atomic(self.path, text.encode("utf-8"))

    def rows(self) -> list[dict[str, Any]]:
        return list(self.cells.values())
