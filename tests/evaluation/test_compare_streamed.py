"""compare on a stream: hashed split, networks on every row with fit_stream, traditional models on a sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from deepmine.data.split import hash_split
from deepmine.data.stream import open_stream
from deepmine.errors import DataError, DataWarning, ParameterError
from deepmine.evaluation import compare
from deepmine.evaluation.streamed import compare_stream
from deepmine.evaluation.tasks import get_task

FAST = {"max_epochs": 4}


@pytest.fixture
def churn_parquet(tmp_path, churn_sample):
    path = tmp_path / "churn.parquet"
    churn_sample.to_parquet(path, row_group_size=200)
    return path


def test_streamed_compare_ranks_networks_on_all_rows_and_baselines_on_a_sample(churn_parquet, churn_sample):
    board = compare_stream(get_task("classification"), churn_parquet, "churn", models="deep_mlp,logistic_regression",
                           options=FAST, sample_rows=300)
    frame = board.frame.set_index("model")
    info = board.info
    assert info["streamed"] and info["split"] == "hashed"
    assert 0.2 * 800 < info["test_rows"] < 0.3 * 800  # test_size 0.25 of the rows, by hash
    assert info["train_rows"] + info["test_rows"] == 800
    assert frame.loc["deep_mlp", "train_rows"] == info["train_rows"]  # the network saw every training row
    assert 200 < frame.loc["logistic_regression", "train_rows"] < 400  # the baseline a sample of ~300
    assert frame[["accuracy", "roc_auc", "fit_s"]].notna().all().all()
    majority = churn_sample["churn"].value_counts(normalize=True).max()
    assert frame.loc["logistic_regression", "accuracy"] >= majority - 0.05
    assert len(board.predictions["deep_mlp"]) == info["test_rows"] == len(board.y_test)


def test_hashed_split_is_disjoint_and_complete(churn_parquet):
    stream = open_stream(churn_parquet, batch_rows=128)
    is_train, is_test = hash_split(0.25, random_state=3)
    train = pd.concat(stream.where(is_train).batches())
    test = pd.concat(stream.where(is_test).batches())
    assert set(train.index).isdisjoint(test.index) and len(train) + len(test) == 800
    again = pd.concat(open_stream(churn_parquet, batch_rows=77).where(is_test).batches())  # other batches
    assert again.index.equals(test.index)
    shards = open_stream(churn_parquet, batch_rows=128).shards(2)  # and other shards
    assert sorted(pd.concat([pd.concat(s.where(is_test).batches()) for s in shards]).index) == list(test.index)


def test_test_rows_are_capped(churn_parquet):
    board = compare_stream(get_task("regression"), churn_parquet, "total_day_charge", models="ridge",
                           max_test_rows=100)
    assert 60 < board.info["test_rows"] < 140
    assert np.isfinite(board.frame["r2"]).all()


def test_rows_with_a_missing_target_are_left_out(tmp_path, churn_sample):
    frame = churn_sample.copy()
    frame.loc[:99, "churn"] = None
    path = tmp_path / "holes.parquet"
    frame.to_parquet(path)
    with pytest.warns(DataWarning, match="100 rows with a missing target 'churn' were left out"):
        board = compare_stream(get_task("classification"), path, "churn", models="deep_mlp", options=FAST)
    assert board.info["train_rows"] + board.info["test_rows"] == 700


def test_auto_streams_a_table_over_the_budget_with_a_notice(tmp_path, churn_sample, monkeypatch):
    path = tmp_path / "churn.csv"
    churn_sample.to_csv(path, index=False)
    monkeypatch.setenv("DEEPMINE_MEMORY_BUDGET", "10KB")
    with pytest.warns(DataWarning, match="more than the budget of 10 KB .*streaming it"):
        board = compare("classification", str(path), target="churn", models="logistic_neuron", options=FAST)
    assert board.info["streamed"]
    with pytest.raises(DataError, match="clustering needs its rows in memory"):
        compare("clustering", str(path), models="kmeans")
    with pytest.raises(DataError, match="cv need.* the table in memory"):
        compare("classification", str(path), target="churn", models="logistic_neuron", cv=3)
    monkeypatch.setenv("DEEPMINE_MEMORY_BUDGET", "1GB")
    assert "streamed" not in compare("classification", str(path), target="churn", models="majority").info


def test_stream_true_refuses_what_needs_memory(churn_parquet):
    with pytest.raises(ParameterError, match="calibrate need.* the table in memory"):
        compare("classification", churn_parquet, target="churn", stream=True, calibrate=True)
    with pytest.raises(ParameterError, match="streaming compares classification and regression"):
        compare("anomaly", churn_parquet, stream=True)
    with pytest.raises(ParameterError, match="stream must be True, False or 'auto'"):
        compare("classification", churn_parquet, target="churn", stream="yes")


def test_cli_stream_and_memory_budget(tmp_path, churn_sample, monkeypatch):
    from deepmine.cli.main import app

    # --memory-budget sets DEEPMINE_MEMORY_BUDGET for the process; monkeypatch puts it back afterwards
    monkeypatch.setenv("DEEPMINE_MEMORY_BUDGET", "1GB")
    path = tmp_path / "churn.csv"
    churn_sample.to_csv(path, index=False)
    out = tmp_path / "run"
    with pytest.warns(DataWarning, match="more than the budget of 20 KB"):
        result = CliRunner().invoke(app, ["classify", str(path), "--target", "churn", "--models",
                                          "logistic_regression", "--memory-budget", "20KB", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "streamed: traditional models on a sample" in " ".join(result.output.split())
    board = pd.read_csv(out / "leaderboard.csv")
    assert board.loc[0, "train_rows"] > 500
    bad = CliRunner().invoke(app, ["classify", str(path), "--target", "churn", "--memory-budget", "lots",
                                   "-o", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "'lots' is not a size" in bad.output
    assert not (tmp_path / "bad").exists()


def test_a_streamed_forest_grows_each_tree_on_a_bounded_bootstrap():
    # fully grown trees on the 200,000-row sample held over a gigabyte; each tree now sees 20,000 rows
    from deepmine.evaluation.streamed import FOREST_TREE_ROWS, bounded_forest
    from deepmine.evaluation.tasks import get_task

    task = get_task("classification")
    forest = task.candidates["random_forest"].factory(0)
    assert bounded_forest(forest, 200_000) == {"max_samples": FOREST_TREE_ROWS / 200_000}
    assert bounded_forest(forest, FOREST_TREE_ROWS) == {}
    assert bounded_forest(task.candidates["lightgbm"].factory(0), 200_000) == {}
    assert bounded_forest(task.candidates["hist_gradient_boosting"].factory(0), 200_000) == {}
