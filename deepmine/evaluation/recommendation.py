"""The recommendation task: rating error on a random split and top-k ranking on leave-last-out, per model.

Every recommender is fitted twice on the same interactions and scored both ways. Rating prediction
(explicit feedback only): a random split (``test_size`` held out), RMSE and MAE. Ranking: each user's
latest interaction held out (leave-last-out by ``time_column``, at random without one), the models
fitted on the rest as implicit feedback (who interacted with what), every other catalogue item the user
has not seen ranked (the full protocol), HR, NDCG, precision, recall and MAP at ``k`` plus catalogue
coverage. ``fit_s`` is the rating fit's seconds where there is one. The fitted models kept are the
ranking ones. A model that needs side features is skipped, with a notice, when neither
``item_features`` nor ``user_features`` is given; the others ignore them.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace

import numpy as np

from deepmine.data.memory import require_in_memory
from deepmine.data.read import read_table
from deepmine.errors import ColumnError, DataWarning, DeepmineError
from deepmine.evaluation.fitting import set_matching_params
from deepmine.evaluation.task import Fitting, Prepared, Task


def _fit(model, data, features: dict):
    """Fit on ``data`` (Interactions); a model with side features gets the tables compare built."""
    if getattr(model, "uses_side_features", False):
        # the tables replace the column names the parameters hold (the Interactions have no columns)
        model.set_params(item_features=None, user_features=None)
        return model.fit(data, **features)
    return model.fit(data)


class RecommendationTask(Task):
    OPTIONS = {"user": None, "item": None, "target": None, "time_column": None, "item_features": None,
               "user_features": None, "k": 10, "test_size": 0.2, "table": None, "query": None}
    TIMINGS = ("fit_s", "top_k_all_users_s")

    def prepare(self, data, *, random_state: int, progress=None, options=None, user=None, item=None, target=None,
                time_column=None, item_features=None, user_features=None, k=10, test_size=0.2, table=None,
                query=None) -> Prepared:
        from deepmine.evaluation.recommend_metrics import leave_last_out, random_split
        from deepmine.recommend.data import Interactions
        from deepmine.recommend.features import side_feature_table

        require_in_memory(self.name, data, table, query)
        df = read_table(data, table=table, query=query)
        if user is None or item is None:
            raise ColumnError("recommendation needs the user and item columns; pass user=COLUMN and item=COLUMN "
                              "(--user, --item)")
        interactions = Interactions.from_frame(df, user, item, target, time_column)
        features = {f"{what}_features": side_feature_table(df, id_col, column, what=what)
                    for what, id_col, column in (("item", item, item_features), ("user", user, user_features))
                    if column is not None}
        explicit = interactions.explicit
        rate_train, rate_test = random_split(interactions, test_size, random_state) if explicit else (None, None)
        rank_train, rank_test = leave_last_out(interactions, random_state)
        info = {"rows": int(len(df)), "users": interactions.n_users, "items": interactions.n_items,
                "explicit": explicit, "user": user, "item": item, "rating": target, "time": time_column,
                "item_features": item_features, "user_features": user_features, "k": k, "test_size": test_size,
                "split": f"random {test_size:.0%} for ratings; leave-last-out for ranking" if explicit
                else "leave-last-out", "train_rows": int(len(rank_train)), "test_rows": int(len(rank_test))}
        return Prepared(interactions, None, None, None, info, "rmse" if explicit else f"ndcg@{k}", shown=df,
                        size=len(interactions), unit="interactions",
                        extra={"features": features, "rate": (rate_train, rate_test), "rank": (rank_train, rank_test),
                               "k": k, "resample_truth": (None if rate_test is None else
                                                          interactions.subset(rate_test).rating)})

    def inner(self, prepared: Prepared, random_state: int, valid_size: float = 0.2,
              blend_size: float = 0.0) -> Prepared:
        """The split again, inside the training part: with ratings, a fifth of the training ratings scores the
        trials by RMSE; without, each user's latest training interaction scores them by NDCG@k. The
        leaderboard's held-out interactions are never seen."""
        from deepmine.evaluation.recommend_metrics import leave_last_out, random_split

        data, blend, info = prepared.train, None, {}
        if data.explicit:
            base = data.subset(prepared.extra["rate"][0])
            rest = np.arange(len(base))
            if blend_size:  # the ratings that weight the ensembles, held out of every trial
                kept, blend = random_split(base, blend_size, random_state)
                rest = np.asarray(kept)
                info["blend_rows"] = int(len(blend))
            train, valid = random_split(base.subset(rest), valid_size / (1 - blend_size), random_state)
            rate, rank = (rest[train], rest[valid]), (None, None)
            held = len(valid)
        else:
            base = data.subset(prepared.extra["rank"][0])
            rate, rank = (None, None), leave_last_out(base, random_state)
            held = len(rank[1])
        extra = {**prepared.extra, "rate": rate, "rank": rank, "trial": True}
        if blend is not None:
            extra["blend"] = blend
        return Prepared(base, None, None, None, {**prepared.info, "train_rows": len(rate[0] if data.explicit else
                                                                                     rank[0]),
                                                 "valid_rows": int(held), **info}, prepared.primary, size=len(base),
                        unit="interactions", extra=extra)

    def build(self, candidate, prepared: Prepared, random_state: int, options):
        model = set_matching_params(candidate.factory(random_state), dict(options))
        if getattr(model, "uses_side_features", False) and not prepared.extra["features"]:
            warnings.warn(f"{candidate.name} skipped: it needs side features; pass item_features=COLUMN "
                          f"(--item-features genres) or user_features=COLUMN", DataWarning, stacklevel=3)
            return None
        return model

    def fit(self, fitting: Fitting, prepared: Prepared) -> None:
        data, features, row = prepared.train, prepared.extra["features"], fitting.row
        if data.explicit:
            rate_train, rate_test = prepared.extra["rate"]
            test = data.subset(rate_test)
            start = time.perf_counter()
            _fit(fitting.model, data.subset(rate_train), features)
            row["fit_s"] = time.perf_counter() - start
            pred = fitting.model.predict(data.users[test.u], data.items[test.i])
            from deepmine.evaluation.recommend_metrics import rating_scores

            row.update(rating_scores(test.rating, pred))
            # the predicted ratings: what an ensemble of ratings averages and the verdict's interval resamples
            fitting.extra["resample"] = np.asarray(pred, dtype=float)
            if prepared.extra.get("trial"):  # a tuning trial on ratings: its RMSE is all it needs
                return
            fitting.model = fitting.remake()
        # ranking is learned from what users did, not how they rated it (implicit feedback, as the
        # top-k literature does): a rating model ranks the films it predicts best, not the ones watched
        train = replace(data.subset(prepared.extra["rank"][0]), rating=None)
        fitting.extra["rank_train"] = train
        start = time.perf_counter()
        try:
            _fit(fitting.model, train, features)
        except DeepmineError as exc:  # a rating-only model (the bias baseline) has no ranking
            warnings.warn(f"{fitting.candidate.name} has no ranking scores: {exc}", DataWarning, stacklevel=3)
            fitting.keep = False
            return
        row.setdefault("fit_s", time.perf_counter() - start)

    def predict(self, fitting: Fitting, prepared: Prepared) -> None:
        if not fitting.keep or prepared.extra.get("trial"):
            return
        start = time.perf_counter()
        fitting.prediction = fitting.model.recommend_all(k=prepared.extra["k"])
        fitting.row["top_k_all_users_s"] = time.perf_counter() - start

    def evaluate(self, fitting: Fitting, prepared: Prepared) -> dict:
        from deepmine.evaluation.recommend_metrics import ranking_scores

        if not fitting.keep or (prepared.extra.get("trial") and prepared.train.explicit):
            return {}
        scores = ranking_scores(fitting.model, fitting.extra["rank_train"],
                                prepared.train.subset(prepared.extra["rank"][1]), k=prepared.extra["k"])
        return {m: v for m, v in scores.items() if m != "n_users"}

    def columns(self, names: list[str]) -> list[str]:
        return self.columns_as_scored(names)

    # -- ensembles: of predicted ratings (explicit feedback), weighted by RMSE; rankings are not averaged -----
    def ensembles(self, prepared: Prepared) -> bool:
        return bool(prepared.train.explicit)

    def predict_blend(self, trial: Fitting, inner: Prepared) -> Fitting | None:
        """The trial's predicted ratings for the blend part's pairs (its model is the one fitted on ratings)."""
        blend = inner.extra.get("blend")
        if blend is None or "resample" not in trial.extra:
            return None
        data = inner.train
        pairs = data.subset(blend)
        ratings = np.asarray(trial.model.predict(data.users[pairs.u], data.items[pairs.i]), dtype=float)
        return Fitting(trial.candidate, trial.model, {}, prediction=ratings, extra={"resample": ratings})

    def blend_truth(self, inner: Prepared) -> np.ndarray:
        return np.asarray(inner.train.subset(inner.extra["blend"]).rating, dtype=float)

    def ensemble_output(self, fitting: Fitting, classes):
        return fitting.extra.get("resample")

    def score_ensemble(self, ensemble, output, prepared: Prepared, classes, predictions: dict) -> Fitting:
        """The averaged ratings' RMSE and MAE on the held-out ratings; an ensemble of ratings ranks nothing,
        so its ranking columns stay empty."""
        from deepmine.evaluation.recommend_metrics import rating_scores

        truth = prepared.extra["resample_truth"]
        return Fitting(None, ensemble, rating_scores(truth, output), extra={"resample": np.asarray(output)})


__all__ = ["RecommendationTask"]
