"""BoostedTreesClassifier and BoostedTreesRegressor: LightGBM, XGBoost and CatBoost as scikit-learn estimators."""

from __future__ import annotations

import importlib
import numbers
import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import _check_feature_names, _check_n_features, column_or_1d

from deepmine.base import (ClassesState, class_codes, numeric_target, restore_input_columns, store_params,
                           table_tags)
from deepmine.data.preprocess import TabularPreprocessor, check_features, fitted_columns
from deepmine.errors import (DataError, MissingDependencyError, ModelFormatError, ParameterError,
                             TargetError, check_fitted, check_positive_int)
from deepmine.training.device import resolve_seed

LIBRARIES = ("lightgbm", "xgboost", "catboost")
# learning_rate=None: a rate small enough to generalise and large enough that early stopping settles well
# within the 2,000-round cap on tables of a few thousand rows (CatBoost's symmetric trees are weaker learners)
DEFAULT_LEARNING_RATES = {"lightgbm": 0.05, "xgboost": 0.05, "catboost": 0.08}

# Library parameters the estimator sets itself, by the name (in parentheses) of the argument that sets them:
# a value in ``params`` would be silently overridden or contradict the target, so it is refused.
_OWN = {"n_estimators": "n_estimators", "learning_rate": "learning_rate", "threads": "n_jobs",
        "seed": "random_state", "stopping": "early_stopping", "verbosity": "verbose",
        "target": "the target (classes or numbers)", "categories": "the column roles (roles=...)"}
_RESERVED = {
    "lightgbm": {
        "n_estimators": ("num_iterations", "num_iteration", "n_iter", "num_tree", "num_trees", "num_round",
                         "num_rounds", "nrounds", "num_boost_round", "n_estimators", "max_iter"),
        "learning_rate": ("learning_rate", "shrinkage_rate", "eta"),
        "threads": ("num_threads", "num_thread", "nthread", "nthreads", "n_jobs"),
        "seed": ("seed", "random_seed", "random_state"),
        "stopping": ("early_stopping_round", "early_stopping_rounds", "early_stopping", "n_iter_no_change"),
        "verbosity": ("verbosity", "verbose"),
        "target": ("objective", "objective_type", "app", "application", "loss", "num_class", "num_classes"),
        "categories": ("categorical_feature", "cat_feature", "categorical_column", "cat_column",
                       "categorical_features"),
    },
    "xgboost": {
        "n_estimators": ("n_estimators", "num_boost_round", "num_round"),
        "learning_rate": ("learning_rate", "eta"),
        "threads": ("nthread", "n_jobs"),
        "seed": ("seed", "random_state"),
        "stopping": ("early_stopping_rounds",),
        "verbosity": ("verbosity", "silent"),
        "target": ("objective", "num_class"),
        "categories": ("enable_categorical", "feature_types"),
    },
    "catboost": {
        "n_estimators": ("iterations", "n_estimators", "num_boost_round", "num_trees"),
        "learning_rate": ("learning_rate", "eta"),
        "threads": ("thread_count",),
        "seed": ("random_seed", "random_state"),
        "stopping": ("early_stopping_rounds", "od_wait", "od_type", "use_best_model"),
        "verbosity": ("verbose", "logging_level", "silent", "verbose_eval", "metric_period"),
        "target": ("loss_function", "objective", "classes_count", "class_names"),
        "categories": ("cat_features",),
    },
}


def _import(library: str):
    """The library's module, or a MissingDependencyError saying how to install it."""
    try:
        return importlib.import_module(library)
    except ImportError as exc:
        raise MissingDependencyError(f"library={library!r} needs the {library} package, which is not installed; "
                                     f"install it with `pip install {library}`") from exc


