"""The report page in a real browser: Debian's Chromium driven by Playwright (no browser download).

Skipped, with the reason, only when /usr/bin/chromium is missing or playwright is not installed.
"""

import pandas as pd
import pytest
from typer.testing import CliRunner

from browser import assert_figures_drawn, opened

from deepmine.cli.main import app


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser") / "iris"
    result = CliRunner().invoke(app, ["classify", "dataset:iris", "--target", "species", "--models",
                                      "deep_mlp,logistic_regression", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_report_opens_cleanly_in_chromium(iris_run, tmp_path):
    report = iris_run / "report.html"
    models = pd.read_csv(iris_run / "leaderboard.csv")["model"].astype(str).tolist()
    with opened(report) as (page, problems):
        assert page.title()
        assert assert_figures_drawn(page) >= 2  # primary metric and time, learning curves

        listed = page.locator("#leaderboard tbody tr[data-model]").evaluate_all(
            "rows => rows.map(r => r.getAttribute('data-model'))")
        assert sorted(listed) == sorted(models)

        # clicking the model heading sorts the rows by name, a second click reverses them
        heading = page.locator("#leaderboard thead th", has_text="model").first
        heading.click()
        ascending = page.locator("#leaderboard tbody tr[data-model]").evaluate_all(
            "rows => rows.map(r => r.getAttribute('data-model'))")
        assert ascending == sorted(models, key=str.lower)
        assert heading.get_attribute("aria-sort") == "ascending"
        heading.click()
        descending = page.locator("#leaderboard tbody tr[data-model]").evaluate_all(
            "rows => rows.map(r => r.getAttribute('data-model'))")
        assert descending == ascending[::-1]

        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    assert problems == {"console": [], "page": [], "network": []}, problems
