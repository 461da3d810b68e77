"""The report's views of the unsupervised and graph tasks, drawn from real (tiny) run folders."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from deepmine.cli.main import app
from deepmine.report.run import RunData
from deepmine.report.views import Section, run_views, views_for

pytest.importorskip("matplotlib")

runner = CliRunner()
MAX_HTML = 400_000
FIGURE = re.compile(r'<figure class="figure">(.*?)</figure>', re.S)


def _run(folder, *args) -> RunData:
    result = runner.invoke(app, [str(a) for a in args] + ["-o", str(folder), "--force"])
    assert result.exit_code == 0, result.output
    return RunData.from_folder(folder)


def _sections(run: RunData) -> list[Section]:
    """Every view of the run's task called directly, so an exception fails the test."""
    fns = views_for(run.task)
    assert fns, f"no view registered for {run.task}"
    sections = []
    for fn in fns:
        sections.extend(fn(run) or [])
    return sections


def _check(run: RunData, img: bool = False) -> list[Section]:
    sections = _sections(run)
    assert sections and all(isinstance(s, Section) for s in sections)
    figures = [f for s in sections for f in FIGURE.findall(s.html)]
    assert figures and all("<svg" in f or "<img" in f for f in figures)
    if img:
        assert any('<img src="data:image/png;base64,' in f for f in figures)
    for s in sections:
        assert len(s.html) < MAX_HTML, (s.title, len(s.html))
        assert not re.search(r'(src|href)="(https?:)?//|url\((https?:)?//', s.html)  # nothing from the network
    return sections


def _stripped(run: RunData, tmp_path, keep=("metrics.json", "leaderboard.csv")) -> RunData:
    """A copy of the run folder holding only ``keep``."""
    folder = tmp_path / "stripped"
    folder.mkdir(parents=True)
    for name in keep:
        shutil.copy(run.folder / name, folder / name)
    return RunData.from_folder(folder)


def _check_missing(run: RunData, tmp_path) -> None:
    sections = _sections(_stripped(run, tmp_path))
    assert all("<figure" not in s.html for s in sections)
    assert all('class="note"' in s.html for s in sections)
    assert all("could not be drawn" not in s.html for s in run_views(_stripped(run, tmp_path / "again")))


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0, 0], [6, 6, 0], [0, 6, 6]])
    group = np.repeat([0, 1, 2], 60)
    frame = pd.DataFrame(centres[group] + rng.normal(size=(180, 3)), columns=["a", "b", "c"])
    frame["kind"] = np.where(group == 1, "x", "y")
    frame["group"] = group
    path = tmp_path_factory.mktemp("data") / "blobs.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory, blobs):
    return _run(tmp_path_factory.mktemp("cluster") / "run", "cluster", blobs, "--models", "kmeans,gmm",
                "--k", "3", "--label", "group")


@pytest.fixture(scope="module")
def anomaly_run(tmp_path_factory):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(300, 4)), columns=["p", "q", "r", "s"])
    frame.loc[:14, ["p", "q"]] += 8
    frame["anomaly"] = (frame.index < 15).astype(int)
    path = tmp_path_factory.mktemp("data") / "points.csv"
    frame.to_csv(path, index=False)
    return _run(tmp_path_factory.mktemp("anomaly") / "run", "detect", path, "--models", "isolation_forest,lof",
                "--label", "anomaly")


@pytest.fixture(scope="module")
def topics_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("topics") / "run", "text", "topics", "dataset:lee", "--models", "nmf,lda",
                "--k", "4")


@pytest.fixture(scope="module")
def communities_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("communities") / "run", "graph", "communities", "dataset:karate",
                "--models", "louvain,label_propagation")


@pytest.fixture(scope="module")
def links_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("links") / "run", "graph", "links", "dataset:les_miserables",
                "--models", "adamic_adar,jaccard")


def test_clustering_views(cluster_run, tmp_path):
    sections = _check(cluster_run)
    text = " ".join(s.title + s.html for s in sections)
    assert len(FIGURE.findall(text)) >= 2  # the map and the clusters against the label
    assert "distinctive" in text  # the profiles table
    _check_missing(cluster_run, tmp_path)


def test_clustering_many_clusters_are_sampled_and_lumped(tmp_path):
    rng = np.random.default_rng(0)
    n = 6000
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "metrics.json").write_text(json.dumps({"task": "clustering", "primary": "nmi", "best": "dbscan"}))
    pd.DataFrame({"model": ["dbscan"], "kind": ["traditional"], "nmi": [0.5]}).to_csv(folder / "leaderboard.csv",
                                                                                        index=False)
    clusters = rng.integers(-1, 40, n)
    pd.DataFrame({"row": range(n), "x": rng.normal(size=n), "y": rng.normal(size=n), "cluster": clusters}).to_csv(
        folder / "coordinates.csv", index=False)
    pd.DataFrame({"row": range(n), "cluster_dbscan": clusters, "label": rng.integers(0, 50, n)}).to_csv(
        folder / "assignments.csv", index=False)
    sections = _check(RunData.from_folder(folder))
    assert "2,000 of 6,000 rows" in sections[0].html


def test_anomaly_views(anomaly_run, tmp_path):
    sections = _check(anomaly_run)
    text = " ".join(s.title + s.html for s in sections)
    assert "threshold" in text
    assert "<table" in text  # the top anomalies
    _check_missing(anomaly_run, tmp_path)


def test_topics_views(topics_run, tmp_path):
    sections = _check(topics_run)
    text = " ".join(s.title + s.html for s in sections)
    assert "side by side" in text and "nmf" in text and "lda" in text
    _check_missing(topics_run, tmp_path)


def test_communities_views(communities_run, tmp_path):
    has_png = communities_run.file("network.png") is not None
    sections = _check(communities_run, img=has_png)
    if "truth" in communities_run.table("communities.csv").columns:
        assert any("truth" in s.title for s in sections)
    _check_missing(communities_run, tmp_path)


def test_link_prediction_views(links_run, tmp_path):
    sections = _check(links_run)
    text = " ".join(s.title + s.html for s in sections)
    assert "ROC" in text and "Suggested links" in text
    _check_missing(links_run, tmp_path)