def resolve_threads(n_jobs) -> int:
    """Threads for ``n_jobs``: None or -1 is every core this process may run on, -2 all but one, and so on."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if n_jobs is None:
        return cores
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        raise ParameterError(f"n_jobs must be a whole number other than 0, or None for every core, got {n_jobs!r}")
    return int(n_jobs) if n_jobs > 0 else max(1, cores + 1 + int(n_jobs))


def _names(width: int) -> list[str]:
    # positional names inside the libraries: LightGBM refuses some characters that users' column names hold
    return [f"f{i}" for i in range(width)]


def _catboost_frame(Xt: np.ndarray, n_numeric: int) -> pd.DataFrame:
    """CatBoost takes categories as integers or strings, never floats: the codes become int64 columns."""
    names = _names(Xt.shape[1])
    numeric = pd.DataFrame(Xt[:, :n_numeric], columns=names[:n_numeric])
    codes = pd.DataFrame(Xt[:, n_numeric:].astype(np.int64), columns=names[n_numeric:])
    return pd.concat([numeric, codes], axis=1)


class _BoostedTrees(BaseEstimator):
    """The fit, predict and persistence that the booster classifier and regressor share."""

    #: deepmine.persist saves these as a folder holding the library's own model file, never a pickle
    _persist_format = "deepmine-booster"

    # ------------------------------------------------------------------ hooks for the two subclasses
    def _encode_target(self, y: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _objective(self) -> str:  # pragma: no cover - abstract
        """"binary", "multiclass" or "regression" (after ``_encode_target``)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ parameters
    def _settings(self) -> dict:
        """The parameters checked, with None resolved."""
        library = self.library
        if not isinstance(library, str) or library not in LIBRARIES:
            raise ParameterError(f"library must be one of {', '.join(map(repr, LIBRARIES))}, got {library!r}")
        rate = self.learning_rate
        if rate is None:
            rate = DEFAULT_LEARNING_RATES[library]
        elif isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 < rate < np.inf:
            raise ParameterError(f"learning_rate must be a positive number, or None for {library}'s default here "
                                 f"({DEFAULT_LEARNING_RATES[library]}), got {rate!r}")
        fraction = self.validation_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0 <= fraction < 1:
            raise ParameterError(f"validation_fraction must be a share of the rows in [0, 1), got {fraction!r}; "
                                 f"0.1 holds a tenth of the training rows out for early stopping")
        verbose = self.verbose
        if not isinstance(verbose, numbers.Integral) or verbose < 0:
            raise ParameterError(f"verbose must be 0 (silent), 1 (a line every 100 rounds) or 2 (every round), "
                                 f"got {verbose!r}")
        return {"library": library, "n_estimators": check_positive_int("n_estimators", self.n_estimators),
                "learning_rate": float(rate),
                "early_stopping": check_positive_int("early_stopping", self.early_stopping, allow_none=True),
                "validation_fraction": float(fraction), "threads": resolve_threads(self.n_jobs),
                "params": self._extra_params(library), "period": {0: 0, 1: 100}.get(int(verbose), 1)}

    def _extra_params(self, library: str) -> dict:
        params = self.params
        if params is None:
            return {}
        if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
            raise ParameterError(f"params must be a dict of {library} parameters by name (e.g. "
                                 f"{{'num_leaves': 63}}), or None, got {params!r}")
        for kind, names in _RESERVED[library].items():
            for key in params:
                if key in names:
                    raise ParameterError(f"params sets {key!r}, which {type(self).__name__} sets itself from "
                                         f"{_OWN[kind]}; remove it from params"
                                         + ("" if kind in ("target", "categories") else f" and pass {_OWN[kind]}="))
        return dict(params)  # a copy: fit must not change the user's dict

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y):
        """Fit the booster to ``X`` (a table of numbers, categories, strings, dates and gaps, or an array)
        and ``y``; early stopping on an inner validation split of the rows picks the number of rounds."""
        settings = self._settings()
        module = _import(settings["library"])
        X = check_features(X)
        _check_feature_names(self, X, reset=True)
        _check_n_features(self, X, reset=True)
        if len(X) == 0:
            raise DataError("the table has no rows; give at least one row to fit on")
        if y is None:
            raise TargetError(f"{type(self).__name__} requires y to be passed, but the target y is None; pass the "
                              f"target column")
        y = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
        if len(y) != len(X):
            raise DataError(f"X has {len(X)} rows but y has {len(y)}; give one target value per row")
        target = self._encode_target(y)
        if len(X) < 2:
            raise DataError("the table has one sample (row); boosted trees need at least two rows to fit")
        seed = resolve_seed(self.random_state)
        # trees need neither scaling nor imputation: gaps stay NaN, which each library routes down a learned side
        self.preprocessor_ = TabularPreprocessor(roles=self.roles, encoding="codes", scale=False,
                                                 impute=False).fit(X)
        Xt = self.preprocessor_.transform(X)
        train, valid = self._inner_split(target, settings, seed)
        spec = dict(settings, objective=self._objective(), seed=seed, n_numeric=self.preprocessor_.n_numeric_,
                    n_classes=len(getattr(self, "classes_", ())))
        fit = {"lightgbm": _fit_lightgbm, "xgboost": _fit_xgboost, "catboost": _fit_catboost}[settings["library"]]
        self.booster_, self.n_iter_, best = fit(module, spec, Xt, target, train, valid)
        self.library_ = settings["library"]
        self.best_iteration_ = best
        self.n_estimators_ = best if best is not None else self.n_iter_
        self.feature_importances_ = self._column_importances()
        return self

    def _inner_split(self, target: np.ndarray, settings: dict, seed: int):
        """(training rows, validation rows or None): stratified for classes, every class kept in training."""
        n = len(target)
        if settings["early_stopping"] is None or not settings["validation_fraction"]:
            return np.arange(n), None
        n_valid = int(round(settings["validation_fraction"] * n))
        if n_valid < 1 or n - n_valid < 2:
            return np.arange(n), None
        from sklearn.model_selection import train_test_split

        classes = self._objective() != "regression"
        stratify = None
        if classes:
            counts = np.bincount(target)
            if counts.min() >= 2 and n_valid >= len(counts) and n - n_valid >= len(counts):
                stratify = target
        train, valid = train_test_split(np.arange(n), test_size=n_valid, random_state=seed, stratify=stratify)
        if classes:  # a class seen only in validation would leave a booster without its examples
            absent = ~np.isin(target[valid], target[train])
            train, valid = np.concatenate([train, valid[absent]]), valid[~absent]
        if len(valid) == 0:
            return np.arange(n), None
        return np.sort(train), np.sort(valid)

    def _column_importances(self) -> np.ndarray:
        """The library's importance (total gain; CatBoost's prediction-value change) per input column, summing
        to 1: a date column sums its parts, a column the preprocessing dropped (an identifier, text) has 0."""
        pre = self.preprocessor_
        width = pre.n_numeric_ + len(pre.categorical_)
        if self.library_ == "lightgbm":
            values = self.booster_.feature_importance(importance_type="gain")
        elif self.library_ == "xgboost":
            scores = self.booster_.get_score(importance_type="total_gain")
            values = np.array([scores.get(name, 0.0) for name in _names(width)])
        else:
            values = self.booster_.get_feature_importance()
        values = np.asarray(values, dtype=np.float64)
        owners = pre.numeric_ + [c for c in pre.datetime_ for _ in range(6)] + pre.categorical_
        position = {c: i for i, c in enumerate(pre.columns_)}
        result = np.zeros(len(pre.columns_))
        np.add.at(result, [position[c] for c in owners], values[:len(owners)])
        total = result.sum()
        return result / total if total > 0 else result

    # ------------------------------------------------------------------ predicting
    def _prepare(self, X) -> np.ndarray:
        check_fitted(self, "booster_")
        return self.preprocessor_.transform(fitted_columns(self, X))

    def _output(self, X) -> np.ndarray:
        """The booster's prediction: the positive class's probability (binary), one probability per class
        (multiclass) or the value (regression). A fitted and a loaded model both predict from the library's
        own model object, so they agree exactly."""
        Xt = self._prepare(X)
        if len(Xt) == 0:  # the libraries disagree on empty input (an error, or a note on stdout)
            return np.zeros((0, len(self.classes_))) if self._objective() == "multiclass" else np.zeros(0)
        threads = resolve_threads(self.n_jobs)
        n_numeric = self.preprocessor_.n_numeric_
        if self.library_ == "lightgbm":
            return self.booster_.predict(Xt, num_threads=threads)
        if self.library_ == "xgboost":
            import xgboost

            self.booster_.set_param({"nthread": threads})
            types = ["q"] * n_numeric + ["c"] * (Xt.shape[1] - n_numeric)
            matrix = xgboost.DMatrix(Xt, feature_names=_names(Xt.shape[1]), feature_types=types,
                                     enable_categorical=True, nthread=threads)
            return self.booster_.predict(matrix)
        import catboost

        pool = catboost.Pool(_catboost_frame(Xt, n_numeric), cat_features=list(range(n_numeric, Xt.shape[1])))
        kind = "RawFormulaVal" if self._objective() == "regression" else "Probability"
        out = self.booster_.predict(pool, prediction_type=kind, thread_count=threads)
        return out[:, 1] if self._objective() == "binary" else out

    # ------------------------------------------------------------------ persistence
    def save(self, path, overwrite: bool = False) -> Path:
        """Save the fitted model as a folder: config.json, preprocessing.json and the library's own model file
        (LightGBM text, XGBoost JSON, CatBoost cbm); never a pickle. ``deepmine.load(path)`` reads it back."""
        from deepmine.persist import save_model

        return save_model(self, path, overwrite=overwrite)

    def _write_booster(self, file: Path) -> None:
        if self.library_ == "catboost":
            self.booster_.save_model(str(file), format="cbm")
        else:  # LightGBM writes its text format; XGBoost writes JSON for a .json name
            self.booster_.save_model(str(file))

    def _read_booster(self, file: Path) -> None:
        """Load ``booster_`` from the library's model file (``library_`` and ``preprocessor_`` restored first)."""
        module = _import(self.library_)
        try:
            if self.library_ == "lightgbm":
                booster = module.Booster(model_file=str(file))
                width = booster.num_feature()
            elif self.library_ == "xgboost":
                booster = module.Booster()
                booster.load_model(str(file))
                width = booster.num_features()
            else:
                booster = module.CatBoost()
                booster.load_model(str(file), format="cbm")
                width = len(booster.feature_names_)
        except Exception as exc:  # each library raises its own error type for a file it cannot parse
            problem = " ".join(str(exc).split("Stack trace")[0].split())[:200]  # XGBoost appends a C++ backtrace
            raise ModelFormatError(f"'{file}' is not a readable {self.library_} model ({problem}); the model folder "
                                   f"is damaged") from None
        expected = self.preprocessor_.n_numeric_ + len(self.preprocessor_.categorical_)
        if width != expected:
            raise ModelFormatError(f"'{file}' holds a model of {width} features, but preprocessing.json gives "
                                   f"{expected}; the model folder is damaged")
        self.booster_ = booster

    def _fitted_state(self) -> dict:
        """Learned attributes other than the booster and the preprocessing, as JSON types."""
        state = {"library_": self.library_, "n_features_in_": int(self.n_features_in_), "n_iter_": int(self.n_iter_),
                 "n_estimators_": int(self.n_estimators_),
                 "best_iteration_": None if self.best_iteration_ is None else int(self.best_iteration_),
                 "feature_importances_": self.feature_importances_.tolist()}
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in_"] = [str(c) for c in self.feature_names_in_]
        return state

    def _restore_fitted_state(self, state: dict) -> None:
        if state["library_"] not in LIBRARIES:
            raise ModelFormatError(f"the saved booster's library {state['library_']!r} is not one of "
                                   f"{', '.join(LIBRARIES)}; the model folder is damaged")
        for key in ("library_", "n_iter_", "n_estimators_", "best_iteration_"):
            setattr(self, key, state[key])
        self.feature_importances_ = np.asarray(state["feature_importances_"], dtype=np.float64)
        restore_input_columns(self, state)

    def __sklearn_tags__(self):
        return table_tags(self, super().__sklearn_tags__())


