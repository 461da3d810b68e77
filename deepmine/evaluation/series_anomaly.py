"""Anomalies in time series: every detector fitted on the same training part of one series (one or several channels)
and scored step by step on the rest.

The series is read from a wide table (one column per channel, in time order or ordered by ``time_column``), a
long one (``id_column`` names each row's channel, ``time_column`` its step, one column its value) or an array.
With ``train_until`` (a time, or a position when there is no time column) or a ``split_column`` marking the first
rows "train", the detectors learn from that part, taken as normal (the UCR anomaly archive's protocol), and are
scored on the rest; without either they learn from the whole series and are scored on all of it. Every detector
scores every step of the series (the leaderboard's ``predictions``); the metrics, when a 0/1 ``label`` says which
steps are anomalous, are computed on the scored part (see :mod:`~deepmine.evaluation.series_anomaly_metrics`).
All detectors look through the same windows: the dominant period of the training part (``info["window"]``),
unless ``options={"window": ...}`` sets them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from deepmine.data.memory import require_in_memory
from deepmine.data.read import read_table
from deepmine.errors import ColumnError, DataError, DataWarning, ParameterError, check_positive_int
from deepmine.evaluation.candidates import Candidate
from deepmine.evaluation.columns import dataset_label
from deepmine.evaluation.fitting import set_matching_params
from deepmine.evaluation.series_anomaly_metrics import UCR_TOLERANCE, series_anomaly_scores
from deepmine.evaluation.task import Fitting, Prepared, Task
from deepmine.evaluation.unsupervised import anomaly_label

_NO_TARGET = ("series anomaly detection learns without a target; pass the 0/1 anomaly column as label={value!r} "
              "(--label) to use it for evaluation only")
_NO_TEST_SIZE = ("series anomaly detection holds no random steps out; pass train_until= (--train-until) to learn from "
                 "a first part known to be normal and score the rest")


def _columns_of(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [c.strip() for c in value.split(",") if c.strip()]
    return [str(c) if not isinstance(c, str) else c for c in value]


def _check_present(frame: pd.DataFrame, columns: dict) -> None:
    for role, column in columns.items():
        if column is not None and column not in frame.columns:
            raise ColumnError(f"{role} column {column!r} is not in the table; choose from: "
                              f"{', '.join(map(str, frame.columns))}")


def _as_frame(data, table, query) -> pd.DataFrame:
    if isinstance(data, pd.Series):
        return data.to_frame(name=data.name if data.name is not None else "value").reset_index(drop=True)
    if isinstance(data, (np.ndarray, list)):
        values = np.asarray(data)
        if values.ndim == 1:
            return pd.DataFrame({"value": values})
        if values.ndim == 2:
            return pd.DataFrame(values, columns=[f"channel_{k}" for k in range(values.shape[1])])
        raise DataError(f"a series must be of shape (steps,) or (steps, channels), got an array of shape {values.shape}")
    require_in_memory("series_anomaly", data, table, query)
    return read_table(data, table=table, query=query)


def _pivot_long(frame: pd.DataFrame, id_column: str, time_column, value_columns, label, split_column) -> pd.DataFrame:
    """A long table (one row per time step and channel) as a wide one, one column per channel."""
    if time_column is None:
        raise ColumnError(f"a long table (id column {id_column!r}) needs time=COLUMN (--time) to align its channels")
    if value_columns is None:
        value_columns = [c for c in frame.columns if c not in (id_column, time_column, label, split_column)]
    if len(value_columns) != 1:
        raise ColumnError(f"a long table holds one value column besides the id and the time, found "
                          f"{len(value_columns)} ({', '.join(map(str, value_columns))}); pass channels=COLUMN")
    duplicated = frame.duplicated([time_column, id_column])
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise DataError(f"channel {row[id_column]!r} has more than one value at {time_column}={row[time_column]!r}; "
                        f"give one row per time and channel")
    wide = frame.pivot(index=time_column, columns=id_column, values=value_columns[0])
    wide.columns = [str(c) for c in wide.columns]
    per_step = frame.groupby(time_column, sort=True)
    if label is not None:  # a step is anomalous when any of its channels is
        wide[label] = per_step[label].max()
    if split_column is not None:
        wide[split_column] = per_step[split_column].first()
    return wide.reset_index()


def _train_rows(frame: pd.DataFrame, time_column, train_until, split_column) -> int | None:
    """How many first steps form the training part (None: the whole series, none held out to score)."""
    n = len(frame)
    if train_until is not None and split_column is not None:
        raise ParameterError("give train_until or split_column, not both: each says where the normal part ends")
    if split_column is not None:
        marks = frame[split_column].astype(str).str.strip().str.lower()
        unknown = sorted(set(marks) - {"train", "test"})
        if unknown:
            raise DataError(f"split column {split_column!r} must say 'train' or 'test' on each step; it holds "
                            f"{unknown[:3]}")
        train = (marks == "train").to_numpy()
        count = int(train.sum())
        if not train[:count].all():
            raise DataError(f"the steps marked 'train' in {split_column!r} must come first (the part known to be "
                            f"normal, before the part to score)")
    elif train_until is not None:
        if time_column is None:
            count = check_positive_int("train_until", int(train_until) if isinstance(train_until, str)
                                       and train_until.strip().isdigit() else train_until)
        else:
            times = frame[time_column]
            try:
                bound = (pd.Timestamp(train_until) if pd.api.types.is_datetime64_any_dtype(times)
                         else float(train_until) if pd.api.types.is_numeric_dtype(times) else train_until)
                count = int((times < bound).sum())
            except (TypeError, ValueError):
                raise DataError(f"train_until={train_until!r} cannot be compared with the times in {time_column!r} "
                                f"(such as {times.iloc[0]!r}); give a value of the same kind") from None
    else:
        return None
    if not 0 < count < n:
        raise DataError(f"the training part would hold {count} of the {n} steps; train_until (or the split column) "
                        f"must leave steps on both sides")
    return count


class SeriesAnomalyTask(Task):
    """Fit every series detector on the training part, score every step, evaluate the scored part."""

    OPTIONS = {"label": None, "time_column": None, "id_column": None, "channels": None, "train_until": None,
               "split_column": None, "tolerance": UCR_TOLERANCE, "table": None, "query": None}
    HINTS = {**Task.HINTS, "target": (ColumnError, _NO_TARGET), "test_size": _NO_TEST_SIZE}

    def prepare(self, data, *, random_state: int, progress=None, options=None, label=None, time_column=None,
                id_column=None, channels=None, train_until=None, split_column=None, tolerance=UCR_TOLERANCE,
                table=None, query=None) -> Prepared:
        from deepmine.timeseries.anomaly_data import auto_window, channel_values, check_window

        frame = _as_frame(data, table, query)
        if label is None:
            label = dataset_label(data, frame)
        dataset = isinstance(data, str) and data.startswith("dataset:")
        if dataset and time_column is None and id_column is None and "t" in frame.columns:
            time_column = "t"  # the bundled series number their steps in 't'
        if split_column is None and train_until is None and dataset and "split" in frame.columns:
            split_column = "split"
            warnings.warn("the dataset's own 'split' column marks its training part (known to be normal)",
                          DataWarning, stacklevel=3)
        channels = _columns_of(channels)
        _check_present(frame, {"label": label, "time": time_column, "id": id_column, "split": split_column,
                               **{"channel": c for c in channels or []}})
        others = [c for c in (label, split_column) if c is not None]
        if id_column is not None:
            frame = _pivot_long(frame, id_column, time_column, channels, label, split_column)
            channels = None
        elif time_column is not None:
            if frame[time_column].duplicated().any():
                first = frame.loc[frame[time_column].duplicated(), time_column].iloc[0]
                raise DataError(f"time {first!r} occurs more than once in {time_column!r}; give one row per step, or "
                                f"name the channel column of a long table (id_column=, --id)")
            frame = frame.sort_values(time_column, kind="stable").reset_index(drop=True)
        if channels is None:
            channels = [c for c in frame.columns if c not in (time_column, *others)]
        if not channels:
            raise ColumnError("the table has no channel column besides the time, label and split; give the values")
        values = channel_values(frame[channels])
        n = len(values)
        y = None
        if label is not None:
            y = anomaly_label(frame[label].reset_index(drop=True), label)
        n_train = _train_rows(frame, time_column, train_until, split_column)
        start = n_train or 0
        fit_on = values[:n_train] if n_train else values
        window = dict(options or {}).get("window", "auto")
        period = None
        if window == "auto":
            window, period = auto_window(fit_on)
        window = check_window(window, len(fit_on), "the training part" if n_train else "the series")
        tolerance = check_positive_int("tolerance", tolerance) if tolerance else 0
        scored = y.iloc[start:].reset_index(drop=True) if y is not None else None
        if scored is not None and scored.nunique() < 2:
            raise DataError(f"the scored part (steps {start} to {n - 1}) holds only "
                            f"{'normal' if scored.iloc[0] == 0 else 'anomalous'} steps in {label!r}; move "
                            f"train_until so that the part after it holds both")
        if n_train and y is not None and y.iloc[:n_train].any():
            warnings.warn(f"the training part holds {int(y.iloc[:n_train].sum())} steps labelled anomalous; the "
                          f"detectors learn them as normal", DataWarning, stacklevel=3)
        names = [str(c) for c in channels]
        shown = pd.DataFrame(values, columns=names)
        if time_column is not None:
            shown.insert(0, time_column, frame[time_column].to_numpy())
        if y is not None:
            shown["label"] = y.to_numpy()
        info = {"rows": n, "steps": n, "channels": names, "label": label,
                "time_column": time_column, "window": window, "period": period, "train_steps": n_train or n,
                "scored_steps": n - start, "tolerance": tolerance,
                "split": (f"the first {n_train} steps (known normal) fitted, the other {n - n_train} scored"
                          if n_train else "none: every step fitted and scored")}
        return Prepared(pd.DataFrame(fit_on, columns=names), pd.DataFrame(values, columns=names), None, scored, info,
                        "roc_auc" if y is not None else None, shown=shown, size=len(fit_on), unit="steps",
                        extra={"start": start, "window": window})

    def inner(self, prepared: Prepared, random_state: int, valid_size: float = 0.2,
              blend_size: float = 0.0) -> Prepared:
        raise ParameterError("series anomaly detection cannot be tuned or ensembled yet (one series has no labelled "
                             "part to spare for it); leave out budget (--budget) and ensemble (--ensemble)")

    def ensembles(self, prepared: Prepared) -> bool:
        return False

    def build(self, candidate, prepared: Prepared, random_state: int, options):
        from deepmine.timeseries.anomaly_baselines import MatrixProfileDetector, warm_up_matrix_profile

        model = set_matching_params(candidate.factory(random_state), {"window": prepared.extra["window"]})
        model = set_matching_params(model, dict(options))
        if isinstance(model, MatrixProfileDetector) and "matrix_profile_compile_s" not in prepared.info:
            # stumpy compiles its code on first use in a process; that is not the detector's fit time
            prepared.info["matrix_profile_compile_s"] = round(warm_up_matrix_profile(), 2)
        return model

    def describe(self, fitting: Fitting, prepared: Prepared) -> str:
        c = fitting.candidate
        return (f"fitting {c.name} ({c.kind}) on {prepared.size} steps x {len(prepared.info['channels'])} channel(s), "
                f"windows of {prepared.info['window']}")

    def fit(self, fitting: Fitting, prepared: Prepared) -> None:
        fitting.model.fit(prepared.train)

    def predict(self, fitting: Fitting, prepared: Prepared) -> None:
        """Scores and flags for every step of the series."""
        fitting.prediction = np.asarray(fitting.model.decision_function(prepared.test))
        fitting.extra["flags"] = (fitting.prediction > fitting.model.threshold_).astype(np.int64)

    def evaluate(self, fitting: Fitting, prepared: Prepared) -> dict:
        start = prepared.extra["start"]
        scores, flags = fitting.prediction[start:], fitting.extra["flags"][start:]
        row = {}
        if prepared.y_test is not None:
            row.update(series_anomaly_scores(prepared.y_test.to_numpy(), scores, flags, prepared.info["tolerance"]))
        row["flagged"] = float(np.mean(flags))
        return row


def series_anomaly_candidates() -> list[Candidate]:
    """Two deep detectors (EncDec-AD, a forecasting-error LSTM) and three traditional ones."""
    from deepmine.timeseries.anomaly_baselines import MatrixProfileDetector, STLResidualDetector, WindowIsolationForest
    from deepmine.timeseries.anomaly_detectors import EncDecADDetector, ForecastErrorDetector

    return [
        Candidate("encdec_ad", "deep", lambda s: EncDecADDetector(random_state=s),
                  "EncDec-AD: LSTM encoder-decoder reconstruction error (Malhotra et al. 2016)"),
        Candidate("forecast_error", "deep", lambda s: ForecastErrorDetector(random_state=s),
                  "LSTM forecast of each step from the window before it; the error is the score (LSTM-AD)"),
        Candidate("matrix_profile", "traditional", lambda s: MatrixProfileDetector(),
                  "matrix-profile discord: distance to the nearest other window (stumpy)"),
        Candidate("isolation_forest", "traditional", lambda s: WindowIsolationForest(random_state=s),
                  "Isolation Forest on sliding windows"),
        Candidate("stl_residual", "traditional", lambda s: STLResidualDetector(),
                  "robust z-score of STL seasonal-decomposition residuals"),
    ]


__all__ = ["SeriesAnomalyTask", "series_anomaly_candidates"]
