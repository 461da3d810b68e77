"""The table tasks: classification and regression of a table's target column, and text classification
(one text column is the input). Every model is fitted on one split and scored on the same held-out rows;
with ``cv`` also cross-validated on the training part; with ``calibrate`` its probabilities calibrated;
a table larger than memory is read as a stream (:mod:`deepmine.evaluation.streamed`)."""

from __future__ import annotations

import warnings
from typing import Any, Mapping

import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold

from deepmine.data.read import read_table
from deepmine.data.split import given_split, group_split, random_split, stratified_split, time_split
from deepmine.errors import ColumnError, DataError, DataWarning, ParameterError
from deepmine.evaluation.columns import SKIPPED_ROLES, feature_columns, split_target
from deepmine.evaluation.fitting import set_matching_params
from deepmine.evaluation.task import Fitting, Prepared, Task

#: the options of classification and regression (text classification takes ``text`` instead of ``roles``)
TABLE_OPTIONS = {"target": None, "test_size": 0.25, "cv": None, "roles": None, "time_column": None,
                 "group_column": None, "split_column": None, "table": None, "query": None, "calibrate": False,
                 "stream": "auto"}


class TableTask(Task):
    """Classification or regression of a table's target (or of one text column, for text classification)."""

    HINTS = {**Task.HINTS, "label": (ColumnError, "{name} learns from a target; pass target={value!r} instead of label")}

    @property
    def OPTIONS(self):  # noqa: N802 - the class attribute of Task, per instance here
        if self.input == "text":
            return {**{k: v for k, v in TABLE_OPTIONS.items() if k not in ("roles", "stream")}, "text": None}
        return TABLE_OPTIONS

    def prepare(self, data, *, random_state: int, progress=None, options=None, target=None, test_size=0.25, cv=None, roles=None,
                time_column=None, group_column=None, split_column=None, table=None, query=None, calibrate=False,
                stream="auto", text=None) -> Prepared:
        calibration = self.calibration(calibrate)
        if self.streams(data, table, query, stream, cv, calibration, time_column, group_column, split_column):
            from deepmine.evaluation.streamed import prepare_stream

            return prepare_stream(self, data, target, test_size, random_state, roles, progress, table, query)
        df = read_table(data, table=table, query=query)
        X, y = split_target(df, target, self)
        split_cols = [c for c in (time_column, group_column, split_column) if c]
        for c in split_cols:
            if c not in X.columns:
                raise ColumnError(f"split column '{c}' is not in the data; the columns are: "
                                  f"{', '.join(map(str, X.columns))}")
        resolved, keep, kept_roles = self.input_columns(X, roles, text, split_cols)
        if split_column:
            train, test = given_split(X[split_column])
        elif time_column:
            train, test = time_split(X[time_column], test_size)
        elif group_column:
            train, test = group_split(X[group_column], test_size, random_state)
        elif self.stratify:
            train, test = stratified_split(y.astype(str), test_size, random_state)
        else:
            train, test = random_split(len(y), test_size, random_state)
        # tuning's validation part is drawn as the test part was: by time or by group when the split is
        inner_split = (("time", X[time_column].iloc[train].reset_index(drop=True)) if time_column and not split_column
                       else ("group", X[group_column].iloc[train].reset_index(drop=True))
                       if group_column and not split_column else None)
        X = X[keep]
        X_train, X_test = X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True)
        y_train, y_test = y.iloc[train].reset_index(drop=True), y.iloc[test].reset_index(drop=True)
        info = {"rows": int(len(df)), "train_rows": int(len(train)), "test_rows": int(len(test)), "target": target,
                "features": keep, "roles": kept_roles,
                "skipped_columns": {c: r for c, r in resolved.items() if r in SKIPPED_ROLES and c not in split_cols},
                "test_size": test_size, "cv": cv, "calibration": calibration,
                "split": "given" if split_column else "time" if time_column else "group" if group_column else (
                    "stratified" if self.stratify else "random")}
        return Prepared(X_train, X_test, y_train, y_test, info, self.primary, shown=X_test, size=len(X_train),
                        extra={"roles": kept_roles, "cv": cv, "calibration": calibration, "inner_split": inner_split})

    def input_columns(self, X: pd.DataFrame, roles, text: str | None, drop=()) -> tuple[dict, list, dict]:
        """What the models read: the one text column for text classification, else the feature columns."""
        if self.input == "text":
            from deepmine.text.prepare import text_column_of

            column = text_column_of(X.drop(columns=list(drop)), text)
            return {column: "text"}, [column], {column: "text"}
        return feature_columns(X, roles, drop)

    def build(self, candidate, prepared: Prepared, random_state: int, options: Mapping[str, Any]):
        model = set_matching_params(candidate.factory(random_state), options)
        if prepared.extra.get("streamed"):
            from deepmine.evaluation.streamed import bounded_forest, can_stream

            if can_stream(model):
                return model.set_params(roles=prepared.extra["stream_roles"])
            return set_matching_params(model, {"roles": prepared.extra["roles"],
                                               **bounded_forest(model, len(prepared.train))})
        model = set_matching_params(model, {"roles": prepared.extra["roles"]})
        return calibrated(model, prepared.extra["calibration"], random_state)

    def describe(self, fitting: Fitting, prepared: Prepared) -> str:
        c = fitting.candidate
        if prepared.extra.get("streamed"):
            from deepmine.evaluation.streamed import can_stream

            if can_stream(fitting.model):
                return f"fitting {c.name} ({c.kind}) on {prepared.extra['n_train']} rows, streamed"
        return f"fitting {c.name} ({c.kind}) on {prepared.size} rows"

    def fit(self, fitting: Fitting, prepared: Prepared) -> None:
        if prepared.extra.get("streamed"):
            from deepmine.evaluation.streamed import can_stream

            if can_stream(fitting.model):
                fitting.model.fit_stream(prepared.extra["train_stream"], prepared.info["target"])
                fitting.row["train_rows"] = prepared.extra["n_train"]
                return
            fitting.row["train_rows"] = len(prepared.train)
        fitting.model.fit(prepared.train, prepared.y_train)

    def cross_validate(self, fitting: Fitting, prepared: Prepared, random_state: int) -> dict[str, float]:
        """Each metric's mean (``cv_<metric>``) and standard deviation over ``cv`` folds of the training part."""
        k = prepared.extra.get("cv")
        if not k:
            return {}
        X, y = prepared.train, prepared.y_train
        splitter = (StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state) if self.stratify
                    else KFold(n_splits=k, shuffle=True, random_state=random_state))
        per_fold = []
        for tr, te in splitter.split(X, y.astype(str) if self.stratify else None):
            fold = Fitting(fitting.candidate, clone(fitting.model), {})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataWarning)
                fold.model.fit(X.iloc[tr], y.iloc[tr])
                held = Prepared(X.iloc[tr], X.iloc[te], y.iloc[tr], y.iloc[te])
                self.predict(fold, held)
                per_fold.append(self.evaluate(fold, held))
        scores = pd.DataFrame(per_fold)
        out = {}
        for m in scores.columns:
            out[f"cv_{m}"] = float(scores[m].mean())
            out[f"cv_{m}_std"] = float(scores[m].std(ddof=1))
        return out

    # -- options that decide how the comparison runs ------------------------------------------------------
    def calibration(self, calibrate) -> str | None:
        """The calibration method compare applies (None: none), after checking it suits the task."""
        if calibrate is False or calibrate is None:
            return None
        if not self.classifies:
            raise ParameterError(f"calibrate applies to classifiers' probabilities (classification, "
                                 f"text_classification), not to {self.name}")
        from deepmine.explain.calibration import METHODS

        method = "auto" if calibrate is True else calibrate
        if method not in METHODS:
            raise ParameterError(f"calibrate must be True or one of {', '.join(METHODS)}, got {calibrate!r}")
        return method

    def streams(self, data, table, query, stream, cv, calibration, time_column, group_column,
                split_column) -> bool:
        """Whether ``data`` is read as a stream: asked for, or "auto" and the table is larger than the
        memory budget (then with a notice); a clear error where the options need the table in memory."""
        if stream not in (True, False, "auto"):
            raise ParameterError(f"stream must be True, False or 'auto', got {stream!r}")
        if not stream:
            return False
        streamable = self.input == "table"
        in_memory_options = [name for name, value in (("cv", cv), ("calibrate", calibration),
                                                      ("time_column", time_column), ("group_column", group_column),
                                                      ("split_column", split_column)) if value]
        if stream is True:
            if not streamable:
                raise ParameterError(f"streaming compares classification and regression tables; {self.name} reads "
                                     f"its data in memory, so leave out --stream (stream=False)")
            if in_memory_options:
                raise ParameterError(f"{', '.join(in_memory_options)} need(s) the table in memory; leave out "
                                     f"--stream (stream=False) or those options")
            return True
        from deepmine.data.memory import oversize

        too_big = oversize(data, table, query)
        if too_big is None:
            return False
        if not streamable:
            raise DataError(f"{too_big}; {self.name} needs its rows in memory, so take a sample of the table or "
                            f"raise DEEPMINE_MEMORY_BUDGET")
        if in_memory_options:
            raise DataError(f"{too_big}, and {', '.join(in_memory_options)} need(s) the table in memory; leave "
                            f"those out to stream it, or raise DEEPMINE_MEMORY_BUDGET")
        warnings.warn(f"{too_big}: streaming it (--stream); the networks train on every row, the traditional "
                      f"models on a sample", DataWarning, stacklevel=4)
        return True


def calibrated(model, calibration: str | None, seed: int):
    """``model`` wrapped to calibrate its probabilities (``calibration`` None: as it is)."""
    if calibration is None:
        return model
    from deepmine.explain.calibration import CalibratedClassifier

    return CalibratedClassifier(model, method=calibration, random_state=seed)


__all__ = ["TABLE_OPTIONS", "TableTask", "calibrated"]
