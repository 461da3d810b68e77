"""`deepmine recommend`: deep recommenders beside the traditional ones, and top-10 lists for every user."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from deepmine.cli.common import (tracked, ENSEMBLE_OPTION, CHECKPOINT_OPTION, RESUME_OPTION, DATA_OPTION, FORCE_OPTION, KEEP_OPTION, MODELS_OPTION, OUT_OPTION, QUERY_OPTION,
                                 MAX_EPOCHS_OPTION, SEED_OPTION, STORAGE_OPTION, STUDY_OPTION, TABLE_OPTION,
                                 TUNE_OPTION, WORKERS_OPTION, friendly, from_dataset, network_options, noted, out,
                                 run_compare)


def _recommendation_list(board, title: str | None):
    """The best ranking model's top-k for every user (with item names when a title column is given)."""
    frame = board.predictions[board.best_kept].copy()
    if title:
        names = board.data[[board.info["item"], title]].drop_duplicates(board.info["item"])
        frame = frame.merge(names.rename(columns={board.info["item"]: "item"}), on="item", how="left")
    return frame


@friendly
@tracked
def recommend(data: str = DATA_OPTION,
              user: Optional[str] = typer.Option(None, "--user", help="The user id column (default: a bundled "
                                                 "dataset's own)."),
              item: Optional[str] = typer.Option(None, "--item", help="The item id column (default: a bundled "
                                                 "dataset's own)."),
              rating: Optional[str] = typer.Option(None, "--rating", help="The rating column (omit for clicks; "
                                                   "default: a bundled dataset's own)."),
              time: Optional[str] = typer.Option(None, "--time", help="Orders each user's interactions (default: a "
                                                 "bundled dataset's own)."),
              item_features: Optional[str] = typer.Option(None, "--item-features",
                                                          help="A column of item tags, e.g. genres 'Drama|Comedy' "
                                                               "(default: a bundled dataset's own)."),
              user_features: Optional[str] = typer.Option(None, "--user-features",
                                                          help="A column of user features (a category, tags or "
                                                               "a number)."),
              title: Optional[str] = typer.Option(None, "--title", help="Item names for recommendations.csv "
                                                  "(default: a bundled dataset's own)."),
              for_user: Optional[str] = typer.Option(None, "--for-user", help="Print this user's top-k list."),
              k: int = typer.Option(10, "-k", help="List length."), models: Optional[str] = MODELS_OPTION,
              test_size: float = typer.Option(0.2, "--test-size", help="Ratings held out for RMSE/MAE."),
              seed: int = SEED_OPTION, out_dir: Optional[Path] = OUT_OPTION, table: Optional[str] = TABLE_OPTION,
              query: Optional[str] = QUERY_OPTION, keep_all: bool = KEEP_OPTION, force: bool = FORCE_OPTION,
              max_epochs: Optional[int] = MAX_EPOCHS_OPTION, checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION,
              resume: bool = RESUME_OPTION,
              budget: Optional[str] = TUNE_OPTION, ensemble: Optional[bool] = ENSEMBLE_OPTION,
              workers: int = WORKERS_OPTION, storage: Optional[str] = STORAGE_OPTION,
              study: Optional[str] = STUDY_OPTION):
    """Recommend items to users from DATA: matrix factorisation, NeuMF and a hybrid beside popularity, biases,
    item-kNN and ALS; RMSE on a random split, HR/NDCG@k on leave-last-out with full ranking. With --budget
    every recommender is tuned first inside the training part (by RMSE with ratings, NDCG@k without); with
    ratings, ensembles of the predicted ratings join the leaderboard (they rank nothing)."""
    (user, item, rating, time, item_features, title), note = from_dataset(
        data, "recommendation", ("--user", user, "user"), ("--item", item, "item"), ("--rating", rating, "target"),
        ("--time", time, "time"), ("--item-features", item_features, "item_features"), ("--title", title, "title"),
        required={"--user": "the user id column", "--item": "the item id column"})
    kwargs = dict(target=rating, user=user, item=item, time_column=time, item_features=item_features,
                  user_features=user_features, k=k,
                  models=models, test_size=test_size, random_state=seed, table=table, query=query, budget=budget,
                  ensemble=ensemble, workers=workers, storage=storage, study=study,
                  options=network_options(max_epochs))

    def board_title(board):
        info = board.info
        return (f"recommendation: {data} ({noted(note)}{info['users']} users, {info['items']} items, "
                f"{'ratings' if info['explicit'] else 'implicit feedback'}; {info['split']}; seed {seed})")

    command = {k_: v for k_, v in kwargs.items() if k_ not in ("table", "query")}
    def write(board, folder: Path) -> None:
        _recommendation_list(board, title).to_csv(folder / "recommendations.csv", index=False)

    board = run_compare("recommendation", data, out_dir, force, keep_all, command, kwargs, board_title, write,
                        checkpoint_dir=checkpoint_dir, resume=resume, checkpoints=True, note=note)
    if for_user is not None:
        frame = _recommendation_list(board, title)
        mine = frame[frame.user.astype(str) == str(for_user)]
        if mine.empty:
            out.print(f"user {for_user!r} is not among the users; no list to show", highlight=False)
        for _, row in mine.iterrows():
            name = f"  {row[title]}" if title else ""
            out.print(f"  {row['rank']:>2}. {row['item']}{name}  ({row['score']:.3f})", highlight=False)