# ---------------------------------------------------------------------------------------------- the libraries
# Each takes (module, spec, Xt, target, train rows, validation rows or None) and returns
# (booster, rounds trained, rounds kept by early stopping or None).

def _fit_lightgbm(lgb, spec, Xt, target, train, valid):
    objective = spec["objective"]
    params = {"objective": objective, "learning_rate": spec["learning_rate"], "num_threads": spec["threads"],
              "seed": spec["seed"], "deterministic": True, "verbosity": -1}
    if not spec["params"].get("force_row_wise"):
        # LightGBM otherwise times row- and column-wise histograms and keeps the faster, so two fits could differ
        params["force_col_wise"] = True
    if objective == "multiclass":
        params["num_class"] = spec["n_classes"]
    params.update(spec["params"])
    names = _names(Xt.shape[1])
    categorical = list(range(spec["n_numeric"], Xt.shape[1]))
    rows = train if valid is not None else slice(None)
    dtrain = lgb.Dataset(Xt[rows], target[rows], feature_name=names, categorical_feature=categorical)
    valid_sets, callbacks = [], []
    if valid is not None:
        valid_sets = [lgb.Dataset(Xt[valid], target[valid], reference=dtrain)]
        callbacks.append(lgb.early_stopping(spec["early_stopping"], first_metric_only=True, verbose=False))
    if spec["period"]:
        callbacks.append(lgb.log_evaluation(spec["period"]))
    # keep_training_booster: otherwise LightGBM trims the model to the best round and the rounds trained are lost
    booster = lgb.train(params, dtrain, num_boost_round=spec["n_estimators"], valid_sets=valid_sets,
                        callbacks=callbacks, keep_training_booster=True)
    trained = booster.current_iteration()
    best = booster.best_iteration if valid is not None and booster.best_iteration > 0 else None
    # rebuilt from its text, as a loaded model is: the kept rounds only, and no reference to the training rows
    return lgb.Booster(model_str=booster.model_to_string(num_iteration=best or trained)), trained, best


