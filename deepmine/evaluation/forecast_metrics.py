"""Forecast accuracy: MASE, sMAPE, RMSE, and how often the prediction interval held the truth."""

from __future__ import annotations

import numpy as np

from deepmine.errors import DataError

FORECAST_METRICS = ("mase", "smape", "rmse", "interval_coverage")


def _arrays(*arrays):
    out = [np.asarray(a, dtype=float).ravel() for a in arrays]
    if len({len(a) for a in out}) > 1:
        raise DataError(f"the forecast and the truth differ in length ({', '.join(str(len(a)) for a in out)}); "
                        f"give one value per forecast step")
    return out


def mase(y_true, y_pred, y_train, season: int = 1) -> float:
    """Mean absolute scaled error (Hyndman & Koehler, 2006): the mean absolute error divided by the
    in-sample mean absolute error of the seasonal naive forecast (naive when ``season`` is 1)."""
    y_true, y_pred = _arrays(y_true, y_pred)
    scale = mase_scale(y_train, season)
    if scale == 0:
        return float("inf") if np.any(y_true != y_pred) else 0.0
    return float(np.mean(np.abs(y_true - y_pred)) / scale)


def mase_scale(y_train, season: int = 1) -> float:
    """MASE's denominator: the in-sample mean absolute error of the seasonal naive forecast on ``y_train``
    (naive when ``season`` is 1 or the history is not longer than a season)."""
    train = np.asarray(y_train, dtype=float).ravel()
    m = int(season) if season and len(train) > season else 1
    if len(train) <= m:
        raise DataError(f"MASE needs more than {m} training values to scale by, got {len(train)}")
    return float(np.mean(np.abs(train[m:] - train[:-m])))


def smape(y_true, y_pred) -> float:
    """Symmetric mean absolute percentage error, in percent (0 to 200), as in the M4 competition."""
    y_true, y_pred = _arrays(y_true, y_pred)
    denom = np.abs(y_true) + np.abs(y_pred)
    ratio = np.where(denom == 0, 0.0, 2 * np.abs(y_true - y_pred) / np.where(denom == 0, 1, denom))
    return float(100 * np.mean(ratio))


def rmse(y_true, y_pred) -> float:
    y_true, y_pred = _arrays(y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def coverage(y_true, lower, upper) -> float:
    """The share of true values inside [lower, upper]; it should be near the interval's level."""
    y_true, lower, upper = _arrays(y_true, lower, upper)
    return float(np.mean((y_true >= lower) & (y_true <= upper)))


def forecast_scores(y_true, y_pred, y_train, season: int = 1, lower=None, upper=None) -> dict[str, float]:
    """MASE, sMAPE, RMSE and (when the interval is given) coverage of one forecast."""
    scores = {"mase": mase(y_true, y_pred, y_train, season), "smape": smape(y_true, y_pred),
              "rmse": rmse(y_true, y_pred), "interval_coverage": float("nan")}
    if lower is not None and upper is not None:
        scores["interval_coverage"] = coverage(y_true, lower, upper)
    return scores


__all__ = ["FORECAST_METRICS", "coverage", "forecast_scores", "mase", "mase_scale", "rmse", "smape"]
