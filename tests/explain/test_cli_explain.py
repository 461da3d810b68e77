"""`deepmine explain` on churn: a deep network and the gradient-boosting baseline, from their run folders."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from deepmine.cli.main import app
from deepmine.datasets import load


@pytest.fixture(scope="module")
def churn_run(tmp_path_factory):
    """A classification run on a churn sample, every model kept."""
    folder = tmp_path_factory.mktemp("churn")
    data = folder / "churn.csv"
    load("churn").frame.sample(1200, random_state=0).to_csv(data, index=False)
    run = folder / "run"
    result = CliRunner().invoke(app, ["classify", str(data), "--target", "churn", "--models",
                                      "deep_mlp,hist_gradient_boosting", "--keep-all", "-o", str(run)])
    assert result.exit_code == 0, result.output
    return data, run


@pytest.mark.parametrize("model, method", [("deep_mlp", "integrated_gradients"),
                                           ("hist_gradient_boosting", "kernel_shap")])
def test_explain_a_deep_and_a_traditional_model_from_the_cli(churn_run, tmp_path, model, method):
    data, run = churn_run
    out = tmp_path / "why"
    result = CliRunner().invoke(app, ["explain", str(run / "models" / model), str(data), "--target", "churn",
                                      "--rows", "3", "--feature", "total_day_minutes", "-o", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["method"] == method and summary["effect_feature"] == "total_day_minutes"
    tidy = pd.read_csv(out / "explanations.csv")
    assert list(tidy.columns[:4]) == ["row", "feature", "value", "contribution"] and tidy.row.nunique() == 3
    per_row = tidy.groupby("row").agg(total=("contribution", "sum"), output=("output", "first"),
                                      base=("base_value", "first"))
    assert (per_row.total - (per_row.output - per_row.base)).abs().max() < 0.01 + 0.01 * per_row.output.abs().max()
    importance = pd.read_csv(out / "importance.csv")
    assert set(importance.feature) == set(pd.read_csv(data, nrows=1).columns) - {"churn"}
    assert "international_plan" in set(importance.feature[:8])  # a known driver of churn
    assert 0 <= summary["ece"] <= 1 and (out / "reliability.png").stat().st_size > 5000
    for name in ("importance.png", "effects.png"):
        assert (out / name).stat().st_size > 5000
    assert len(pd.read_csv(out / "effects.csv")) > 3


def test_run_folder_gives_the_target_and_default_output(churn_run):
    data, run = churn_run
    result = CliRunner().invoke(app, ["explain", str(run), str(data), "--rows", "2"])
    assert result.exit_code == 0, result.output
    assert (run / "explain" / "calibration.csv").exists()  # the run's target column was found by itself
    again = CliRunner().invoke(app, ["explain", str(run), str(data), "--rows", "2"])
    assert again.exit_code == 2 and "--force" in again.output


def test_multiclass_explanations_name_each_rows_class(tmp_path):
    data = tmp_path / "penguins.csv"
    load("penguins").frame.dropna().sample(frac=1, random_state=0).to_csv(data, index=False)  # species mixed
    run = tmp_path / "run"
    made = CliRunner().invoke(app, ["classify", str(data), "--target", "species", "--models",
                                    "hist_gradient_boosting", "-o", str(run)])
    assert made.exit_code == 0, made.output
    out = tmp_path / "why"
    result = CliRunner().invoke(app, ["explain", str(run), str(data), "--rows", "6", "-o", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["explained"] == "probability of each row's predicted class"
    tidy = pd.read_csv(out / "explanations.csv")
    per_row = tidy.groupby("row").agg(cls=("explained_class", "first"), base=("base_value", "first"))
    assert set(per_row.cls) <= {"Adelie", "Chinstrap", "Gentoo"} and per_row.cls.nunique() > 1
    # a base value per row (each class has its own), written as numbers, not as a printed array
    assert summary["base_value"] == pytest.approx(per_row.base.tolist())


@pytest.mark.parametrize("args, message", [
    (["--feature", "no_such"], "'no_such' is not a column"),
    (["--rows", "0"], "--rows must be a positive whole number"),
    (["--method", "lime"], "method must be"),
])
def test_cli_errors_are_one_line(churn_run, tmp_path, args, message):
    data, run = churn_run
    out = tmp_path / "bad"
    result = CliRunner().invoke(app, ["explain", str(run / "models" / "hist_gradient_boosting"), str(data),
                                      "--target", "churn", "-o", str(out), *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_rows_without_a_model_column_are_refused(churn_run, tmp_path):
    data, run = churn_run
    short = tmp_path / "short.csv"
    pd.read_csv(data).drop(columns=["total_day_minutes"]).to_csv(short, index=False)
    result = CliRunner().invoke(app, ["explain", str(run / "models" / "deep_mlp"), str(short), "-o",
                                      str(tmp_path / "x")])
    assert result.exit_code == 2 and "total_day_minutes" in result.output
