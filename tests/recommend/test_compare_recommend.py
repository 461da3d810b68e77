"""compare("recommendation") and `deepmine recommend` on a slice of MovieLens: one leaderboard, both protocols."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import deepmine.datasets
from deepmine import compare
from deepmine.cli.main import app
from deepmine.errors import ColumnError
from deepmine.persist import load, save_model


@pytest.fixture(scope="module")
def ratings():
    frame = deepmine.datasets.load("movielens").frame
    return frame[frame.userId <= 120].reset_index(drop=True)  # 120 users, about 17,000 ratings


@pytest.fixture(scope="module")
def board(ratings):
    return compare("recommendation", ratings, target="rating", user="userId", item="movieId",
                   time_column="timestamp", item_features="genres",
                   models="matrix_factorization,hybrid_mf,popularity,bias_baseline,item_knn",
                   options={"max_epochs": 5}, random_state=0)


def test_one_leaderboard_scores_ratings_and_rankings(board):
    frame = board.frame.set_index("model")
    assert set(frame.index) == {"matrix_factorization", "hybrid_mf", "popularity", "bias_baseline", "item_knn"}
    assert set(frame.kind) == {"deep", "traditional"}
    assert frame.rmse.between(0.5, 1.5).all() and (frame.mae < frame.rmse).all()
    assert frame.loc["bias_baseline", "rmse"] < frame.loc["popularity", "rmse"]
    ranked = frame.drop(index="bias_baseline")  # a rating-only model has no ranking
    assert ranked["hr@10"].between(0, 1).all() and (ranked["ndcg@10"] <= ranked["hr@10"]).all()
    assert np.isnan(frame.loc["bias_baseline", "hr@10"])
    assert board.primary == "rmse" and board.info["explicit"] and board.info["users"] == 120


def test_recommendation_lists_exclude_what_each_user_saw(board, ratings):
    top = board.predictions["item_knn"]
    assert top.groupby("user").size().eq(10).all()
    seen = set(zip(ratings.userId, ratings.movieId))
    # the kept models were fitted without each user's last rating; nothing else they rated is recommended
    last = ratings.sort_values("timestamp", kind="stable").groupby("userId").tail(1)
    allowed = set(zip(last.userId, last.movieId))
    assert all((u, i) not in seen or (u, i) in allowed for u, i in zip(top.user, top.item))


@pytest.mark.parametrize("name", ["item_knn", "matrix_factorization", "hybrid_mf"])
def test_fitted_recommenders_save_and_load(tmp_path, board, name):
    model = board.models[name]
    save_model(model, tmp_path / name)
    back = load(tmp_path / name)
    pd.testing.assert_frame_equal(back.recommend(1, k=5), model.recommend(1, k=5))


def test_missing_columns_and_side_features_are_explained(ratings):
    with pytest.raises(ColumnError, match="needs the user and item columns"):
        compare("recommendation", ratings, target="rating")
    with pytest.warns(Warning, match="hybrid_mf skipped: it needs side features"):
        board = compare("recommendation", ratings, target="rating", user="userId", item="movieId",
                        models="hybrid_mf,popularity")
    assert list(board.frame.model) == ["popularity"]


def test_cli_writes_recommendations_with_titles(tmp_path, ratings):
    path = tmp_path / "ratings.csv"
    ratings.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["recommend", str(path), "--user", "userId", "--item", "movieId",
                                      "--rating", "rating", "--time", "timestamp", "--title", "title",
                                      "--models", "popularity,item_knn", "--for-user", "7", "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    recs = pd.read_csv(tmp_path / "r" / "recommendations.csv")
    assert list(recs.columns) == ["user", "rank", "item", "score", "fallback", "title"]
    assert recs.user.nunique() == 120 and " 1. " in result.output
    bad = CliRunner().invoke(app, ["recommend", str(path), "--user", "who", "--item", "movieId"])
    assert bad.exit_code == 2 and "user column 'who' is not in the data" in bad.output


def test_cli_saves_the_best_ranking_model_when_the_best_by_rmse_only_rates(tmp_path, ratings):
    path = tmp_path / "ratings.csv"
    ratings.to_csv(path, index=False)
    out = tmp_path / "r"
    result = CliRunner().invoke(app, ["recommend", str(path), "--user", "userId", "--item", "movieId",
                                      "--rating", "rating", "--models", "bias_baseline,popularity", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out / "leaderboard.csv").model.iloc[0] == "bias_baseline"  # best RMSE, but ranks nothing
    assert "best kept model: popularity" in result.output and (out / "model" / "config.json").exists()
    assert len(pd.read_csv(out / "recommendations.csv")) > 0


@pytest.mark.parametrize("change, match", [
    (lambda f: f.assign(userId=f.userId.astype(object).where(f.index != 3)), "user column 'userId' has 1 missing id"),
    (lambda f: f.assign(rating=f.rating.astype(str).where(f.index != 5, "five")), "not numbers, e.g. 'five'"),
    (lambda f: f[f.userId == 7], "needs at least two users"),
])
def test_cli_bad_interactions_get_one_line_and_no_output(tmp_path, ratings, change, match):
    path = tmp_path / "bad.csv"
    change(ratings.iloc[:3000]).to_csv(path, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["recommend", str(path), "--user", "userId", "--item", "movieId",
                                      "--rating", "rating", "--models", "popularity", "-o", str(out)])
    assert result.exit_code == 2 and match in result.output, result.output
    assert "Traceback" not in result.output and not out.exists()


def test_cli_k_above_the_catalogue_lists_every_unseen_item(tmp_path, ratings):
    path = tmp_path / "few.csv"
    few = ratings[ratings.movieId.isin(ratings.movieId.unique()[:6])]
    few.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["recommend", str(path), "--user", "userId", "--item", "movieId",
                                      "--models", "popularity", "-k", "50", "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    recs = pd.read_csv(tmp_path / "r" / "recommendations.csv")
    # every list holds at most the 6 films, and never one its user already saw in training
    assert recs.groupby("user").size().max() <= 6 and recs["rank"].max() <= 6


def test_user_side_features_reach_the_hybrid(ratings):
    # MovieLens has no user table; a user's favourite genre stands in for one (a category per user)
    fav = ratings.assign(first=ratings.genres.str.split("|").str[0]).groupby("userId")["first"].agg(
        lambda s: s.mode().iloc[0])
    frame = ratings.assign(fav=ratings.userId.map(fav))
    board = compare("recommendation", frame, target="rating", user="userId", item="movieId", time_column="timestamp",
                    item_features="genres", user_features="fav", models="hybrid_mf", options={"max_epochs": 3},
                    random_state=0)
    model = board.models["hybrid_mf"]
    assert set(model.user_feature_names_) == set(fav.unique()) and "Comedy" in set(model.feature_names_)
    assert model.user_feature_factors_.shape == (len(model.user_feature_names_), model.factors)
    assert board.frame.rmse.iloc[0] < 1.1 and board.info["user_features"] == "fav"
