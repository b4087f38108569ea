"""``ifl datasets`` on the real data directory."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ifl_cli.app import app


def test_datasets_lists_the_real_sets_as_verified(real_data_dir):
    result = CliRunner().invoke(
        app, ["datasets", "--data-dir", str(real_data_dir), "--json"]
    )

    assert result.exit_code == 0, result.output
    rows = {r["name"]: r["state"] for r in json.loads(result.stdout)["datasets"]}
    for name in ("mnist", "fashion-mnist", "hapt", "reuters-weka"):
        assert rows[name] == "verified"
