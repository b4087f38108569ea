"""``evaluate``: cells, resuming, tables, the paper's numbers, technique 1, plots."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from ifl_core.errors import ConfigError, OutputError
from ifl_core.evaluate import evaluate, make_eval_settings
from ifl_core.evaluate.methods import LongLayoutClassifier
from ifl_core.evaluate.paper import paper_accuracy


def _settings(**extra):
    values = dict(
        dataset="digits",
        rows=200,
        seeds=[0, 1],
        n_folds=3,
        clusterer="kmeans",
        clustering_methods=["kmeans", "hca-ward"],
        classifiers=["tree", "knn"],
        tsne_rows=80,
        threads=1,
    )
    values.update(extra)
    return make_eval_settings(values)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval")
    result = evaluate(_settings(), out, plots=False)
    return out, result


def test_every_cell_is_stored_once_per_seed(finished):
    out, _ = finished
    rows = [json.loads(line) for line in (out / "cells.jsonl").read_text().splitlines()]

    # 2 methods x 3 feature sets + 2 classifiers x 4 feature sets, for 2 seeds
    assert len(rows) == (6 + 8) * 2
    assert {r["seed"] for r in rows} == {0, 1}


def test_csv_holds_mean_and_std_over_seeds_in_percent(finished):
    out, _ = finished
    with open(out / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    km = next(
        r
        for r in rows
        if r["task"] == "clustering"
        and r["method"] == "kmeans"
        and r["features"] == "primary"
        and r["metric"] == "acc"
    )
    knn = next(r for r in rows if r["method"] == "knn" and r["features"] == "primary")

    assert 60 < float(km["mean"]) <= 100
    assert km["n_seeds"] == "2" and km["seeds"] == "0 1"
    assert 80 < float(knn["mean"]) <= 100
    assert km["paper"] == ""  # the paper has no digits column


def test_markdown_states_the_settings_and_both_tables(finished):
    out, _ = finished
    text = (out / "results.md").read_text()

    assert "200 rows, stratified, seed 0" in text
    assert "inner folds r = 3" in text
    assert "IFL scaling beside primary: none" in text
    assert "| kmeans | primary |" in text
    assert "| knn |" in text and "technique1" in text


def test_settings_record_holds_data_and_versions(finished):
    out, _ = finished
    record = json.loads((out / "settings.json").read_text())

    assert record["data"]["rows"] == 200
    assert record["settings"]["clusterer"] == "kmeans"
    assert "numpy" in record["versions"]


def test_a_resumed_run_recomputes_nothing(finished):
    out, _ = finished
    messages = []

    evaluate(_settings(), out, plots=False, progress=messages.append)

    assert messages == []


def test_report_only_writes_tables_from_finished_cells_and_computes_nothing(
    finished, tmp_path
):
    out, _ = finished
    (out / "results.md").unlink()
    messages = []

    result = evaluate(
        _settings(), out, report_only=True, plots=False, progress=messages.append
    )

    assert messages == []
    assert "| hca-ward | ifl |" in (out / "results.md").read_text()
    assert result["record"]["ifl_fold_accuracy"][0] > 0.5


def test_report_only_on_an_empty_folder_writes_empty_tables(tmp_path):
    result = evaluate(_settings(), tmp_path, report_only=True)

    assert result["summary"] == []
    assert not (tmp_path / "tsne.png").exists()


def test_an_interrupted_run_resumes_at_the_missing_cells(tmp_path, monkeypatch):
    import ifl_core.evaluate.runner as runner

    real = runner.make_classifier
    calls = {"n": 0}

    def flaky(name, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(name, **kw)

    monkeypatch.setattr(runner, "make_classifier", flaky)
    settings = _settings(seeds=[0], tasks=["classification"])
    with pytest.raises(KeyboardInterrupt):
        evaluate(settings, tmp_path, plots=False)
    assert len((tmp_path / "cells.jsonl").read_text().splitlines()) == 2

    monkeypatch.setattr(runner, "make_classifier", real)
    messages = []
    evaluate(settings, tmp_path, plots=False, progress=messages.append)

    assert len((tmp_path / "cells.jsonl").read_text().splitlines()) == 8
    assert len(messages) == 6  # only the missing cells; IFL features were cached


def test_other_settings_in_the_same_folder_are_refused(finished, tmp_path):
    out, _ = finished

    with pytest.raises(OutputError, match="other settings"):
        evaluate(_settings(scaling="standard"), out, plots=False)


def test_unknown_method_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown classifier 'svm'"):
        _settings(classifiers=["svm"])


def test_quick_fills_in_short_training_but_keeps_given_values():
    s = make_eval_settings({"dataset": "digits", "quick": True, "n_folds": 4})

    assert s.n_folds == 4
    assert s.seeds == [0, 1]
    assert s.dec_params()["pretrain_epochs"] == 40


def test_paper_numbers_by_cell():
    assert paper_accuracy("clustering", "dec", "primary+ifl", "MNIST") == 95.79
    assert paper_accuracy("clustering", "hca-ward", "primary", "Reuters") is None
    assert paper_accuracy("classification", "mlp", "technique1", "MNIST") == 98.87
    assert paper_accuracy("classification", "tree", "primary+ifl", "HHAR") == 97.65
    assert paper_accuracy("classification", "tree", "primary+ifl", "MNIST") is None
    assert paper_accuracy("classification", "knn", "ifl", "USPS") == 81.50
    assert paper_accuracy("clustering", "kmeans", "primary", None) is None


class _Recorder:
    """A classifier that remembers what it saw and scores by a fixed column."""

    classes_ = np.array([0, 1])

    def fit(self, X, y):
        self.X, self.y = X, y
        return self

    def predict_proba(self, X):
        self.X_pred = X
        score = np.asarray(X)[:, -1]
        return np.c_[score, 1 - score]


def test_long_layout_makes_s_versions_and_takes_the_best_version():
    columns = ["confidence", "weight_0", "weight_1"]
    primary = np.array([[5.0], [6.0]])
    ifl = np.array([[0.5, 0.9, 0.2], [0.4, 0.3, 0.6]])
    base = _Recorder()
    model = LongLayoutClassifier(base, columns).fit(primary, ifl, np.array([0, 1]))

    assert base.X.tolist() == [
        [5, 0.5, 0.9],
        [5, 0.5, 0.2],
        [6, 0.4, 0.3],
        [6, 0.4, 0.6],
    ]
    assert base.y.tolist() == [0, 0, 1, 1]
    # row 0: best version scores 0.9 for class 0; row 1: best is 1 - 0.3 for class 1
    assert model.predict(primary, ifl).tolist() == [0, 1]


def test_plots_are_png_files(tmp_path):
    result = evaluate(_settings(seeds=[0], classifiers=["knn"], rows=120), tmp_path)

    for name in ("tsne.png", "accuracy.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(data) > 5000
    assert tmp_path / "tsne.png" in result["written"]


def test_markdown_marks_entries_with_fewer_seeds_than_asked():
    from ifl_core.evaluate.report import markdown, summarise

    rows = [
        {
            "task": "classification",
            "method": "knn",
            "features": "primary",
            "seed": seed,
            "acc": acc,
        }
        for seed, acc in ((0, 0.9), (1, 0.8))
    ] + [
        {
            "task": "classification",
            "method": "knn",
            "features": "ifl",
            "seed": 0,
            "acc": 0.5,
        }
    ]
    order = {
        "classification_methods": ["knn"],
        "classification_sets": ["primary", "ifl"],
    }
    summary = summarise(rows, "MNIST", order)
    record = {
        "data": {
            "name": "mnist",
            "rows": 10,
            "features": 2,
            "classes": 2,
            "paper_column": "MNIST",
            "subsample": "all rows",
        },
        "settings": {
            "seeds": [0, 1],
            "n_folds": 2,
            "scaling": "none",
            "clusterer": "kmeans",
            "quick": False,
            "test_size": 0.2,
        },
        "resolved": {
            "dec_params": {},
            "ifl_metrics_classification": ["confidence"],
            "tracker_classification": "hungarian",
        },
    }

    text = markdown(summary, record, order)

    assert "| knn | 85.00 ± 5.00 (96.9) | 50.00 ± 0.00 [1 seed] (84.8) |" in text


def test_restart_discards_the_old_cells_and_features(tmp_path):
    evaluate(
        _settings(seeds=[0], tasks=["clustering"], clustering_methods=["kmeans"]),
        tmp_path,
        plots=False,
    )
    other = _settings(seeds=[1], tasks=["clustering"], clustering_methods=["kmeans"])

    evaluate(other, tmp_path, plots=False, restart=True)

    rows = [json.loads(x) for x in (tmp_path / "cells.jsonl").read_text().splitlines()]
    assert {r["seed"] for r in rows} == {1}
    assert not (tmp_path / "ifl-clustering-seed0.npz").exists()
