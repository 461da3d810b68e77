"""`deepmine demo`: the tour writes a report per task and an index that links them, clean in Chromium."""

import re

import pytest
from typer.testing import CliRunner

from browser import assert_figures_drawn, opened

from deepmine.cli.main import app

STOPS = "karate,airline"


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    root = tmp_path_factory.mktemp("tour")
    result = CliRunner().invoke(app, ["--quiet", "demo", "--quick", "--only", STOPS, "--out", str(root)])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in root.iterdir() if p.name.startswith("tour-")]
    assert "index.html" in result.output
    return folder


def test_index_links_a_report_for_every_stop(tour):
    index = (tour / "index.html").read_text(encoding="utf-8")
    links = re.findall(r"href='([^']+/report.html)'", index)
    assert sorted(links) == ["airline/report.html", "karate/report.html"]
    for link in links:
        report = tour / link
        assert report.exists() and report.stat().st_size < 2_000_000
    assert "Where did deep learning win?" in index and "communities" in index and "forecasting" in index
    assert (tour / "karate" / "network.png").exists()  # the tour draws the network as the CLI does


def test_unknown_stop_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--only", "titanic", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown tour stop(s) 'titanic'" in result.output


def test_index_and_a_report_open_cleanly_in_chromium(tour, tmp_path):
    with opened(tour / "index.html") as (page, problems):
        assert page.locator("#tour tbody tr").count() == 2
        page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    assert problems == {"console": [], "page": [], "network": []}, problems
    with opened(tour / "karate" / "report.html") as (page, problems):
        assert assert_figures_drawn(page) >= 3  # metric and time, the network, community sizes
        listed = page.locator("#leaderboard tbody tr[data-model]").count()
        assert listed == 5
        page.screenshot(path=str(tmp_path / "karate.png"), full_page=True)
    assert problems == {"console": [], "page": [], "network": []}, problems