def _fit_xgboost(xgb, spec, Xt, target, train, valid):
    objective = spec["objective"]
    params = {"objective": {"binary": "binary:logistic", "multiclass": "multi:softprob",
                            "regression": "reg:squarederror"}[objective],
              "tree_method": "hist", "learning_rate": spec["learning_rate"], "nthread": spec["threads"],
              "seed": spec["seed"], "verbosity": 0}
    if objective == "multiclass":
        params["num_class"] = spec["n_classes"]
    params.update(spec["params"])
    names = _names(Xt.shape[1])
    types = ["q"] * spec["n_numeric"] + ["c"] * (Xt.shape[1] - spec["n_numeric"])

    def matrix(rows):
        return xgb.DMatrix(Xt[rows], label=target[rows], feature_names=names, feature_types=types,
                           enable_categorical=True, nthread=spec["threads"])

    rows = train if valid is not None else slice(None)
    evals = [(matrix(valid), "valid")] if valid is not None else []
    booster = xgb.train(params, matrix(rows), num_boost_round=spec["n_estimators"], evals=evals,
                        early_stopping_rounds=spec["early_stopping"] if evals else None,
                        verbose_eval=spec["period"] or False)
    trained = booster.num_boosted_rounds()
    best = booster.best_iteration + 1 if evals else None
    kept = booster[: best or trained]  # the kept rounds only, as saved
    for name in ("best_iteration", "best_score"):  # counted in the untrimmed model; keep them out of the file
        kept.set_attr(**{name: None})
    return kept, trained, best


