"""Train/test splits: stratified by class, ordered by time, or keeping groups together."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from deepmine.errors import DataError, DataWarning


def _check_size(test_size: float, n: int) -> int:
    if not 0 < test_size < 1:
        raise DataError(f"test_size must be a fraction between 0 and 1, got {test_size}")
    n_test = int(round(test_size * n))
    if n_test < 1 or n - n_test < 2:
        raise DataError(
            f"{n} rows are too few to hold out {test_size:.0%} for testing; give more rows or change test_size"
        )
    return n_test


def random_split(n: int, test_size: float = 0.25, random_state=None):
    """Row positions (train, test) drawn at random."""
    _check_size(test_size, n)
    return train_test_split(np.arange(n), test_size=test_size, random_state=random_state)


def stratified_split(y, test_size: float = 0.25, random_state=None):
    """Row positions (train, test) with every class in the same proportion in both parts.

    Classes with a single row cannot be split in proportion; then the split is plain random.
    """
    y = np.asarray(y)
    n = len(y)
    _check_size(test_size, n)
    _, counts = np.unique(y.astype(str), return_counts=True)
    n_test = int(round(test_size * n))
    stratify = y if counts.min() >= 2 and n_test >= len(counts) and n - n_test >= len(counts) else None
    train, test = train_test_split(np.arange(n), test_size=test_size, random_state=random_state, stratify=stratify)
    labels = y.astype(str)
    unseen = ~np.isin(labels[test], labels[train])
    if unseen.any():
        # a class the models never saw cannot be scored: its test rows (a class of one row, mostly) change
        # places with training rows of classes that training holds twice or more, so the sizes stay
        moved = sorted(set(map(str, labels[test][unseen])))
        warnings.warn(f"{int(unseen.sum())} test row(s) of class(es) {', '.join(map(repr, moved[:3]))} that the "
                      f"training part lacks were moved into training", DataWarning, stacklevel=2)
        moving = test[unseen]
        train, test = list(train), list(test[~unseen])
        in_train = Counter(labels[train])  # kept up to date as rows change places
        for row in moving:
            swap = next((i for i in range(len(train) - 1, -1, -1) if in_train[labels[train[i]]] >= 2), None)
            if swap is not None:
                back = train.pop(swap)
                in_train[labels[back]] -= 1
                test.append(back)
            train.append(row)
            in_train[labels[row]] += 1
        train, test = np.asarray(train, dtype=int), np.asarray(test, dtype=int)
        if len(test) == 0:
            raise DataError(f"every class has too few rows to be both trained on and tested ({n} rows in all); "
                            f"give at least 2 rows of every class")
    kept = np.unique(labels[train])
    if len(counts) >= 2 and len(kept) < 2:
        classes, counts = np.unique(labels, return_counts=True)
        rare = ", ".join(repr(c) for c in classes[counts < 2][:3]) or "the other classes"
        raise DataError(f"the training part of the split holds only the class {kept[0]!r}: {rare} have too few "
                        f"rows ({n} rows in all); give at least 2 rows of every class, or more rows")
    return train, test


def time_split(times, test_size: float = 0.25):
    """Row positions (train, test): the latest ``test_size`` of rows by time are the test part."""
    raw = pd.Series(times).reset_index(drop=True)
    name = f"time column '{raw.name}'" if raw.name is not None else "the time column"
    times = pd.to_datetime(raw, errors="coerce", format="mixed") \
        if not pd.api.types.is_numeric_dtype(raw) else raw
    bad = times.isna()
    if bad.any():
        unreadable = bad & raw.notna()
        example = (f"such as {raw[unreadable].iloc[0]!r} in row {int(np.flatnonzero(unreadable)[0])}"
                   if unreadable.any() else "")
        what = "values that are not dates or numbers" if unreadable.any() else "missing values"
        raise DataError(f"{name} has {int(bad.sum())} {what}{' ' + example if example else ''}; "
                        f"fix or drop those rows to split by time")
    n = len(times)
    n_test = _check_size(test_size, n)
    order = np.argsort(times.to_numpy(), kind="stable")
    return np.sort(order[: n - n_test]), np.sort(order[n - n_test:])


def group_split(groups, test_size: float = 0.25, random_state=None):
    """Row positions (train, test) such that no group has rows in both parts.

    ``test_size`` is the share of groups (not rows) held out, as in scikit-learn's GroupShuffleSplit.
    """
    groups = np.asarray(groups)
    _check_size(test_size, len(groups))
    if len(np.unique(groups.astype(str))) < 2:
        raise DataError("the group column has a single group; a group split needs at least two groups")
    n_groups = len(np.unique(groups.astype(str)))
    n_test_groups = int(np.ceil(test_size * n_groups))
    if n_test_groups < 1 or n_groups - n_test_groups < 1:
        raise DataError(
            f"{n_groups} groups are too few to hold out {test_size:.0%} of them for testing; "
            f"give more groups or change test_size"
        )
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=random_state)
    train, test = next(splitter.split(np.zeros(len(groups)), groups=groups))
    return train, test


def given_split(labels):
    """Row positions (train, test) from a column that says which part each row belongs to.

    The column holds "train" or "test" (any case; "validation"/"valid"/"dev" rows are trained on,
    as the held-out part is the test part), as in datasets that come with an official split.
    """
    values = pd.Series(labels).astype("string").str.strip().str.lower()
    name = getattr(labels, "name", None) or "the split column"
    unknown = sorted(set(values.dropna()) - {"train", "test", "validation", "valid", "dev"})
    if values.isna().any() or unknown:
        shown = unknown[:3] if unknown else ["<missing>"]
        raise DataError(f"split column '{name}' must say 'train' or 'test' in every row, but it holds "
                        f"{', '.join(map(repr, shown))}; fix those rows or drop split_column")
    test = np.flatnonzero(values.to_numpy() == "test")
    train = np.flatnonzero(values.to_numpy() != "test")
    if len(test) == 0 or len(train) < 2:
        raise DataError(f"split column '{name}' puts {len(train)} rows in training and {len(test)} in the test "
                        f"part; both parts need rows")
    return train, test


def hash_share(frame: pd.DataFrame, random_state: int = 0, salt: str = "") -> np.ndarray:
    """A number in [0, 1) per row of ``frame``, from a hash of the row's values (not its position).

    The same row gets the same number in every batch, shard and pass of a stream, and in every
    process, so thresholds on it split a table that is read in batches, never whole
    (:func:`hash_split`); equal rows land on the same side. ``random_state`` and ``salt`` pick
    different, independent numbers.
    """
    key = f"{int(random_state) % 10**12:012d}{salt}"[:16].ljust(16, "0")
    hashed = pd.util.hash_pandas_object(frame, index=False, hash_key=key).to_numpy()
    return (hashed >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def hash_split(test_share: float, random_state: int = 0):
    """``(is_train, is_test)``: two functions of a batch that give each row's side of a random split
    holding out about ``test_share`` of the rows, decided by :func:`hash_share` - for streams
    (:meth:`deepmine.data.stream.TableStream.where`), where no row positions can be drawn up front."""
    if not 0 < test_share < 1:
        raise DataError(f"the test share must be a fraction between 0 and 1, got {test_share}")

    def is_test(frame: pd.DataFrame) -> np.ndarray:
        return hash_share(frame, random_state, "split") < test_share

    def is_train(frame: pd.DataFrame) -> np.ndarray:
        return ~is_test(frame)

    return is_train, is_test
