"""Tuning under a budget, ensembles and the paired bootstrap verdict, on small real tables."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from deepmine.errors import ParameterError
from deepmine.evaluation import compare
from deepmine.evaluation.bootstrap import paired_interval
from deepmine.evaluation.ensembles import log_loss_on, rmse_on, select
from deepmine.evaluation.tuning import Budget, parse_budget

FAST = {"max_epochs": 4}
TIMINGS = ["fit_s", "predict_s", "tune_s"]


def _scores(board):
    return board.frame.drop(columns=[c for c in TIMINGS if c in board.frame.columns])


@pytest.mark.parametrize("value, expected", [(50, Budget(trials=50)), ("12", Budget(trials=12)),
                                             ("90s", Budget(seconds=90.0)), ("10m", Budget(seconds=600.0)),
                                             ("1h", Budget(seconds=3600.0)), (None, Budget()), (0, Budget(trials=0))])
def test_a_budget_is_trials_or_a_time(value, expected):
    assert parse_budget(value) == expected


@pytest.mark.parametrize("bad", ["ten", "-3", "5 weeks", -1, 2.5, "0s"])
def test_a_bad_budget_names_the_forms_it_takes(bad):
    with pytest.raises(ParameterError, match=r"trials per model \(50\) or a time .*'10m'"):
        parse_budget(bad)


def test_a_budget_of_zero_gives_the_default_leaderboard(breast_cancer):
    kwargs = dict(target="diagnosis", models="logistic_regression,majority,logistic_neuron", options=FAST)
    default = compare("classification", breast_cancer.frame, **kwargs)
    zero = compare("classification", breast_cancer.frame, budget=0, **kwargs)
    pd.testing.assert_frame_equal(_scores(default), _scores(zero))
    assert "trials" not in zero.info and "ensembles" not in zero.info


def test_trials_are_seeded_scored_on_training_rows_and_never_worse_than_the_default(breast_cancer):
    kwargs = dict(target="diagnosis", models="logistic_regression,hist_gradient_boosting,logistic_neuron,majority",
                  options=FAST, budget=4, random_state=3)
    board = compare("classification", breast_cancer.frame, **kwargs)
    trials = board.info["trials"]
    counts = trials.groupby("model").size().to_dict()
    # majority has nothing to tune: only its default (trial 0) runs
    assert counts == {"logistic_regression": 4, "hist_gradient_boosting": 4, "logistic_neuron": 4, "majority": 1}
    assert (trials[trials.trial == 0]["params"] == "{}").all()
    assert trials["state"].eq("complete").all()
    # a fifth of the training part scores the trials, another fifth weights the ensembles: the test part is
    # never seen by a trial
    n = board.info["train_rows"]
    assert abs(board.info["valid_rows"] - 0.2 * n) <= 2 and board.info["blend_rows"] == math.ceil(0.2 * n)
    for name, values in board.info["tuned"].items():  # a winner beats its default on the validation rows
        scores = trials[trials.model == name].set_index("trial")["score"]
        best = trials[(trials.model == name) & (trials.params == json.dumps(_jsonable(values), sort_keys=True))]
        assert best["score"].iloc[0] > scores.loc[0]
    assert board.frame.set_index("model").loc["logistic_regression", "trials"] == 4
    again = compare("classification", breast_cancer.frame, **kwargs)
    pd.testing.assert_frame_equal(_scores(board), _scores(again))
    pd.testing.assert_frame_equal(trials.drop(columns="seconds"), again.info["trials"].drop(columns="seconds"))


def _jsonable(values):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def test_the_tuned_values_reach_the_final_model(breast_cancer):
    # options set the default (trial 0): a C so small that every row gets the majority class
    board = compare("classification", breast_cancer.frame, target="diagnosis", models="logistic_regression",
                    budget=5, ensemble=False, options={"C": 1e-5})
    values = board.info["tuned"].get("logistic_regression")
    assert values, "five trials on C should find a better C than 1e-5"
    assert board.models["logistic_regression"].steps[-1][1].C == pytest.approx(values["C"])
    assert not any(m.startswith("ensemble") for m in board.frame["model"])


def test_ensembles_average_their_members_with_weights_that_sum_to_one(penguins):
    board = compare("classification", penguins.frame, target="species",
                    models="logistic_regression,random_forest,logistic_neuron,deep_mlp", options=FAST, ensemble=True)
    rows = board.frame.set_index("model")
    assert {"ensemble_all", "ensemble_deep", "ensemble_traditional"} <= set(rows.index)
    assert rows.loc["ensemble_deep", "kind"] == "deep" and rows.loc["ensemble_traditional", "kind"] == "traditional"
    assert rows.loc["ensemble_all", "kind"] == "ensemble"
    assert "trials" not in board.info  # ensembles alone tune nothing
    classes = np.sort(board.y_test.unique())
    for name, ens in board.info["ensembles"].items():
        assert sum(ens["weights"].values()) == pytest.approx(1.0)
        mixed = np.zeros_like(board.probabilities[name])
        for member, weight in ens["weights"].items():
            order = [list(board.models[member].classes_).index(c) for c in classes]
            mixed += weight * board.probabilities[member][:, order]
        np.testing.assert_allclose(board.probabilities[name], mixed)
        assert rows.loc[name, "accuracy"] == pytest.approx(np.mean(classes[mixed.argmax(1)] == board.y_test))
    deep_members = set(board.info["ensembles"]["ensemble_deep"]["weights"])
    assert deep_members <= {"logistic_neuron", "deep_mlp"}


def test_greedy_selection_finds_the_model_that_is_right_and_mixes_complementary_ones():
    y = np.array([0, 1, 0, 1, 1, 0])
    right = np.eye(2)[y] * 0.9 + 0.05
    wrong = right[:, ::-1]
    assert select({"wrong": wrong, "right": right}, log_loss_on(y, [0, 1]), len(y)) == {"right": 1.0}
    # two regressors off in opposite directions: their average is exact
    target = np.linspace(0, 1, 20)
    weights = select({"low": target - 0.3, "high": target + 0.3}, rmse_on(target), len(target), bags=1)
    assert weights == pytest.approx({"low": 0.48, "high": 0.52}, abs=0.05)


def test_the_paired_interval_says_tie_for_the_same_model_and_not_for_a_clear_winner():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    good = np.where(rng.random(400) < 0.9, y, 1 - y)
    poor = np.where(rng.random(400) < 0.6, y, 1 - y)
    same = paired_interval("accuracy", y, good, good.copy())
    assert same.difference == 0 and same.spans_zero
    clear = paired_interval("accuracy", y, good, poor)
    assert clear.difference == pytest.approx(np.mean(good == y) - np.mean(poor == y))
    assert clear.low > 0.2 and not clear.spans_zero and clear.rows == 400
    assert paired_interval("nmi", y, good, poor) is None  # a partition's score: no rows to resample


def test_the_verdict_keeps_its_interval_and_says_when_the_gap_is_noise(diabetes):
    board = compare("regression", diabetes.frame, target=diabetes.target, models="ridge,linear_neuron",
                    options={"max_epochs": 30})
    paired = board.to_dict()["paired"]
    assert paired["low"] <= paired["difference"] <= paired["high"] and paired["rows"] == len(board.y_test)
    verdict = board.verdict()
    assert "paired bootstrap interval" in verdict
    assert verdict.startswith("a tie") == (paired["low"] <= 0 <= paired["high"])


def test_a_wall_clock_budget_tunes_what_has_a_space_and_stops(breast_cancer):
    board = compare("classification", breast_cancer.frame, target="diagnosis",
                    models="logistic_regression,majority", budget="3s", ensemble=False)
    trials = board.info["trials"]
    # without ensembles, a model with nothing to tune (majority) is fitted once, as without a budget
    assert set(trials["model"]) == {"logistic_regression"} and board.info["budget"] == "3 s in all"
    assert len(trials) >= 2
    assert trials["seconds"].sum() < 30


def test_tasks_without_an_inner_split_refuse_a_budget_clearly():
    with pytest.raises(ParameterError, match="clustering cannot be tuned or ensembled yet"):
        compare("clustering", "dataset:iris", models="kmeans", budget=3)


def test_the_validation_part_keeps_groups_apart_as_the_test_part_does(churn_sample):
    from deepmine.evaluation.registry import get_task

    frame = churn_sample.assign(customer=np.arange(len(churn_sample)) // 4)  # four rows per customer
    task = get_task("classification")
    settings = task.check_options({"target": "churn", "group_column": "customer"})
    prepared = task.prepare(frame, random_state=0, **settings)
    inner = task.inner(prepared, random_state=0)
    groups = prepared.extra["inner_split"][1]
    train_groups = set(groups.iloc[np.flatnonzero(np.isin(np.arange(len(groups)), _positions(prepared, inner)))])
    valid_groups = set(groups) - train_groups
    assert valid_groups and not train_groups & valid_groups
    assert inner.info["valid_rows"] == sum(groups.isin(valid_groups))


def _positions(prepared, inner):
    """The positions in the training part of the inner training rows (their index labels are lost: match rows)."""
    keys = prepared.train.astype(str).agg("|".join, axis=1)
    wanted = set(inner.train.astype(str).agg("|".join, axis=1))
    return np.flatnonzero(keys.isin(wanted))


def test_a_resample_without_both_classes_never_makes_the_interval_nan():
    rng = np.random.default_rng(1)
    y = np.zeros(100, int)
    y[:3] = 1  # three anomalies among 100 held-out rows: many resamples hold none
    a, b = rng.random(100), rng.random(100)
    a[:3] += 0.6
    interval = paired_interval("roc_auc", y, a, b)
    assert interval is not None and np.isfinite(interval.low) and np.isfinite(interval.high)
    assert interval.low <= interval.difference <= interval.high


def test_neutral_values_of_options_a_task_does_not_take_are_accepted(penguins):
    board = compare("clustering", penguins.frame.drop(columns="species"), models="kmeans", stream="auto",
                    calibrate=False, roles={}, options={"n_clusters": 3})
    assert len(board.frame) == 1
    with pytest.raises(ParameterError, match="calibrate applies to classifiers"):
        compare("clustering", penguins.frame, models="kmeans", calibrate=True)


def test_compare_keeps_its_positional_order(breast_cancer):
    board = compare("classification", breast_cancer.frame, "diagnosis", "majority", 0.5)
    assert board.info["test_rows"] == math.ceil(0.5 * len(breast_cancer.frame)) and board.info["test_size"] == 0.5


def test_bagged_selection_is_seeded_sums_to_one_and_keeps_a_clear_winner_first():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    truth = np.eye(2)[y] * 0.8 + 0.1
    noisy = {f"m{i}": np.clip(truth + rng.normal(0, 0.3 + 0.05 * i, truth.shape), 0.01, 1) for i in range(5)}
    outputs = {"good": truth, **noisy}
    weights = select(outputs, log_loss_on(y, [0, 1]), len(y), seed=3)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert max(weights, key=weights.get) == "good" and weights["good"] >= 0.5
    assert select(outputs, log_loss_on(y, [0, 1]), len(y), seed=3) == weights  # seeded
    # two equally noisy models that err on different rows: every bag mixes them
    a = np.clip(truth + rng.normal(0, 0.3, truth.shape), 0.01, 1)
    b = np.clip(truth + rng.normal(0, 0.3, truth.shape), 0.01, 1)
    mixed = select({"a": a, "b": b}, log_loss_on(y, [0, 1]), len(y))
    assert set(mixed) == {"a", "b"} and min(mixed.values()) > 0.2


def test_anomaly_detectors_are_tuned_on_labelled_training_rows():
    from deepmine.datasets import load

    rows = load("shuttle").frame.sample(600, random_state=0).reset_index(drop=True)
    board = compare("anomaly", rows, label="anomaly", models="isolation_forest,lof", budget=3, ensemble=False)
    trials = board.info["trials"]
    assert trials.groupby("model").size().to_dict() == {"isolation_forest": 3, "lof": 3}
    assert board.info["valid_rows"] == math.ceil(0.2 * board.info["train_rows"]) and "ensembles" not in board.info
    with pytest.raises(ParameterError, match="tuned on labelled rows"):
        compare("anomaly", rows.drop(columns="anomaly"), models="lof", budget=2)


def test_anomaly_ensembles_average_ranks_and_flag_the_members_share(shuttle_sample):
    board = compare("anomaly", shuttle_sample, label="anomaly", models="isolation_forest,lof,autoencoder", budget=2,
                    options={"max_epochs": 5, "contamination": 0.1})
    info, rows = board.info, board.frame.set_index("model")
    # three parts of the training rows, stratified: trials fit on three fifths, are scored on one, the last weights
    assert info["tuning_rows"] + info["valid_rows"] + info["blend_rows"] == info["train_rows"] == 450
    assert abs(info["blend_rows"] - info["valid_rows"]) <= 2
    assert {"ensemble_all", "ensemble_traditional"} <= set(rows.index)  # one deep detector: no deep ensemble
    for name, ens in info["ensembles"].items():
        assert sum(ens["weights"].values()) == pytest.approx(1.0)
        scores = board.predictions[name]  # the members' ranks among their own training scores, averaged
        assert len(scores) == len(board.y_test) and np.median(scores) == pytest.approx(0.5, abs=0.15)
        assert scores.min() > -1 and scores.max() < 2  # beyond 0 and 1 only by the excess over training scores
        # it flags about the share its members flag (10 %) of the held-out rows
        assert rows.loc[name, "flagged"] == pytest.approx(0.1, abs=0.06)
    members = [m for m in info["ensembles"]["ensemble_all"]["weights"]]
    assert rows.loc["ensemble_all", "roc_auc"] >= rows.loc[members, "roc_auc"].min()


def test_ranks_make_detectors_with_different_scales_comparable(shuttle_sample):
    from deepmine.anomaly.traditional import IsolationForestDetector
    from deepmine.evaluation.registry import get_task
    from deepmine.evaluation.task import Fitting

    X = shuttle_sample.drop(columns="anomaly")
    detector = IsolationForestDetector(contamination=0.1, random_state=0).fit(X)
    fitting = Fitting(None, detector, {}, prediction=detector.decision_function(X.iloc[:50]) * 1000 + 7)
    ranked = get_task("anomaly").ensemble_output(fitting, None)
    # a training row's rank is the share of training rows scoring at most as high: a monotone map into (0, 1]
    reference = ranked["reference"]
    assert reference.max() == 1.0 and reference.min() == pytest.approx(1 / len(X))
    order = np.argsort(detector.decision_scores_)
    assert np.all(np.diff(reference[order]) >= 0)
    assert float(ranked["contamination"]) == pytest.approx(0.1, abs=0.01)
    # scores beyond every training score (here scaled up) rank above 1 and keep their order
    scores = fitting.prediction
    assert np.all(ranked["scores"] > 1.0)
    assert np.array_equal(np.argsort(ranked["scores"], kind="stable"), np.argsort(scores, kind="stable"))


def test_bags_that_cannot_score_are_left_out_and_an_unscorable_blend_part_weighs_alike():
    y = np.array([0] * 40 + [1] * 2)
    good, noise = y + 0.1, np.random.default_rng(0).random(len(y))
    from deepmine.evaluation.registry import get_task

    loss_on = get_task("anomaly").ensemble_loss(y, None)
    weights = select({"noise": noise, "good": good}, loss_on, len(y))
    assert max(weights, key=weights.get) == "good"  # listed second, yet the bags without an anomaly do not vote
    only_normal = get_task("anomaly").ensemble_loss(np.zeros(42, dtype=int), None)
    assert select({"noise": noise, "good": good}, only_normal, 42) == {"noise": 0.5, "good": 0.5}


def test_forecast_ensembles_average_the_members_forecasts_and_score_them_on_the_same_origins():
    board = compare("forecasting", "dataset:airline", target="passengers", time_column="month", horizon=12,
                    models="seasonal_naive,ets,mlp,lstm", budget=2, options={"max_epochs": 3})
    info = board.info
    ens = info["ensembles"]["ensemble_all"]["weights"]
    assert sum(ens.values()) == pytest.approx(1.0)
    future = sum(w * board.predictions[m] for m, w in ens.items())
    pd.testing.assert_frame_equal(board.predictions["ensemble_all"], future, check_exact=False, rtol=1e-9)
    # its backtest is the members' averaged over the same 36 held-out months, scored as theirs were
    frame = info["backtest"]["ensemble_all"]
    members = sum(w * info["backtest"][m][["forecast", "lower", "upper"]] for m, w in ens.items())
    np.testing.assert_allclose(frame[["forecast", "lower", "upper"]].to_numpy(), members.to_numpy(), rtol=1e-9)
    assert frame["actual"].equals(info["backtest"]["ets"]["actual"]) and len(frame) == 36
    rows = board.frame.set_index("model")
    assert rows.loc["ensemble_all", "mase"] <= rows.loc[list(ens), "mase"].max()
    assert rows.loc["ensemble_deep", "kind"] == "deep"


def test_rating_ensembles_include_rating_only_models_and_rank_nothing():
    from deepmine.datasets import load

    ratings = load("movielens").frame
    ratings = ratings[ratings["userId"].isin(ratings["userId"].unique()[:120])]
    board = compare("recommendation", ratings, target="rating", user="userId", item="movieId",
                    time_column="timestamp", models="bias_baseline,popularity,item_knn,matrix_factorization",
                    budget=2, options={"max_epochs": 3})
    rows = board.frame.set_index("model")
    weights = board.info["ensembles"]["ensemble_all"]["weights"]
    assert sum(weights.values()) == pytest.approx(1.0)
    assert "bias_baseline" in board.info["ensembles"]["ensemble_traditional"]["weights"]  # ratings only: a member
    assert rows.loc["ensemble_traditional", "rmse"] <= rows.loc[["bias_baseline", "popularity", "item_knn"],
                                                                "rmse"].max()
    assert np.isnan(rows.loc["ensemble_all", "ndcg@10"])  # averaged ratings rank nothing
    assert "ensemble_all" not in board.models and "ensemble_all" not in board.predictions
    # the verdict resamples the held-out ratings (a fifth of them), not "one run"
    paired = board.to_dict()["paired"]
    assert paired["rows"] == round(0.2 * len(ratings)) and paired["low"] <= paired["difference"] <= paired["high"]
    assert "paired bootstrap interval" in board.verdict()
    # clicks without ratings: nothing to average
    with pytest.raises(ParameterError, match="no predictions to average"):
        compare("recommendation", ratings, user="userId", item="movieId", models="popularity,item_knn",
                ensemble=True)


def test_forecasters_are_tuned_on_the_points_before_the_backtest():
    board = compare("forecasting", "dataset:airline", target="passengers", time_column="month", horizon=12,
                    models="seasonal_naive,lstm", budget=2, options={"max_epochs": 2}, ensemble=False)
    trials = board.info["trials"]
    assert set(trials["model"]) == {"lstm"} and len(trials) == 2  # seasonal naive has nothing to tune
    # the backtest forecasts the last 36 months; the trials saw only the 108 before them
    assert board.info["tuning_rows"] == 144 - 36 and board.info["valid_rows"] == 36


def test_link_predictors_tune_their_walks_on_edges_held_out_of_the_training_graph():
    board = compare("link_prediction", "dataset:karate", models="deepwalk_cosine,adamic_adar", budget=2)
    trials = board.info["trials"]
    assert set(trials["model"]) == {"deepwalk_cosine"} and len(trials) == 2
    # the trials' held-out pairs come from the training graph's edges, never the leaderboard's
    assert board.info["tuning_rows"] < board.info["train_edges"]
    params = json.loads(trials["params"].iloc[1])
    assert set(params) == {"dimensions", "walk_length", "window"}


def test_recommenders_are_tuned_inside_the_training_ratings():
    from deepmine.datasets import load

    ratings = load("movielens").frame
    ratings = ratings[ratings["userId"].isin(ratings["userId"].unique()[:120])]
    board = compare("recommendation", ratings, target="rating", user="userId", item="movieId",
                    time_column="timestamp", models="bias_baseline,popularity", budget=2)
    trials = board.info["trials"]
    assert trials.groupby("model").size().to_dict() == {"bias_baseline": 2, "popularity": 2}
    # trials are scored by RMSE on a fifth of the training ratings (the leaderboard holds out another fifth)
    assert abs(board.info["valid_rows"] - 0.2 * 0.8 * len(ratings)) <= 2
    assert trials["score"].between(0.5, 2.0).all()
    assert list(board.frame.columns[-2:]) == ["tune_s", "trials"]


def test_models_reached_after_a_wall_clock_budget_is_spent_are_fitted_at_their_defaults(breast_cancer):
    board = compare("classification", breast_cancer.frame, target="diagnosis",
                    models="logistic_regression,hist_gradient_boosting,majority", budget="0.001s")
    # the first model's default trial outlasts a millisecond: the others are not tuned and join no ensemble (on
    # a loaded machine the millisecond can be gone before the first model too, which then is not tuned either)
    trials = board.info.get("trials")
    assert trials is None or set(trials["model"]) <= {"logistic_regression"}
    rows = board.frame.set_index("model")
    assert "trials" not in rows.columns or rows["trials"].drop("logistic_regression").isna().all()
    assert "ensembles" not in board.info  # one member is not an ensemble
    assert set(rows.index) >= {"logistic_regression", "hist_gradient_boosting", "majority"}  # all fitted


def test_a_wall_clock_budget_cuts_a_network_that_would_overrun_it(breast_cancer):
    board = compare("classification", breast_cancer.frame, target="diagnosis", models="deep_mlp,logistic_regression",
                    budget="4s", options={"max_epochs": 100_000, "early_stopping": None, "lr_schedule": "constant"})
    # 100,000 epochs would take hours: the default trial stops by half the network's share, the final fit by
    # what is left of it, and the run says after which epoch
    (epoch,) = board.info["time_limited"]["deep_mlp"]
    assert 1 <= epoch < 100_000 and len(board.models["deep_mlp"].history_) == epoch
    assert "logistic_regression" not in board.info["time_limited"]  # not trained by epochs: never cut
    assert board.frame.set_index("model").loc["deep_mlp", "accuracy"] > 0.8