def _fit_catboost(catboost, spec, Xt, target, train, valid):
    objective = spec["objective"]
    params = {"loss_function": {"binary": "Logloss", "multiclass": "MultiClass", "regression": "RMSE"}[objective],
              "iterations": spec["n_estimators"], "learning_rate": spec["learning_rate"],
              "thread_count": spec["threads"], "random_seed": spec["seed"], "allow_writing_files": False,
              "verbose": spec["period"] or False}
    if objective != "regression":
        params["class_names"] = list(range(spec["n_classes"]))  # every class, even one absent from a part
    params.update(spec["params"])
    categorical = list(range(spec["n_numeric"], Xt.shape[1]))

    def pool(rows):
        return catboost.Pool(_catboost_frame(Xt[rows], spec["n_numeric"]), label=target[rows],
                             cat_features=categorical)

    rows = train if valid is not None else slice(None)
    model = catboost.CatBoost(params)
    try:
        if valid is None:
            model.fit(pool(rows))
            return model, model.tree_count_, None
        model.fit(pool(rows), eval_set=pool(valid), early_stopping_rounds=spec["early_stopping"],
                  use_best_model=True)
    except catboost.CatBoostError as exc:
        if "constant" not in str(exc):
            raise
        raise DataError("every feature is constant in the training rows, so CatBoost has nothing to split on; give "
                        "columns whose values vary, or more rows") from None
    history = model.get_evals_result().get("validation", {})
    trained = len(next(iter(history.values()))) if history else model.tree_count_
    return model, trained, model.get_best_iteration() + 1


