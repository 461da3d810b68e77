"""Image classification: read images and labels (a folder, an .npz file, a pixel table, or arrays), split
them (the given split, a separate test set, or stratified), then fit every classifier on the same images."""

from __future__ import annotations

from pathlib import Path
import numpy as np
import pandas as pd

from deepmine.data.read import read_table
from deepmine.errors import ColumnError, ParameterError, TargetError
from deepmine.evaluation.candidates import Candidate
from deepmine.evaluation.prepared import labels_1d, split_cases, take
from deepmine.evaluation.task import Prepared, Task


def _is_image_source(data) -> bool:
    if not isinstance(data, (str, Path)) or str(data).startswith("dataset:"):
        return False
    path = Path(data)
    return path.is_dir() or path.suffix.lower() == ".npz"


def images_and_labels(data, target: str | None = None, split_column: str | None = None, table=None, query=None):
    """``(images, labels, split, paths)`` from a pair ``(images, labels)`` in memory, a folder of class sub-folders or an ``.npz`` file
    (labels from the folders or the file), or from a table of pixel columns with a ``target`` column
    (``split_column`` optional). ``images`` is what the image classifiers read; ``paths`` names each
    image's file when there is one."""
    from deepmine.vision.data import load_images

    if isinstance(data, tuple) and len(data) == 2:  # (images, labels) already in memory
        images, labels = data
        return images, pd.Series(labels_1d(labels), name="label"), None, None
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


class ImageClassificationTask(Task):
    """The given split (``split_column`` or a separate ``test`` set) or a stratified one, then every classifier."""

    OPTIONS = {"target": None, "split_column": None, "test": None, "test_size": 0.25, "table": None,
               "query": None}

    def prepare(self, data, *, random_state: int, progress=None, options=None, target=None, split_column=None,
                test=None, test_size=0.25, table=None, query=None) -> Prepared:
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
        return Prepared(X_train, X_test, labels_1d(y_train), pd.Series(labels_1d(y_test)), info, self.primary,
                        shown=X_test, size=len(y_train), unit="images")


def image_classification_candidates() -> list[Candidate]:
    """The deep and traditional image classifiers that the "image_classification" task compares, with the
    search spaces a budget tunes (see :mod:`deepmine.evaluation.tuning`).

    Each takes image arrays, flattened pixel tables (square images) or lists of image files.
    """
    from deepmine.vision.classifiers import CNNClassifier, PixelClassifier

    # Adam's one-cycle peak rate around the default 3e-3, its L2 weight decay and the dropout (both 0 by default)
    cnn = {"lr": ("log", 5e-4, 2e-2), "weight_decay": ("choice", [0.0, 1e-5, 1e-4, 1e-3]),
           "dropout": ("float", 0.0, 0.5)}
    return [
        Candidate("cnn_resnet", "deep", lambda s: CNNClassifier("resnet", random_state=s),
                  "small ResNet (stem + residual blocks of 32/64/128 channels, batch norm, global average "
                  "pooling), 2-pixel shift augmentation, Adam one-cycle", space=cnn),
        Candidate("cnn_lenet", "deep", lambda s: CNNClassifier("lenet", random_state=s),
                  "LeNet-5 (conv 6@5x5, pool, conv 16@5x5, pool, 120-84 dense, ReLU), 2-pixel shift augmentation",
                  space=cnn),
        Candidate("logistic_pixels", "traditional", lambda s: PixelClassifier("logistic", random_state=s),
                  "multinomial logistic regression (C=0.1) on standardised pixels",
                  space={"C": ("log", 1e-3, 10.0)}),
        # C only: the RBF's gamma stays "scale" (PixelClassifier does not expose it)
        Candidate("svm_rbf_pixels", "traditional", lambda s: PixelClassifier("svm", random_state=s),
                  "RBF SVM (C=5, gamma='scale') on 0..1 pixels; probabilities from decision values",
                  space={"C": ("log", 0.5, 50.0)}),
        Candidate("knn_pixels", "traditional", lambda s: PixelClassifier("knn", random_state=s),
                  "3 nearest neighbours (distance-weighted, Euclidean) on 0..1 pixels",
                  space={"n_neighbors": ("log_int", 1, 10)}),
    ]


__all__ = ["ImageClassificationTask", "image_classification_candidates", "images_and_labels"]
