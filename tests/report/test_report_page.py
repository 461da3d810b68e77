"""The report page: `deepmine report RUN_DIR`, Leaderboard.to_html and the page's guarantees
(self-contained, under 2 MB, every model listed, a failing view becomes a note)."""

import re
import shutil
from html.parser import HTMLParser

import pandas as pd
import pytest
from typer.testing import CliRunner

from deepmine.cli.main import app

runner = CliRunner()
MAX_BYTES = 2_000_000


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report") / "iris"
    result = _run("classify", "dataset:iris", "--target", "species", "--models", "deep_mlp,logistic_regression",
                  "-o", folder)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report") / "clusters"
    result = _run("cluster", "dataset:iris", "--models", "kmeans,gmm", "--k", "3", "-o", folder)
    assert result.exit_code == 0, result.output
    return folder


class _Resources(HTMLParser):
    """Every src= and href= attribute of the page, and its tag names."""

    def __init__(self):
        super().__init__()
        self.links, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.links.extend(value or "" for name, value in attrs if name in ("src", "href", "xlink:href"))

    handle_startendtag = handle_starttag


def check_self_contained(text: str) -> _Resources:
    parser = _Resources()
    parser.feed(text)
    remote = [link for link in parser.links if re.match(r"\s*(https?:)?//", link, re.I)]
    assert not remote, f"the page refers to the network: {remote[:5]}"
    urls = re.findall(r"url\(\s*['\"]?\s*([^)'\"]*)", text)
    assert not [u for u in urls if re.match(r"(https?:)?//", u, re.I)], "a CSS url() points to the network"
    assert "@import" not in text
    return parser


def check_report(folder) -> str:
    result = _run("report", folder)
    assert result.exit_code == 0, result.output
    path = folder / "report.html"
    assert str(path) in result.output.replace("\n", "")
    size = path.stat().st_size
    assert 0 < size < MAX_BYTES, f"report.html is {size} bytes"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    parser = check_self_contained(text)
    assert "script" in parser.tags and "style" in parser.tags
    models = pd.read_csv(folder / "leaderboard.csv")["model"].astype(str)
    listed = re.findall(r'<tr data-model="([^"]+)"', text)
    assert sorted(listed) == sorted(models)
    assert 'id="leaderboard"' in text
    for title in ("Data summary", "Leaderboard", "Primary metric and time", "Learning curves"):
        assert f"<h2>{title}</h2>" in text
    return text


def test_report_of_a_classification_run(iris_run):
    text = check_report(iris_run)
    assert "classification: dataset:iris" in text
    assert text.count('<figure class="figure">') >= 2  # primary metric + time, learning curves
    assert 'class="badge deep"' in text and 'class="badge traditional"' in text
    assert 'class="num best"' in text
    assert "sepal_length_cm" in text  # the columns and their roles
    assert "could not be drawn" not in text


def test_report_of_a_clustering_run_without_deep_models(cluster_run):
    text = check_report(cluster_run)
    assert "clustering: dataset:iris" in text
    assert "no deep model was compared" in text
    # n_clusters ranks nothing: never highlighted as a best value
    assert not re.search(r'<td class="num best" data-value="[^"]*">3</td>', text)


def test_report_refuses_an_incomplete_or_missing_folder(iris_run, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(iris_run, broken)
    (broken / "leaderboard.csv").unlink()
    (broken / "report.html").unlink(missing_ok=True)
    result = _run("report", broken)
    assert result.exit_code == 2
    assert "leaderboard.csv" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (broken / "report.html").exists()

    result = _run("report", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "no run folder" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_failing_view_becomes_a_note(iris_run, monkeypatch):
    from deepmine.report import views
    from deepmine.report.build import write_report
    from deepmine.report.run import RunData

    views.views_for("classification")  # the task views register in the real registry first
    registry = {task: list(fns) for task, fns in views._VIEWS.items()}
    monkeypatch.setattr(views, "_VIEWS", registry)  # the failing view goes into a copy, undone afterwards

    @views.view("classification")
    def exploding_view(run):
        raise RuntimeError("boom")

    text = write_report(iris_run).read_text(encoding="utf-8")
    assert "exploding view" in text and "RuntimeError: boom" in text
    assert 'class="note"' in text

    # a core part that fails is a note too, never an exception out of render
    from deepmine.report import page

    monkeypatch.setattr(page, "_primary_svg", lambda *a: 1 / 0)
    text = page.render(RunData.from_folder(iris_run))
    assert "ZeroDivisionError" in text and 'id="leaderboard"' in text


def test_leaderboard_to_html(tmp_path):
    from deepmine import compare
    from deepmine.datasets import load

    frame = load("iris").frame
    board = compare("classification", frame, target="species", models="deep_mlp,logistic_regression",
                    options={"max_epochs": 5})
    path = tmp_path / "page.html"
    text = board.to_html(path)
    assert path.read_text(encoding="utf-8") == text
    assert len(text.encode()) < MAX_BYTES
    check_self_contained(text)
    for model in board.frame["model"]:
        assert f'data-model="{model}"' in text
    assert "Learning curves" in text and "deep_mlp" in text
    assert board.to_html().startswith("<!DOCTYPE html>")
    assert "<table" in board._repr_html_()  # the notebook view is unchanged


def test_leaderboard_to_html_without_a_target():
    from deepmine import compare
    from deepmine.datasets import load

    data = load("iris").frame.drop(columns="species")
    board = compare("clustering", data, models="kmeans,autoencoder_kmeans",
                    options={"n_clusters": 3, "max_epochs": 3})
    text = board.to_html()
    check_self_contained(text)
    assert text.count('<tr data-model="') == 2
    assert "autoencoder_kmeans" in text and "no deep model was compared" not in text
