"""compare for recommendation: rating error on a random split and top-k ranking on leave-last-out, per model."""

from __future__ import annotations

import time
from dataclasses import replace
import warnings
from typing import Any, Callable, Mapping

import pandas as pd

from deepmine.errors import ColumnError, DataWarning, DeepmineError
from deepmine.evaluation.leaderboard import Leaderboard, sort_frame
from deepmine.evaluation.tasks import Task
from deepmine.evaluation.unsupervised import _histories
from deepmine.recommend.features import side_feature_table
from deepmine.training.checkpoints import checkpoint_scope


def _fit(model, data, features: dict):
    """Fit on ``data`` (Interactions); a model with side features gets the tables compare built."""
    if getattr(model, "uses_side_features", False):
        # the tables replace the column names the parameters hold (the Interactions have no columns)
        model.set_params(item_features=None, user_features=None)
        return model.fit(data, **features)
    return model.fit(data)


def compare_recommenders(task: Task, df: pd.DataFrame, user: str, item: str, rating: str | None,
                         time_column: str | None, item_features: str | None, user_features: str | None,
                         models, test_size: float,
                         random_state: int, options: Mapping[str, Any] | None, k: int,
                         progress: Callable[[str], None] | None) -> Leaderboard:
    """Fit every recommender twice on the same interactions and score both ways.

    Rating prediction (explicit feedback only): a random split (``test_size`` held out), RMSE and
    MAE. Ranking: each user's latest interaction held out (leave-last-out by ``time_column``, at
    random without one), the models fitted on the rest as implicit feedback (who interacted with
    what), every other catalogue item the user has not seen ranked (the full protocol), HR, NDCG,
    precision, recall and MAP at ``k`` plus catalogue coverage. ``fit_s`` is the rating fit's
    seconds where there is one. The fitted models kept are the ranking ones. A model that
    needs side features is skipped, with a notice, when neither ``item_features`` nor ``user_features``
    is given; the others ignore them.
    """
    from deepmine.evaluation.compare import set_matching_params
    from deepmine.evaluation.recommend_metrics import leave_last_out, random_split, ranking_scores, rating_scores
    from deepmine.recommend.data import Interactions

    if user is None or item is None:
        raise ColumnError("recommendation needs the user and item columns; pass user=COLUMN and item=COLUMN "
                          "(--user, --item)")
    data = Interactions.from_frame(df, user, item, rating, time_column)
    features = {f"{what}_features": side_feature_table(df, id_col, column, what=what)
                for what, id_col, column in (("item", item, item_features), ("user", user, user_features))
                if column is not None}
    rate_train, rate_test = random_split(data, test_size, random_state) if data.explicit else (None, None)
    rank_train, rank_test = leave_last_out(data, random_state)
    rows, fitted, predictions = [], {}, {}
    for cand in task.select(models):
        model = set_matching_params(cand.factory(random_state), dict(options or {}))
        if getattr(model, "uses_side_features", False) and not features:
            warnings.warn(f"{cand.name} skipped: it needs side features; pass item_features=COLUMN "
                          f"(--item-features genres) or user_features=COLUMN", DataWarning, stacklevel=3)
            continue
        if progress:
            progress(f"fitting {cand.name} ({cand.kind}) on {len(data)} interactions")
        row: dict[str, Any] = {"model": cand.name, "kind": cand.kind}
        with warnings.catch_warnings(), checkpoint_scope(cand.name):  # names its checkpoints, when they are on
            warnings.simplefilter("ignore", DataWarning)
            if data.explicit:
                test = data.subset(rate_test)
                start = time.perf_counter()
                _fit(model, data.subset(rate_train), features)
                row["fit_s"] = time.perf_counter() - start
                pred = model.predict(data.users[test.u], data.items[test.i])
                row.update(rating_scores(test.rating, pred))
                model = set_matching_params(cand.factory(random_state), dict(options or {}))
            # ranking is learned from what users did, not how they rated it (implicit feedback, as the
            # top-k literature does): a rating model ranks the films it predicts best, not the ones watched
            train = replace(data.subset(rank_train), rating=None)
            start = time.perf_counter()
            try:
                _fit(model, train, features)
            except DeepmineError as exc:  # a rating-only model (the bias baseline) has no ranking
                warnings.warn(f"{cand.name} has no ranking scores: {exc}", DataWarning, stacklevel=3)
                rows.append(row)
                continue
            row.setdefault("fit_s", time.perf_counter() - start)
            row.update({m: v for m, v in ranking_scores(model, train, data.subset(rank_test), k=k).items()
                        if m != "n_users"})
            start = time.perf_counter()
            top = model.recommend_all(k=k)
            row["top_k_all_users_s"] = time.perf_counter() - start
        rows.append(row)
        fitted[cand.name], predictions[cand.name] = model, top
    primary = "rmse" if data.explicit else f"ndcg@{k}"
    frame = sort_frame(pd.DataFrame(rows), primary)
    metric_cols = [c for c in frame.columns if c not in ("model", "kind", "fit_s", "top_k_all_users_s")]
    frame = frame[["model", "kind", *metric_cols, "fit_s", "top_k_all_users_s"]]
    info = {"rows": int(len(df)), "users": data.n_users, "items": data.n_items, "explicit": data.explicit,
            "user": user, "item": item, "rating": rating, "time": time_column, "item_features": item_features,
            "user_features": user_features,
            "k": k, "test_size": test_size, "random_state": random_state, "options": dict(options or {}),
            "split": f"random {test_size:.0%} for ratings; leave-last-out for ranking" if data.explicit
            else "leave-last-out", "train_rows": int(len(rank_train)), "test_rows": int(len(rank_test))}
    return Leaderboard(task.name, primary, frame, fitted, _histories(fitted), info, None, predictions, data=df)


__all__ = ["compare_recommenders"]
