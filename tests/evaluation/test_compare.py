"""compare(): every candidate on one split, scored and timed, with clear errors for unusable targets."""

import numpy as np
import pandas as pd
import pytest

from deepmine import compare
from deepmine.errors import ColumnError, DataWarning, DeepmineError, TargetError

FAST_CLF = "deep_mlp,logistic_neuron,majority,logistic_regression"


def test_classification_leaderboard_on_breast_cancer():
    board = compare("classification", "dataset:breast_cancer", target="diagnosis", random_state=0)
    frame = board.frame
    # the default set; TabM, XGBoost and CatBoost only when named (or with models="all")
    assert set(frame.model) == {"deep_mlp", "logistic_neuron", "realmlp", "majority", "logistic_regression",
                                "random_forest", "hist_gradient_boosting", "lightgbm"}
    assert list(frame.columns) == ["model", "kind", "accuracy", "balanced_accuracy", "f1_macro", "roc_auc",
                                   "log_loss", "ece", "fit_s", "predict_s"]
    assert (frame.fit_s > 0).all() and (frame.predict_s > 0).all()
    assert frame.accuracy.is_monotonic_decreasing and board.best == frame.model.iloc[0]
    deep = frame.set_index("model").loc["deep_mlp"]
    majority = frame.set_index("model").loc["majority"]
    assert deep.accuracy >= 0.95  # the bar for the deep model on this dataset
    assert deep.accuracy > majority.accuracy + 0.3 and deep.roc_auc > 0.97
    assert board.info["train_rows"] + board.info["test_rows"] == 569
    assert "deep" in board.verdict() or "traditional" in board.verdict()
    assert set(board.histories) == {"deep_mlp", "logistic_neuron", "realmlp"}


def test_regression_leaderboard_on_diabetes():
    board = compare("regression", "dataset:diabetes", target="progression", models="deep_mlp,linear_neuron,mean,ridge")
    frame = board.frame.set_index("model")
    assert list(board.frame.columns[2:5]) == ["rmse", "mae", "r2"]
    assert frame.loc["deep_mlp", "r2"] > frame.loc["mean", "r2"] + 0.3
    assert frame.loc["linear_neuron", "r2"] == pytest.approx(frame.loc["ridge", "r2"], abs=0.08)


def test_cross_validation_reports_mean_and_spread(penguins):
    board = compare("classification", penguins.frame, target="species", models="logistic_neuron,majority", cv=3)
    assert {"cv_accuracy", "cv_accuracy_std"} <= set(board.frame.columns)
    row = board.frame.set_index("model").loc["logistic_neuron"]
    assert 0.8 < row.cv_accuracy <= 1 and row.cv_accuracy_std >= 0


def test_markdown_and_csv(tmp_path, penguins):
    board = compare("classification", penguins.frame, target="species", models="majority,logistic_regression")
    md = board.to_markdown()
    assert "| model" in md and "logistic_regression" in md
    board.to_csv(tmp_path / "board.csv")
    back = pd.read_csv(tmp_path / "board.csv")
    assert list(back.model) == list(board.frame.model)


def test_identifier_columns_are_set_aside_with_a_notice(penguins):
    df = penguins.frame.copy()
    df.insert(0, "customer_id", [f"c{i:04d}" for i in range(len(df))])
    with pytest.warns(DataWarning, match="customer_id"):
        board = compare("classification", df, target="species", models="majority")
    assert board.info["skipped_columns"] == {"customer_id": "id"}


def test_time_split_holds_out_the_latest_rows(penguins):
    df = penguins.frame.copy()
    board = compare("classification", df, target="species", models="majority", time_column="year")
    assert board.info["split"] == "time" and "year" not in board.info["features"]


def test_missing_target_column_names_the_columns(penguins):
    with pytest.raises(ColumnError, match="'price' is not in the data.*species"):
        compare("classification", penguins.frame, target="price")


def test_single_class_target_is_refused():
    df = pd.DataFrame({"x": np.arange(50.0), "y": ["same"] * 50})
    with pytest.raises(TargetError, match="single class"):
        compare("classification", df, target="y")


def test_continuous_target_for_classification_points_to_regression(diabetes):
    with pytest.raises(TargetError, match="regression"):
        compare("classification", diabetes.frame, target="progression")


def test_label_target_for_regression_points_to_classification(penguins):
    with pytest.raises(TargetError, match="classification"):
        compare("regression", penguins.frame, target="species")


def test_rows_with_missing_target_are_dropped_with_a_notice(penguins):
    df = penguins.frame.copy()
    df.loc[:9, "sex"] = None
    with pytest.warns(DataWarning, match="rows with a missing target"):
        board = compare("classification", df.dropna(subset=["sex"]).pipe(lambda d: pd.concat([d, df.head(10)])),
                        target="sex", models="majority")
    assert board.info["rows"] == len(df.dropna(subset=["sex"])) + 10


def test_unknown_model_and_task_are_named(penguins):
    with pytest.raises(DeepmineError, match="choose from"):
        compare("classification", penguins.frame, target="species", models="xgboosted")
    with pytest.raises(DeepmineError, match="unknown task"):
        compare("clustering-ish", penguins.frame, target="species")


def test_reads_from_sqlite(tmp_path, penguins):
    import sqlite3

    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as con:
        penguins.frame.to_sql("penguins", con, index=False)
    board = compare("classification", f"sqlite:///{db}", target="species", table="penguins",
                    models="logistic_regression")
    assert board.frame.accuracy.iloc[0] > 0.9


def test_all_names_every_candidate_and_sets_combine_with_names(penguins):
    from deepmine.evaluation.tasks import get_task

    task = get_task("classification")
    everything = [c.name for c in task.select("all")]
    assert {"tabm", "xgboost", "catboost", "realmlp", "lightgbm"} <= set(everything)
    assert "tabm" not in [c.name for c in task.select(None)]
    assert [c.name for c in task.select("majority,tabm,majority")] == ["majority", "tabm"]
    board = compare("classification", penguins.frame, target="species", models="majority,xgboost,catboost",
                    random_state=0)
    assert set(board.frame.model) == {"majority", "xgboost", "catboost"}
    assert board.frame.set_index("model").accuracy.loc[["xgboost", "catboost"]].min() > 0.95
