"""Run directories: fold checkpoints, resume, refusals, safe loading."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ifl_core.checkpoint import RunDirectory, data_fingerprint, fold_file
from ifl_core.errors import CheckpointError
from ifl_core.runner import extract
from ifl_core.settings import make_settings


def settings(**values):
    return make_settings({"clusterer": "kmeans", "n_clusters": 4, "n_folds": 4,
                          "clusterer_params": {"n_init": 2}, **values})


@pytest.fixture(scope="module")
def data(small_digits):
    return small_digits[0][:160]


@pytest.fixture(scope="module")
def reference(data):
    return extract(data, settings()).result.features


def test_every_fold_is_saved_and_a_resume_recomputes_none(tmp_path, data, reference):
    run_dir = tmp_path / "run"
    first = extract(data, settings(), run_dir=run_dir)

    assert sorted(p.name for p in run_dir.iterdir()) == [
        "fold_00.npz", "fold_01.npz", "fold_02.npz", "fold_03.npz", "manifest.json"]
    assert first.record["resumed_folds"] == []
    np.testing.assert_array_equal(first.result.features, reference)

    again = extract(data, settings(), run_dir=run_dir, resume=True)
    assert again.record["resumed_folds"] == [0, 1, 2, 3]
    np.testing.assert_array_equal(again.result.features, reference)


def test_missing_folds_are_computed_and_the_rest_loaded(tmp_path, data, reference):
    run_dir = tmp_path / "run"
    extract(data, settings(), run_dir=run_dir)
    (run_dir / fold_file(1)).unlink()
    (run_dir / fold_file(3)).unlink()
    saved = (run_dir / fold_file(0)).read_bytes()

    run = extract(data, settings(), run_dir=run_dir, resume=True)

    assert run.record["resumed_folds"] == [0, 2]
    assert (run_dir / fold_file(0)).read_bytes() == saved
    assert (run_dir / fold_file(3)).exists()
    np.testing.assert_array_equal(run.result.features, reference)


def test_resume_with_other_settings_is_refused_naming_them(tmp_path, data):
    run_dir = tmp_path / "run"
    extract(data, settings(), run_dir=run_dir)

    with pytest.raises(CheckpointError, match=r"settings differ.*seed: 0 -> 5"):
        extract(data, settings(seed=5), run_dir=run_dir, resume=True)


def test_resume_on_other_data_is_refused(tmp_path, data):
    run_dir = tmp_path / "run"
    extract(data, settings(), run_dir=run_dir)
    changed = data.copy()
    changed[0, 0] += 1e-3

    with pytest.raises(CheckpointError, match="input data differ"):
        extract(changed, settings(), run_dir=run_dir, resume=True)


def test_a_new_run_does_not_overwrite_a_run_directory_with_work(tmp_path, data):
    run_dir = tmp_path / "run"
    extract(data, settings(), run_dir=run_dir)

    with pytest.raises(CheckpointError, match="already holds a run; continue it"):
        extract(data, settings(), run_dir=run_dir)


def test_an_unreadable_checkpoint_is_set_aside_and_recomputed(
    tmp_path, data, reference
):
    run_dir = tmp_path / "run"
    extract(data, settings(), run_dir=run_dir)
    (run_dir / fold_file(2)).write_bytes(b"PK\x03\x04 not a zip")

    run = extract(data, settings(), run_dir=run_dir, resume=True)

    assert run.record["resumed_folds"] == [0, 1, 3]
    assert (run_dir / (fold_file(2) + ".bad")).exists()
    np.testing.assert_array_equal(run.result.features, reference)


def test_a_checkpoint_holding_pickled_objects_is_never_unpickled(tmp_path, data):
    run_dir = tmp_path / "run"
    extract(data, settings(), run_dir=run_dir)
    with np.load(run_dir / fold_file(0)) as saved:
        arrays = dict(saved)
    arrays["info"] = np.array([Exploding()], dtype=object)
    np.savez(run_dir / fold_file(0), **arrays)

    run = extract(data, settings(), run_dir=run_dir, resume=True)

    assert 0 not in run.record["resumed_folds"]
    assert (run_dir / (fold_file(0) + ".bad")).exists()


class Exploding:
    """Unpickling this would raise; the test fails if the checkpoint is unpickled."""

    def __reduce__(self):
        return (_explode, ())


def _explode():
    raise AssertionError("a checkpoint was unpickled")


def test_a_checkpoint_of_other_rows_is_refused(tmp_path, data):
    run_dir = tmp_path / "run"
    extract(data, settings(), run_dir=run_dir)
    other = tmp_path / "other"
    extract(data, settings(seed=1), run_dir=other)
    (run_dir / fold_file(1)).write_bytes((other / fold_file(1)).read_bytes())

    with pytest.raises(CheckpointError, match="made on other rows than fold 1"):
        extract(data, settings(), run_dir=run_dir, resume=True)


def test_a_manifest_of_another_format_is_refused(tmp_path, data):
    run_dir = tmp_path / "run"
    extract(data, settings(), run_dir=run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    (run_dir / "manifest.json").write_text(json.dumps({**manifest, "format": 99}))

    with pytest.raises(CheckpointError, match="format 99; this version reads format 1"):
        extract(data, settings(), run_dir=run_dir, resume=True)


def test_stale_temporary_files_are_removed_on_resume(tmp_path, data):
    run_dir = tmp_path / "run"
    extract(data, settings(), run_dir=run_dir)
    stale = run_dir / ".fold_02.npz.abc123.part"
    stale.write_bytes(b"half")

    extract(data, settings(), run_dir=run_dir, resume=True)

    assert not stale.exists()


def test_fingerprint_depends_on_values_shape_and_sparsity():
    import scipy.sparse as sp

    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert data_fingerprint(a) == data_fingerprint(a.copy())
    assert data_fingerprint(a) != data_fingerprint(a.reshape(4, 3))
    assert data_fingerprint(a) != data_fingerprint(a + 1)
    assert data_fingerprint(sp.csr_matrix(a)) == data_fingerprint(sp.coo_matrix(a))
    assert data_fingerprint(sp.csr_matrix(a)) != data_fingerprint(a)


def test_run_directory_remove_keeps_foreign_files(tmp_path):
    run_dir = tmp_path / "run"
    store = RunDirectory.create(run_dir, settings(), "abc", 10)
    (run_dir / "notes.txt").write_text("mine")

    store.remove()

    assert sorted(p.name for p in run_dir.iterdir()) == ["notes.txt"]


def test_clusterer_state_round_trip_without_pickle(tmp_path, data, tiny_dec):
    from ifl_core.checkpoint import load_clusterer_state, save_clusterer_state
    from ifl_plugins.dec import DECClusterer

    model = DECClusterer(3, {**tiny_dec, "pretrain_epochs": 1, "max_iterations": 5},
                         seed=1, device="cpu").fit(data[:90])
    save_clusterer_state(tmp_path / "dec.npz", model)
    restored = load_clusterer_state(
        tmp_path / "dec.npz", DECClusterer(3, {**tiny_dec}, device="cpu"))

    np.testing.assert_array_equal(restored.encode(data[90:]), model.encode(data[90:]))
    np.testing.assert_array_equal(restored.labels_, model.labels_)

    np.savez(tmp_path / "evil.npz", centroids=np.array([Exploding()], dtype=object))
    with pytest.raises(CheckpointError, match="cannot read clusterer state"):
        load_clusterer_state(tmp_path / "evil.npz", DECClusterer(3, device="cpu"))


def test_dec_resumed_from_some_folds_equals_an_uninterrupted_run(
    tmp_path, data, tiny_dec
):
    dec = settings(clusterer="dec", n_folds=3, device="cpu",
                   clusterer_params={**tiny_dec, "max_iterations": 10,
                                     "batched_folds": False})
    run_dir = tmp_path / "run"
    whole = extract(data[:90], dec, run_dir=run_dir).result.features
    (run_dir / fold_file(1)).unlink()

    resumed = extract(data[:90], dec, run_dir=run_dir, resume=True)

    assert resumed.record["resumed_folds"] == [0, 2]
    np.testing.assert_array_equal(resumed.result.features, whole)


def test_batched_dec_refits_every_fold_when_one_is_missing(tmp_path, data, tiny_dec):
    dec = settings(clusterer="dec", n_folds=3, device="cpu",
                   clusterer_params={**tiny_dec, "max_iterations": 10})
    run_dir = tmp_path / "run"
    whole = extract(data[:90], dec, run_dir=run_dir)
    assert all(fold["batched_folds"] for fold in whole.record["folds"])
    (run_dir / fold_file(1)).unlink()

    resumed = extract(data[:90], dec, run_dir=run_dir, resume=True)
    assert resumed.record["resumed_folds"] == []
    np.testing.assert_array_equal(resumed.result.features, whole.result.features)

    again = extract(data[:90], dec, run_dir=run_dir, resume=True)
    assert again.record["resumed_folds"] == [0, 1, 2]
    np.testing.assert_array_equal(again.result.features, whole.result.features)
