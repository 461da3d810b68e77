"""The tasks without a target: clustering, topics and anomaly detection, scored against an optional label
(a column used only to evaluate, never to fit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepmine.data.memory import require_in_memory
from deepmine.data.read import read_table
from deepmine.data.split import stratified_split
from deepmine.errors import ColumnError, TargetError
from deepmine.evaluation.columns import dataset_label, feature_columns, label_column
from deepmine.evaluation.fitting import set_matching_params
from deepmine.evaluation.task import Fitting, Prepared, Task

_NO_TARGET = ("{name} learns without a target; pass the column as label={value!r} (--label) to use it for "
              "evaluation only")


class UnsupervisedTask(Task):
    """Read the table, set the label aside, keep the feature columns (or the text column, for topics)."""

    OPTIONS = {"label": None, "roles": None, "table": None, "query": None}
    HINTS = {**Task.HINTS, "target": (ColumnError, _NO_TARGET)}

    def read(self, data, label, roles, table, query, text=None):
        """``(X, y, info)``: the columns the models read, the label (or None) and what the run records."""
        require_in_memory(self.name, data, table, query)
        df = read_table(data, table=table, query=query)
        if label is None:
            label = dataset_label(data, df)
        X, y = label_column(df, label)
        if self.input == "text":
            from deepmine.text.prepare import text_column_of

            column = text_column_of(X, text)
            resolved, keep, kept_roles = {column: "text"}, [column], {column: "text"}
        else:
            resolved, keep, kept_roles = feature_columns(X, roles)
        info = {"rows": int(len(X)), "label": label, "features": keep, "roles": kept_roles,
                "skipped_columns": {c: r for c, r in resolved.items() if c not in keep}}
        return X[keep], y, info

    def build(self, candidate, prepared: Prepared, random_state: int, options):
        model = set_matching_params(candidate.factory(random_state), {"roles": prepared.info["roles"]})
        return set_matching_params(model, dict(options))

    def fit(self, fitting: Fitting, prepared: Prepared) -> None:
        fitting.model.fit(prepared.train)

    def predict(self, fitting: Fitting, prepared: Prepared) -> None:
        fitting.prediction = np.asarray(fitting.model.predict(prepared.test))


class ClusteringTask(UnsupervisedTask):
    """Every clusterer on all the rows; the partitions scored in one shared space, and against the label."""

    def prepare(self, data, *, random_state: int, progress=None, options=None, label=None, roles=None, table=None,
                query=None) -> Prepared:
        from deepmine.data.preprocess import TabularPreprocessor

        X, y, info = self.read(data, label, roles, table, query)
        if y is not None and y.nunique() < 2:
            raise TargetError(f"label column '{info['label']}' has a single group; evaluating clusters needs at "
                              f"least two")
        # Internal metrics are computed in one shared space, so that they compare the partitions and
        # not the spaces the models happen to work in.
        space = TabularPreprocessor(roles=info["roles"], encoding="onehot").fit_transform(X)
        return Prepared(X, X, None, y, info, "nmi" if y is not None else "silhouette", shown=X, size=len(X),
                        extra={"space": space})

    def evaluate(self, fitting: Fitting, prepared: Prepared) -> dict:
        from deepmine.evaluation.cluster_metrics import cluster_scores

        labels = fitting.prediction
        y = prepared.y_test
        return {"n_clusters": int(len(np.unique(labels))),
                **cluster_scores(prepared.extra["space"], labels, None if y is None else y.to_numpy())}

    def columns(self, names: list[str]) -> list[str]:
        return self.columns_as_scored(names)  # the number of clusters, the internal scores, then the label's


class TopicsTask(UnsupervisedTask):
    """Every topic model on all the texts, scored by coherence and diversity (and against the label)."""

    OPTIONS = {"label": None, "text": None, "table": None, "query": None}

    def prepare(self, data, *, random_state: int, progress=None, options=None, label=None, text=None, table=None,
                query=None) -> Prepared:
        from deepmine.text.prepare import as_texts

        X, y, info = self.read(data, label, None, table, query, text)
        texts = as_texts(X, info["features"][0])
        return Prepared(texts, texts, None, y, info, self.primary, shown=X, size=len(texts), unit="texts")

    def evaluate(self, fitting: Fitting, prepared: Prepared) -> dict:
        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

        from deepmine.text.topic_metrics import evaluate_topics

        row = evaluate_topics(fitting.model, prepared.train)
        row.pop("seconds", None)
        y = prepared.y_test
        if y is not None:  # known groups, for evaluation only; texts without a topic (-1) count as one more group
            labels = fitting.prediction
            row.update(nmi=float(normalized_mutual_info_score(y, labels)), ari=float(adjusted_rand_score(y, labels)))
        return row

    def columns(self, names: list[str]) -> list[str]:
        return self.columns_as_scored(names)


class AnomalyTask(UnsupervisedTask):
    """Every detector fitted on the training part and scored on the held-out part (all rows without a label)."""

    OPTIONS = {"label": None, "test_size": 0.25, "roles": None, "table": None, "query": None}

    def prepare(self, data, *, random_state: int, progress=None, options=None, label=None, test_size=0.25,
                roles=None, table=None, query=None) -> Prepared:
        X, y, info = self.read(data, label, roles, table, query)
        if y is not None:
            y = anomaly_label(y, label or info["label"])
            train, test = stratified_split(y, test_size, random_state)
        else:  # nothing to score against: fit and flag every row
            train = test = np.arange(len(X))
        semi = dict(options or {}).get("train_on") == "normal"
        if semi and y is None:
            raise TargetError("train_on='normal' learns from the rows labelled normal; pass label=COLUMN (--label)")
        X_train, X_test = X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True)
        info.update(train_rows=int(len(train)), test_rows=int(len(test)),
                    split="stratified" if y is not None else "none (no label: every row fitted and flagged)")
        y_train = y.iloc[train].to_numpy() if semi else None
        y_test = None if y is None else y.iloc[test].reset_index(drop=True)
        return Prepared(X_train, X_test, y_train, y_test, info, "roc_auc" if y is not None else None, shown=X,
                        size=len(X_train), extra={"labels": None if y is None else y.iloc[train].reset_index(drop=True),
                                                  "semi": semi})

    def inner(self, prepared: Prepared, random_state: int, valid_size: float = 0.2,
              blend_size: float = 0.0) -> Prepared:
        """A stratified split of the training rows by their labels: the detectors fit on one part (on its normal
        rows with train_on="normal") and are scored by ROC-AUC on the other; with ``blend_size``, a third part
        (stratified too) weights the ensembles."""
        from deepmine.errors import ParameterError

        labels = prepared.extra.get("labels")
        if labels is None or prepared.y_test is None:
            raise ParameterError("anomaly detection is tuned on labelled rows it was not fitted on; pass "
                                 "label=COLUMN (--label), or leave out budget (--budget)")
        rest, blend = np.arange(len(labels)), None
        if blend_size:
            kept, held = stratified_split(labels, blend_size, random_state)
            rest, blend = np.asarray(kept), np.asarray(held)
        train, valid = stratified_split(labels.iloc[rest], valid_size / (1 - blend_size), random_state)
        train, valid = rest[np.asarray(train)], rest[np.asarray(valid)]
        X_train = prepared.train.iloc[train].reset_index(drop=True)
        X_valid = prepared.train.iloc[valid].reset_index(drop=True)
        y_train = labels.iloc[train].to_numpy() if prepared.extra.get("semi") else None
        extra, info = dict(prepared.extra), {**prepared.info, "train_rows": int(len(train)),
                                             "valid_rows": int(len(valid))}
        if blend is not None:
            extra["blend"] = (prepared.train.iloc[blend].reset_index(drop=True),
                              labels.iloc[blend].reset_index(drop=True))
            info["blend_rows"] = int(len(blend))
        return Prepared(X_train, X_valid, y_train, labels.iloc[valid].reset_index(drop=True), info,
                        prepared.primary, size=len(train), extra=extra)

    # -- ensembles: of anomaly scores, each first made a rank among the detector's own training scores -----
    def ensembles(self, prepared: Prepared) -> bool:
        return prepared.y_test is not None  # weighted by ROC-AUC on labelled rows

    def ensemble_output(self, fitting: Fitting, classes) -> dict | None:
        """The detector's scores as the share of its own training rows that score at most as high (0 to 1):
        the detectors' scales differ (a distance, a reconstruction error, a path length), their ranks do
        not. Beyond the training scores the rank goes on linearly (above 1 by the excess over the highest
        training score, in units of their range; below 0 likewise), so that rows scoring above every
        training row (anomalies, when the detector learned from normal rows only) keep their order.
        ``reference`` is the same for the training rows (to set the ensemble's threshold) and
        ``contamination`` the share of them the detector flags."""
        model = fitting.model
        reference = getattr(model, "decision_scores_", None)
        if reference is None or fitting.prediction is None:
            return None
        ordered = np.sort(np.asarray(reference, dtype=float))
        low, high = ordered[0], ordered[-1]
        span = (high - low) or 1.0

        def rank(scores):
            scores = np.asarray(scores, dtype=float)
            inside = np.searchsorted(ordered, scores, side="right") / len(ordered)
            return np.where(scores > high, 1.0 + (scores - high) / span,
                            np.where(scores < low, (scores - low) / span, inside))

        share = getattr(model, "contamination_", None)
        if share is None:
            threshold = getattr(model, "threshold_", None)
            if threshold is None:
                return None
            share = float(np.mean(ordered > threshold))
        return {"scores": rank(fitting.prediction), "reference": rank(reference), "contamination": np.array(share)}

    def selected_part(self, output) -> np.ndarray:
        return output["scores"]

    def ensemble_loss(self, truth, classes):
        """1 - ROC-AUC of the averaged ranks on the blend rows; None for a bag of one kind of row only (it is
        left out of the selection, and with no anomaly in the blend part at all the members weigh alike)."""
        from sklearn.metrics import roc_auc_score

        y = np.asarray(truth, dtype=int)

        def loss_on(rows):
            yy = y[rows]
            if len(np.unique(yy)) < 2:
                return None
            return lambda output: 1.0 - roc_auc_score(yy, output)

        return loss_on

    def score_ensemble(self, ensemble, output, prepared: Prepared, classes, predictions: dict) -> Fitting:
        """The averaged ranks are the ensemble's scores; it flags the rows above the quantile of its own
        training scores that leaves the members' (weighted) share of training rows flagged."""
        threshold = float(np.quantile(output["reference"], 1 - float(output["contamination"])))
        fitting = Fitting(None, ensemble, {}, prediction=np.asarray(output["scores"]))
        fitting.extra["flags"] = (fitting.prediction > threshold).astype(np.int64)
        fitting.row = self.evaluate(fitting, prepared)
        return fitting

    def fit(self, fitting: Fitting, prepared: Prepared) -> None:
        fitting.model.fit(prepared.train, prepared.y_train)

    def predict(self, fitting: Fitting, prepared: Prepared) -> None:
        fitting.prediction = np.asarray(fitting.model.decision_function(prepared.test))
        fitting.proba = None
        fitting.extra["flags"] = np.asarray(fitting.model.predict(prepared.test))

    def evaluate(self, fitting: Fitting, prepared: Prepared) -> dict:
        from deepmine.evaluation.anomaly_metrics import anomaly_scores

        flags = fitting.extra["flags"]
        row = {}
        if prepared.y_test is not None:
            row.update(anomaly_scores(prepared.y_test.to_numpy(), fitting.prediction, flags))
        row["flagged"] = float(np.mean(flags))
        return row


def anomaly_label(y: pd.Series, label: str) -> pd.Series:
    """The label as 0 (normal) and 1 (anomaly), with both present; a clear error otherwise."""
    values = set(pd.unique(y))
    if values <= {0, 1, True, False}:
        y = y.astype(int)
    else:
        raise TargetError(f"label column '{label}' must mark anomalies with 1 and normal rows with 0; "
                          f"it holds {sorted(map(str, values))[:5]}")
    if y.nunique() < 2:
        kind = "normal (0)" if y.iloc[0] == 0 else "anomalous (1)"
        raise TargetError(f"the labels for evaluation in '{label}' are all {kind}; ROC-AUC and precision need "
                          f"both normal rows and anomalies - give a label with both, or none")
    return y


__all__ = ["AnomalyTask", "ClusteringTask", "TopicsTask", "UnsupervisedTask", "anomaly_label"]
