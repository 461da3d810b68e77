"""compare for images: read images and labels (a folder, an .npz file or a pixel table), split them,
then fit every classifier on the same images."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from deepmine.data.read import read_table
from deepmine.errors import ColumnError, ParameterError, TargetError
from deepmine.evaluation.leaderboard import Leaderboard
from deepmine.evaluation.prepared import compare_prepared, split_cases, take
from deepmine.evaluation.tasks import Task


def _is_image_source(data) -> bool:
    if not isinstance(data, (str, Path)) or str(data).startswith("dataset:"):
        return False
    path = Path(data)
    return path.is_dir() or path.suffix.lower() == ".npz"


def images_and_labels(data, target: str | None = None, split_column: str | None = None, table=None, query=None):
    """``(images, labels, split, paths)`` from a folder of class sub-folders or an ``.npz`` file
    (labels from the folders or the file), or from a table of pixel columns with a ``target`` column
    (``split_column`` optional). ``images`` is what the image classifiers read; ``paths`` names each
    image's file when there is one."""
    from deepmine.vision.data import load_images

    if _is_image_source(data):
        images, labels, paths = load_images(data)
        if labels is None:
            raise TargetError(f"{data} holds no labels: give a folder with one sub-folder per class, or an .npz "
                              f"file with the arrays X and y")
        return images, pd.Series(labels, name="label"), None, paths
    frame = read_table(data, table=table, query=query)
    if target is None:
        raise TargetError("image classification needs the label column of the pixel table; pass target=COLUMN")
    for column, role in ((target, "label"), (split_column, "split")):
        if column is not None and column not in frame.columns:
            raise ColumnError(f"{role} column {column!r} is not in the data; the columns are: "
                              f"{', '.join(map(str, frame.columns[:12]))}{' ...' if frame.shape[1] > 12 else ''}")
    split = frame[split_column] if split_column else None
    pixels = frame.drop(columns=[c for c in (target, split_column) if c])
    return pixels, frame[target].reset_index(drop=True), split, None


def compare_image_classification(task: Task, data, target, split_column, test, test_size: float, models,
                                 random_state: int, options: Mapping[str, Any] | None,
                                 progress: Callable[[str], None] | None, table=None, query=None) -> Leaderboard:
    """The given split (``split_column`` or a separate ``test`` set) or a stratified one, then every classifier."""

    images, labels, split, paths = images_and_labels(data, target, split_column, table, query)
    if test is not None:
        if split is not None:
            raise ParameterError("give either a split column or a separate test set, not both")
        X_test, y_test, _, test_paths = images_and_labels(test, target, None)
        X_train, y_train, how = images, labels, "given test set"
    else:
        train, held, how = split_cases(labels, split, test_size, random_state)
        X_train, y_train = take(images, train), labels.iloc[train].reset_index(drop=True)
        X_test, y_test = take(images, held), labels.iloc[held].reset_index(drop=True)
        test_paths = None if paths is None else [paths[i] for i in held]
    info = {"split": how, "target": target, "train_images": int(len(y_train)), "test_images": int(len(y_test)),
            "classes": int(pd.Series(np.asarray(y_train)).nunique()), "test_size": test_size,
            "test_paths": test_paths}
    return compare_prepared(task, X_train, y_train, X_test, y_test, models, random_state, options, progress, info,
                            unit="images")


__all__ = ["compare_image_classification", "images_and_labels"]
