"""Cases (series or images) with their labels: split them (an official split, or stratified), take a part."""

from __future__ import annotations

import numpy as np
import pandas as pd


def split_cases(labels: pd.Series, split, test_size: float, random_state) -> tuple[np.ndarray, np.ndarray, str]:
    """Positions (train, test) of the cases and how they were split: by ``split`` ("train"/"test" per
    case) when given, else stratified by ``labels`` with ``test_size`` held out."""
    from deepmine.data.split import given_split, stratified_split

    if split is not None:
        train, held = given_split(split)
        return np.asarray(train), np.asarray(held), "given"
    train, held = stratified_split(labels.astype(str), test_size, random_state)
    return np.asarray(train), np.asarray(held), "stratified"


def take(cases, rows):
    """The ``rows`` of cases held as an array, a DataFrame or a list."""
    if isinstance(cases, pd.DataFrame):
        return cases.iloc[rows].reset_index(drop=True)
    return cases[rows] if isinstance(cases, np.ndarray) else [cases[i] for i in rows]


def labels_1d(y) -> np.ndarray:
    y = np.asarray(y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else y)
    return y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y


__all__ = ["labels_1d", "split_cases", "take"]