# ---------------------------------------------------------------------------------------------- the estimators
_PARAMS_DOC = """
    Parameters
    ----------
    library : {"lightgbm", "xgboost", "catboost"}
        The boosting library (installed separately: ``pip install lightgbm``, ``xgboost`` or ``catboost``).
    n_estimators : int
        Boosting rounds at most; early stopping usually keeps fewer.
    learning_rate : float or None
        None: 0.05 for LightGBM and XGBoost, 0.08 for CatBoost.
    early_stopping : int or None
        Stop after this many rounds without a lower validation loss and keep the best round; None trains
        ``n_estimators`` rounds on every row.
    validation_fraction : float
        Share of the training rows held out (stratified by class) to watch for early stopping.
    params : dict or None
        Further parameters of the library, by its own names, e.g. ``{"num_leaves": 63}`` (LightGBM),
        ``{"max_depth": 4}`` (XGBoost), ``{"depth": 8}`` (CatBoost). Those set by the other arguments (rounds,
        rate, threads, seed, objective, categorical columns) are refused.
    roles : dict or None
        Column roles that override inference, e.g. ``{"zip": "categorical", "notes": "drop"}``.
    n_jobs : int or None
        Threads; None uses every core this process may run on.
    random_state : int or None
        Seed of the split and of the library: the same data and seed give the same predictions.
    verbose : int
        0 is silent; 1 prints the validation loss every 100 rounds, 2 every round.

    Notes
    -----
    Categorical columns (strings, categories, booleans) enter as integer codes that each library splits on
    as categories (LightGBM ``categorical_feature``, XGBoost ``enable_categorical``, CatBoost
    ``cat_features``); levels seen fewer than three times, and new ones at predict time, share code 0.
    Missing numbers stay missing: each split learns which side they go to. Dates become their parts.

    Attributes
    ----------
    booster_ : the library's model (``lightgbm.Booster``, ``xgboost.Booster`` or ``catboost.CatBoost``),
        holding the kept rounds only. library_ : the library that fitted it. preprocessor_ : the fitted
        TabularPreprocessor. n_iter_ : rounds trained. best_iteration_ : rounds kept by early stopping
        (None without validation). n_estimators_ : rounds in ``booster_``. feature_importances_ : one value
        per input column, summing to 1 (total gain; CatBoost's prediction-value change).
        n_features_in_, feature_names_in_.
"""


class BoostedTreesClassifier(ClassesState, ClassifierMixin, _BoostedTrees):
    __doc__ = """Gradient-boosted trees from LightGBM, XGBoost or CatBoost, for tables of any column types.
""" + _PARAMS_DOC + """    classes_ : the class labels, in the order of ``predict_proba``'s columns.
    """

    def __init__(self, library="lightgbm", n_estimators=2000, learning_rate=None, early_stopping=50,
                 validation_fraction=0.1, params=None, roles=None, n_jobs=None, random_state=None, verbose=0):
        store_params(self, locals())

    def _encode_target(self, y) -> np.ndarray:
        self.classes_, codes = class_codes(y)
        return codes.astype(np.int64)

    def _objective(self) -> str:
        return "binary" if len(self.classes_) == 2 else "multiclass"

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_``."""
        out = np.asarray(self._output(X), dtype=np.float64)
        if len(self.classes_) == 2:
            out = np.column_stack([1.0 - out, out])
        return out / out.sum(axis=1, keepdims=True)  # float32 outputs (XGBoost) summed to 1 within 1e-7 only

    def predict_log_proba(self, X) -> np.ndarray:
        return np.log(np.clip(self.predict_proba(X), 1e-300, None))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]



class BoostedTreesRegressor(RegressorMixin, _BoostedTrees):
    __doc__ = """Gradient-boosted trees from LightGBM, XGBoost or CatBoost, for one numeric target.

    The trees minimise the squared error. For several targets, fit one model per target
    (``sklearn.multioutput.MultiOutputRegressor`` does that).
""" + _PARAMS_DOC

    def __init__(self, library="lightgbm", n_estimators=2000, learning_rate=None, early_stopping=50,
                 validation_fraction=0.1, params=None, roles=None, n_jobs=None, random_state=None, verbose=0):
        store_params(self, locals())

    def _encode_target(self, y) -> np.ndarray:
        if y.ndim == 2 and y.shape[1] > 1:
            raise TargetError(f"{type(self).__name__} predicts one target but y has {y.shape[1]} columns; fit one "
                              f"model per target (sklearn.multioutput.MultiOutputRegressor does that)")
        return numeric_target(column_or_1d(y, warn=True))

    def _objective(self) -> str:
        return "regression"

    def predict(self, X) -> np.ndarray:
        """Predicted target values."""
        return np.asarray(self._output(X), dtype=np.float64).reshape(-1)


__all__ = ["BoostedTreesClassifier", "BoostedTreesRegressor", "LIBRARIES"]
