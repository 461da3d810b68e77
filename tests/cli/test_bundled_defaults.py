"""The first five minutes (issue 24, item 6): every bundled dataset runs through its task's command with nothing
but the data (and the horizon of a forecast), the global options work after the sub-command too, usage errors
are one line like every other mistake, and every command that trains networks takes --max-epochs."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from deepmine.cli import common
from deepmine.cli.main import app
from deepmine.datasets import available, load
from deepmine.datasets.registry import ENTRIES
from deepmine.errors import DeepmineError

runner = CliRunner()

#: the command of each dataset task
COMMANDS = {"classification": ["classify"], "regression": ["regress"], "clustering": ["cluster"],
            "anomaly": ["detect"], "recommendation": ["recommend"], "text_classification": ["text", "classify"],
            "topics": ["text", "topics"], "series_classification": ["series", "classify"],
            "forecasting": ["series", "forecast"], "series_anomaly": ["series", "detect"],
            "communities": ["graph", "communities"], "link_prediction": ["graph", "links"],
            "image_classification": ["images", "classify"]}
#: what each task needs besides the data
NEEDS = {"forecasting": ["--horizon", "12"]}
#: the keywords of compare that each task's command fills from the dataset, and the registry's role for each
ROLES = {"classification": {"target": "target"}, "regression": {"target": "target"},
         "clustering": {"label": "label"}, "anomaly": {"label": "label"},
         "recommendation": {"user": "user", "item": "item", "target": "target", "time_column": "time",
                            "item_features": "item_features"},
         "text_classification": {"target": "target", "text": "text", "split_column": "split"},
         "topics": {"text": "text", "label": "label"},
         "series_classification": {"target": "target", "id_column": "id", "time_column": "time",
                                   "split_column": "split"},
         "forecasting": {"target": "target", "time_column": "time"},
         "series_anomaly": {"label": "target", "time_column": "time", "split_column": "split"},
         "communities": {"source": "edge_source", "target": "edge_target", "weight": "weight"}}


def registry_value(entry, role: str):
    if role == "target":
        return entry.target
    value = entry.defaults.get(role)
    return entry.target if value is None and role == "label" else value


class Recorded(DeepmineError):
    """Raised by the stand-in compare once it has the arguments: the command stops there (status 2)."""


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    """Replace compare by a recorder: the command resolves its options end to end, nothing is trained."""
    calls = []

    def fake_compare(task, data, **kwargs):
        calls.append({"task": task, "data": data, "quiet": common.QUIET, **kwargs})
        raise Recorded("recorded")

    monkeypatch.setattr("deepmine.evaluation.compare", fake_compare)
    monkeypatch.chdir(tmp_path)
    return calls


def _run(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], prog_name="deepmine", **kwargs)


def _title(result) -> str:
    """The run's first line: the leaderboard's title (rich wraps it to the table's width)."""
    lines = result.stdout.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("┏"))
    return " ".join(line.strip() for line in lines[:top])


def _resolved(recorded, *args) -> dict:
    result = _run(*args)
    assert result.exit_code == 2 and "recorded" in result.output, result.output
    return recorded[-1]


def test_every_task_of_the_registry_has_a_command():
    assert set(available().task) <= set(ROLES) & set(COMMANDS)


@pytest.mark.parametrize("name", list(available().name))
def test_every_bundled_dataset_resolves_its_own_columns(name, recorded):
    """Nothing but the data: the command takes the dataset's target, time, id, user, item, ... columns, which
    the dataset has."""
    entry = ENTRIES[name]
    call = _resolved(recorded, *COMMANDS[entry.task], f"dataset:{name}", *NEEDS.get(entry.task, []))
    assert call["task"] == entry.task and call["data"] == f"dataset:{name}"
    expected = {key: registry_value(entry, role) for key, role in ROLES[entry.task].items()}
    assert {key: call.get(key) for key in expected} == expected
    if entry.task == "forecasting":
        assert call["horizon"] == 12
    if entry.task == "topics":
        assert call["options"]["n_topics"] == entry.defaults.get("k", 10)
    columns = set(load(name).frame.columns)
    named = {value for value in expected.values() if value is not None}
    named |= {value for role, value in entry.defaults.items() if role != "k"}  # every role names a column
    assert named <= columns, f"dataset:{name} names columns it does not have: {named - columns}"
    assert entry.target is None or entry.target in columns


