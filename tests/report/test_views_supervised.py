"""The report's supervised, forecasting and recommendation views, on real (small) run folders."""

import re
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from deepmine.cli.main import app
from deepmine.report.run import RunData
from deepmine.report.views import Section, views_for

pytest.importorskip("matplotlib")

MODULES = ("deepmine.report.task_views.supervised", "deepmine.report.task_views.forecasting",
           "deepmine.report.task_views.recommendation")
MAX_VIEW_BYTES = 400_000

RUNS = {
    "iris": ["classify", "dataset:iris", "--target", "species", "--models", "deep_mlp,logistic_regression"],
    "binary": ["classify", "dataset:breast_cancer", "--target", "diagnosis", "--models",
               "logistic_regression,majority"],
    "regression": ["regress", "dataset:diabetes", "--target", "progression", "--models", "linear_neuron,ridge"],
    "text": ["text", "classify", "dataset:polarity", "--target", "label", "--models", "tfidf_logistic,naive_bayes"],
    "series": ["series", "classify", "dataset:italy_power_demand", "--label", "label", "--id", "case", "--time", "t",
               "--split-column", "split", "--models", "knn_euclidean,fcn", "--max-epochs", "1"],
    "images": ["images", "classify", "dataset:digits", "--label", "digit", "--models", "logistic_pixels,cnn_lenet",
               "--max-epochs", "1"],
    "forecast": ["series", "forecast", "dataset:airline", "--time", "month", "--target", "passengers",
                 "--horizon", "12", "--models", "seasonal_naive,naive,mlp"],
}


def _ratings(path):
    """A tiny explicit-ratings table with item titles: 40 users, 30 items, 12 ratings each."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(40):
        for item in rng.choice(30, size=12, replace=False):
            rows.append((f"u{user}", int(item), float(rng.integers(1, 6)), f"Film <{item}> & co"))
    pd.DataFrame(rows, columns=["user", "item", "rating", "title"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each run folder, made once by the CLI."""
    root = tmp_path_factory.mktemp("views")
    runner = CliRunner()
    commands = dict(RUNS)
    commands["recommend"] = ["recommend", str(_ratings(root / "ratings.csv")), "--user", "user", "--item", "item",
                             "--rating", "rating", "--title", "title", "--models", "popularity,bias_baseline"]
    folders = {}
    for name, args in commands.items():
        folder = root / name
        result = runner.invoke(app, [*args, "-o", str(folder)])
        assert result.exit_code == 0, f"{name}: {result.output}\n{result.exception!r}"
        folders[name] = folder
    return folders


def _own_views(task):
    return [fn for fn in views_for(task) if fn.__module__ in MODULES]


def _sections(folder):
    """Every section of our views for the run (a view that raises fails the test), by view name."""
    run = RunData.from_folder(folder)
    out = {}
    for fn in _own_views(run.task):
        sections = fn(run)
        assert isinstance(sections, list) and all(isinstance(s, Section) for s in sections)
        out[fn.__name__] = sections
    return out


def _figures(html):
    return re.findall(r'<figure class="figure">(.*?)</figure>', html, flags=re.S)


EXPECTED = {
    "iris": {"confusion_matrix", "roc_and_precision_recall"},
    "binary": {"confusion_matrix", "roc_and_precision_recall"},
    "regression": {"predicted_against_actual"},
    "text": {"confusion_matrix", "roc_and_precision_recall", "example_texts"},
    "series": {"confusion_matrix", "roc_and_precision_recall", "example_series"},
    "images": {"confusion_matrix", "roc_and_precision_recall", "example_images"},
    "forecast": {"forecast", "backtest"},
    "recommend": {"recommendation_metrics", "example_recommendations"},
}
TABLE_VIEWS = {"example_texts", "example_recommendations"}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_view_draws_a_figure_under_the_size_limit(runs, name):
    views = _sections(runs[name])
    assert EXPECTED[name] <= set(views)
    for view_name, sections in views.items():
        assert sections, view_name
        html = "".join(s.html for s in sections)
        assert 'class="note"' not in html, (view_name, html[:300])
        assert len(html.encode("utf-8")) < MAX_VIEW_BYTES, (view_name, len(html))
        if view_name in TABLE_VIEWS:
            assert "<table" in html
            continue
        figures = _figures(html)
        assert figures, view_name
        tag = "<img" if view_name == "example_images" else "<svg"
        assert all(tag in f for f in figures), view_name
        assert not re.search(r'(src|href)="(https?:)?//', html), view_name  # nothing fetched from a network


def _tick_texts(html):
    return set(re.findall(r"<text[^>]*>([^<]*)</text>", html))


@pytest.mark.parametrize("name,classes", [("iris", ["setosa", "versicolor", "virginica"]),
                                          ("binary", ["benign", "malignant"]),
                                          ("images", [str(d) for d in range(10)])])
def test_confusion_matrix_shows_every_class(runs, name, classes):
    (section,) = _sections(runs[name])["confusion_matrix"]
    texts = _tick_texts(section.html)
    assert set(classes) <= texts


def test_binary_curves_use_the_second_class_and_name_auc(runs):
    (section,) = _sections(runs["binary"])["roc_and_precision_recall"]
    texts = " ".join(_tick_texts(section.html))
    assert "malignant" in texts and "AUC=" in texts and "AP=" in texts
    assert "logistic_regression" in texts and "majority" in texts


def test_example_texts_mark_wrong_predictions(runs):
    (section,) = _sections(runs["text"])["example_texts"]
    examples = pd.read_csv(runs["text"] / "examples.csv").head(15)
    assert section.html.count("<tr") == len(examples) + 1
    wrong = int((examples["true"].astype(str) != examples["predicted"].astype(str)).sum())
    assert section.html.count("✗ wrong") == wrong


def test_recommendations_escape_titles_and_show_three_users(runs):
    (section,) = _sections(runs["recommend"])["example_recommendations"]
    assert section.html.count("<table") == 3
    assert "&lt;" in section.html and "<0>" not in section.html
    (metrics,) = _sections(runs["recommend"])["recommendation_metrics"]
    texts = _tick_texts(metrics.html)
    assert {"rmse", "mae", "hr@10", "ndcg@10"} <= texts


MISSING = {
    "iris": ["test_predictions.csv"],
    "regression": ["test_predictions.csv"],
    "text": ["test_predictions.csv", "examples.csv"],
    "series": ["test_predictions.csv", "series_examples.csv"],
    "images": ["test_predictions.csv", "examples.png"],
    "forecast": ["series.csv", "forecasts.csv", "backtests.csv"],
    "recommend": ["recommendations.csv"],
}


@pytest.mark.parametrize("name", list(MISSING))
def test_a_missing_file_gives_a_note_or_nothing(runs, name, tmp_path):
    folder = tmp_path / name
    shutil.copytree(runs[name], folder, ignore=shutil.ignore_patterns("model"))
    for file in MISSING[name]:
        (folder / file).unlink()
    for view_name, sections in _sections(folder).items():
        for section in sections:
            if view_name in {"recommendation_metrics"}:
                continue  # drawn from the leaderboard, which every run folder has
            assert 'class="note"' in section.html and "<svg" not in section.html, view_name
