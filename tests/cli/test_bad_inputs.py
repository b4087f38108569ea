"""Every kind of bad input ends in one line on stderr and exit code 2, no traceback."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from ifl_cli.app import app

runner = CliRunner()
RNG = np.random.default_rng(0)
GOOD = RNG.random((40, 3))


def npy(path, array, **kw):
    np.save(path, array, **kw)
    return path


def text(path, body, mode="w"):
    if mode == "wb":
        path.write_bytes(body)
    else:
        path.write_text(body)
    return path


# Each case: (id, files to make -> extra CLI args, expected text in the error).
# ``t`` is the test's own folder.
CASES = [
    ("missing input", lambda t: ["-i", str(t / "none.npy")], "input file not found"),
    ("unknown suffix", lambda t: ["-i", str(text(t / "x.txt", "1,2\n"))],
     "unknown input suffix '.txt'"),
    ("ragged csv", lambda t: ["-i", str(text(t / "x.csv", "1,2,3\n4,5\n"))],
     "ragged: data row 2 has 2 fields"),
    ("unreadable csv",
     lambda t: ["-i", str(text(t / "x.csv", b"\xff\xfe\x00\x81", "wb"))],
     "cannot read x.csv"),
    ("corrupt npz", lambda t: ["-i", str(text(t / "x.npz", b"PK\x03\x04 cut", "wb"))],
     "cannot read x.npz"),
    ("corrupt npy", lambda t: ["-i", str(text(t / "x.npy", b"\x93NUMPY junk", "wb"))],
     "cannot read x.npy"),
    ("non-numeric column", lambda t: ["-i", str(text(t / "x.csv", "a,b\n1,x\n2,y\n"))],
     "non-numeric value 'x' in data row 1, column 2"),
    ("nan", lambda t: ["-i", str(npy(t / "x.npy", np.where(GOOD > 0.9, np.nan, GOOD)))],
     "NaN or infinite"),
    ("infinite in csv", lambda t: ["-i", str(text(t / "x.csv", "1,2\ninf,3\n4,5\n"))],
     "x.csv contains 1 NaN or infinite value(s)"),
    ("1-d array", lambda t: ["-i", str(npy(t / "x.npy", np.arange(10.0)))],
     "must be 2-D (rows x features), got 1-D"),
    ("3-d array", lambda t: ["-i", str(npy(t / "x.npy", np.zeros((4, 3, 2))))],
     "got 3-D"),
    ("complex array", lambda t: ["-i", str(npy(t / "x.npy", GOOD + 1j))],
     "must hold real numbers"),
    ("empty csv", lambda t: ["-i", str(text(t / "x.csv", "\n\n"))], "x.csv is empty"),
    ("header only", lambda t: ["-i", str(text(t / "x.csv", "a,b\n"))],
     "header but no data rows"),
    ("empty array", lambda t: ["-i", str(npy(t / "x.npy", np.zeros((0, 3))))],
     "is empty (shape (0, 3))"),
    ("fewer rows than folds",
     lambda t: ["-i", str(npy(t / "x.npy", GOOD[:4])), "--folds", "5"],
     "4 rows, fewer than the 5 folds"),
    ("fewer rows than clusters",
     lambda t: ["-i", str(npy(t / "x.npy", GOOD[:6])), "--n-clusters", "8"],
     "6 rows, fewer than the 8 clusters"),
    ("inner train smaller than clusters",
     lambda t: ["-i", str(npy(t / "x.npy", GOOD[:10])), "--n-clusters", "6"],
     "holds 5, fewer than the 6 clusters"),
    ("one cluster", lambda t: ["--n-clusters", "1"], "n_clusters: Input should be"),
    ("one fold", lambda t: ["--folds", "1"], "n_folds: Input should be"),
    ("unknown config key",
     lambda t: ["--config", str(text(t / "c.yaml", "n_fold: 3\n"))],
     "n_fold: unknown setting"),
    ("ill-typed config key",
     lambda t: ["--config", str(text(t / "c.json", '{"seed": "lots"}'))],
     "seed: Input should be a valid integer"),
    ("config params not a mapping",
     lambda t: ["--config", str(text(t / "c.yaml", "clusterer_params: 5\n"))],
     "clusterer_params must be a mapping"),
    ("unparsable config",
     lambda t: ["--config", str(text(t / "c.yaml", "a: [1, 2\n"))], "cannot be parsed"),
    ("missing config", lambda t: ["--config", str(t / "none.yaml")],
     "config file not found"),
    ("unknown plugin parameter", lambda t: ["-p", "n_inits=3"],
     "clusterer_params.n_inits: unknown setting"),
    ("ill-typed plugin parameter", lambda t: ["-p", "n_init=many"],
     "clusterer_params.n_init: Input should be a valid integer"),
    ("unknown clusterer", lambda t: ["--clusterer", "dek"],
     "unknown clusterer 'dek'; available: ae-kmeans, dec, gmm, idec, kmeans"),
    ("unknown metric", lambda t: ["--metric", "confidance"],
     "unknown metric 'confidance'; available: "),
    ("unknown fold strategy",
     lambda t: ["--config", str(text(t / "c.yaml", "fold_strategy: loo\n"))],
     "unknown fold strategy 'loo'; available: "),
    ("unknown tracker",
     lambda t: ["--config", str(text(t / "c.yaml", "tracker: magic\n"))],
     "unknown tracker 'magic'; available: "),
    ("unknown device", lambda t: ["--device", "warpdrive"],
     "unknown device 'warpdrive'"),
    ("output folder missing", lambda t: ["-o", str(t / "no" / "f.npz")],
     "output folder does not exist"),
    ("output under a file",
     lambda t: ["-o", str(text(t / "file", "") / "f.npz")],
     "output folder does not exist"),
    ("output is a folder", lambda t: ["-o", str(t / "dir.npz")], "is a directory"),
    ("output exists", lambda t: ["-o", str(text(t / "old.npz", "keep me"))],
     "exists; pass --overwrite"),
    ("unknown output suffix", lambda t: ["-o", str(t / "f.parquet")],
     "unknown output suffix '.parquet'"),
    ("npz with several arrays",
     lambda t: ["-i", str(_npz(t / "x.npz", a=GOOD, b=GOOD))],
     "holds 2 arrays (a, b); name one with --key"),
    ("npz without the key",
     lambda t: ["-i", str(_npz(t / "x.npz", a=GOOD)), "--key", "X"],
     "has no array 'X'; it holds a"),
    ("key for an npy", lambda t: ["-i", str(npy(t / "x.npy", GOOD)), "--key", "X"],
     "--key 'X' names an array inside an .npz"),
    ("npy that needs pickle",
     lambda t: ["-i", str(npy(t / "x.npy", np.array([{"a": 1}], dtype=object),
                              allow_pickle=True))],
     "refusing to unpickle"),
    ("run-dir and resume differ",
     lambda t: ["--resume", str(t / "a"), "--run-dir", str(t / "b")],
     "name different run directories"),
    ("resume from nothing", lambda t: ["--resume", str(t / "none")],
     "run directory not found"),
    ("resume from a non-run folder", lambda t: ["--resume", str(t / "dir.npz")],
     "is not a run directory"),
]

if not torch.cuda.is_available():
    CASES.append(("device not present", lambda t: ["--device", "cuda"],
                  "CUDA is not available"))


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, make, expected):
    (tmp_path / "dir.npz").mkdir()
    args = make(tmp_path)
    base = ["extract", "--clusterer", "kmeans", "--folds", "2", "-q",
            "-o", str(tmp_path / "out.npz")]
    if "-i" in args and "--n-clusters" not in args:
        base += ["--n-clusters", "2"]

    result = runner.invoke(app, base + args)

    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.npz").exists()
    assert not list(tmp_path.glob("*.ckpt"))