@pytest.mark.parametrize("args, note", [
    (["classify", "dataset:iris"], "(target species from the dataset; "),
    (["regress", "dataset:diabetes"], "(target progression from the dataset; "),
    (["graph", "communities", "dataset:karate"], "communities: dataset:karate  (34 nodes"),
    (["text", "topics", "dataset:titles", "--models", "nmf"], "(label group, k 2 from the dataset; "),
])
def test_small_bundled_datasets_really_run(args, note, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run(*args)
    assert result.exit_code == 0, result.output
    assert note in _title(result)
    [run] = (tmp_path / "runs").iterdir()
    assert (run / "leaderboard.csv").is_file()


def test_airline_forecasts_with_the_horizon_only_and_max_epochs_caps_its_networks(tmp_path):
    out = tmp_path / "run"
    result = _run("series", "forecast", "dataset:airline", "--horizon", "12", "--max-epochs", "1",
                  "--models", "seasonal_naive,mlp", "-o", out)
    assert result.exit_code == 0, result.output
    assert "(target passengers, time month from the dataset; 144 steps, horizon 12" in _title(result)
    assert set(pd.read_csv(out / "forecasts.csv").model) == {"seasonal_naive", "mlp"}
    assert json.loads((out / "metrics.json").read_text())["info"]["options"]["max_epochs"] == 1


def test_classify_max_epochs_caps_the_epochs(tmp_path):
    out = tmp_path / "run"
    result = _run("classify", "dataset:iris", "--max-epochs", "1", "--models", "deep_mlp,logistic_regression",
                  "-o", out)
    assert result.exit_code == 0, result.output
    history = pd.read_csv(out / "history.csv")
    assert set(history.model) == {"deep_mlp"} and history.epoch.max() == 1
    assert json.loads((out / "metrics.json").read_text())["info"]["options"] == {"max_epochs": 1}


@pytest.mark.parametrize("command", [["classify", "dataset:iris"], ["regress", "dataset:diabetes"],
                                     ["cluster", "dataset:digits"], ["detect", "dataset:shuttle"],
                                     ["recommend", "dataset:movielens"], ["text", "classify", "dataset:polarity"],
                                     ["series", "classify", "dataset:gunpoint"],
                                     ["series", "forecast", "dataset:airline", "-h", "12"],
                                     ["series", "detect", "dataset:kdd_tsad_135"],
                                     ["images", "classify", "dataset:digits"]])
def test_every_command_that_trains_networks_takes_max_epochs(command, recorded):
    call = _resolved(recorded, *command, "--max-epochs", "2")
    assert call["options"]["max_epochs"] == 2


@pytest.mark.parametrize("args", [["graph", "communities", "dataset:karate", "--quiet"],
                                  ["graph", "communities", "dataset:karate", "-q"],
                                  ["--quiet", "graph", "communities", "dataset:karate"],
                                  ["-q", "classify", "dataset:iris"], ["classify", "dataset:iris", "-q"]])
def test_quiet_before_or_after_the_sub_command(args, recorded):
    assert _resolved(recorded, *args)["quiet"] is True
    loud = [a for a in args if a not in ("--quiet", "-q")]
    assert _resolved(recorded, *loud)["quiet"] is False  # each run starts loud again


def test_quiet_where_minus_q_means_something_else():
    result = _run("text", "search", "dataset:titles", "-q", "graph minors", "-k", "1", "--quiet")
    assert result.exit_code == 0 and "graph minors" in result.output, result.output


def test_an_explicit_option_wins_over_the_dataset(recorded):
    call = _resolved(recorded, "regress", "dataset:iris", "--target", "petal_width_cm")
    assert call["target"] == "petal_width_cm"
    call = _resolved(recorded, "series", "classify", "dataset:gunpoint", "--split-column", "none_such")
    assert call["split_column"] == "none_such" and call["id_column"] == "case"


@pytest.mark.parametrize("args, message", [
    (["classify", "{csv}"], "Missing option '--target': name the column to predict"),
    (["recommend", "{csv}"], "Missing option '--user'"),
    (["series", "forecast", "{csv}", "-h", "3"], "Missing option '--target'"),
    (["regress", "dataset:iris"], "dataset:iris is a classification dataset, run it with 'deepmine classify "
                                  "dataset:iris'"),
    (["text", "classify", "dataset:titles"], "run it with 'deepmine text topics dataset:titles'"),
    (["series", "forecast", "dataset:karate", "-h", "3"], "run it with 'deepmine graph communities dataset:karate'"),
    (["classify", "dataset:co2"], "run it with 'deepmine series forecast dataset:co2 --horizon 12'"),
    (["classify", "dataset:none_such"], "there is no dataset named 'none_such'"),
])
def test_a_missing_option_is_one_line(args, message, tmp_path):
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n")
    result = _run(*[a.replace("{csv}", str(csv)) for a in args])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert message in lines[0]


@pytest.mark.parametrize("args, message", [
    (["series", "forecast", "dataset:airline"], "Missing option '--horizon'"),
    (["graph", "communities", "dataset:karate", "--bogus"], "No such option: --bogus"),
    (["classify", "dataset:iris", "--max-epochs", "many"], "Invalid value for '--max-epochs'"),
    (["classify", "dataset:iris", "--max-epochs", "0"], "Invalid value for '--max-epochs'"),
    (["classify"], "Missing argument"),
    (["nope"], "No such command 'nope'"),
])
def test_usage_errors_are_one_line(args, message):
    result = _run(*args)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and message in lines[0] and "--help'." in lines[0]
    assert not set("╭│╰") & set(result.output)


def test_the_deepmine_command_prints_a_usage_error_as_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "deepmine", "series", "forecast", "dataset:airline"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == ("error: Missing option '--horizon' / '-h'. Try 'python -m deepmine series "
                                   "forecast --help'."), proc.stderr


def test_version_needs_no_command():
    result = _run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("deepmine ")
