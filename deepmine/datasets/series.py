"""Time-series datasets from installed packages: aeon's bundled UCR/UEA sets and two classic forecasting series.

Classification sets come as *long* tables, the form a CSV of series usually takes: one row per
(case, time step) with the case id, the step ``t``, one column per channel, the case's ``label``
and the official ``split`` ("train" or "test"), so the published splits are the ones compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepmine.errors import require


def _ucr_long(name: str, channels: list[str] | None = None) -> pd.DataFrame:
    aeon_datasets = require("aeon.datasets", "timeseries")
    parts, offset = [], 0
    for split in ("train", "test"):
        X, y = aeon_datasets.load_classification(name, split=split)
        n, c, length = X.shape
        names = channels or (["value"] if c == 1 else [f"dim_{k}" for k in range(c)])
        frame = pd.DataFrame(X.transpose(0, 2, 1).reshape(n * length, c), columns=names)
        frame.insert(0, "t", np.tile(np.arange(length), n))
        frame.insert(0, "case", np.repeat(np.arange(offset, offset + n), length))
        frame["label"] = pd.Series([str(v) for v in np.repeat(y, length)], index=frame.index)
        frame["split"] = pd.Series([split] * len(frame), index=frame.index)
        parts.append(frame)
        offset += n
    return pd.concat(parts, ignore_index=True)


def gunpoint() -> pd.DataFrame:
    return _ucr_long("GunPoint")


def italy_power_demand() -> pd.DataFrame:
    return _ucr_long("ItalyPowerDemand")


def basic_motions() -> pd.DataFrame:
    return _ucr_long("BasicMotions", ["accel_x", "accel_y", "accel_z", "gyro_x", "gyro_y", "gyro_z"])


def airline() -> pd.DataFrame:
    aeon_datasets = require("aeon.datasets", "timeseries")
    y = np.asarray(aeon_datasets.load_airline(), dtype=np.float64)
    return pd.DataFrame({"month": pd.date_range("1949-01-01", periods=len(y), freq="MS"), "passengers": y})


def co2() -> pd.DataFrame:
    require("statsmodels", "timeseries")
    from statsmodels.datasets import co2 as co2_data

    data = co2_data.load_pandas().data
    return pd.DataFrame({"week": data.index.to_numpy(), "co2": data["co2"].to_numpy(dtype=np.float64)})


def kdd_tsad_135() -> pd.DataFrame:
    """UCR anomaly archive series 135 (aeon's KDD-TSAD_135): 7,501 steps, the first 1,200 the normal training part."""
    aeon_datasets = require("aeon.datasets", "timeseries")
    values, labels = aeon_datasets.load_kdd_tsad_135("test")
    train, _ = aeon_datasets.load_kdd_tsad_135("train")
    split = np.where(np.arange(len(values)) < len(train), "train", "test")
    return pd.DataFrame({"t": np.arange(len(values)), "heart_rate": np.asarray(values, dtype=np.float64),
                         "anomaly": np.asarray(labels, dtype=np.int64), "split": split})


# BasicMotions cases (walking is normal) and where the two anomalous cases go among the 20 walking ones
_MOTION_CHANNELS = ["accel_x", "accel_y", "accel_z", "gyro_x", "gyro_y", "gyro_z"]
_MOTION_INSERTS = {12: "running", 16: "badminton"}
_MOTION_TRAIN_CASES = 10


def motion_anomalies() -> pd.DataFrame:
    """BasicMotions' 20 walking recordings end to end, with one running and one badminton recording inserted after
    the 12th and 16th (anomaly = 1); the first 10 walking recordings are the normal training part."""
    aeon_datasets = require("aeon.datasets", "timeseries")
    cases, labels = [], []
    for split in ("train", "test"):
        X, y = aeon_datasets.load_classification("BasicMotions", split=split)
        cases.append(X)
        labels.append(np.asarray(y))
    X, y = np.concatenate(cases), np.concatenate(labels)
    walking = [X[i].T for i in np.flatnonzero(y == "walking")]
    pieces, marks = [], []
    for k, case in enumerate(walking):
        if k in _MOTION_INSERTS:
            other = X[np.flatnonzero(y == _MOTION_INSERTS[k])[0]].T
            pieces.append(other)
            marks.append(np.ones(len(other), dtype=np.int64))
        pieces.append(case)
        marks.append(np.zeros(len(case), dtype=np.int64))
    values = np.concatenate(pieces)
    frame = pd.DataFrame(values, columns=_MOTION_CHANNELS)
    frame.insert(0, "t", np.arange(len(frame)))
    frame["anomaly"] = np.concatenate(marks)
    train_steps = sum(len(c) for c in walking[:_MOTION_TRAIN_CASES])
    frame["split"] = np.where(frame["t"] < train_steps, "train", "test")
    return frame
