"""Image classifiers: convolutional networks (a small ResNet, LeNet-5) and classic models on pixels.

Both take any input :class:`~deepmine.vision.data.ImagePreprocessor` accepts: image arrays
(n, h, w), (n, h, w, c) or (n, c, h, w); flattened pixel rows (a 2-D array or a DataFrame of pixel
columns, square images unless ``image_shape`` says otherwise); or a list of image file paths::

    X, y = load_digits(return_X_y=True)             # 8x8 digits as rows of 64 pixels
    CNNClassifier(random_state=0).fit(X, y).predict(X[:5])
    PixelClassifier("svm").fit(X, y).predict_proba(X[:5])

:class:`CNNClassifier` trains on the shared Trainer, with light shift augmentation inside the
network (training mode only), and saves with :func:`deepmine.persist.save_model` as JSON +
safetensors; :class:`PixelClassifier` keeps scikit-learn estimators and saves with skops.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from deepmine.base import DeepEstimator, auto_or_positive, store_params
from deepmine.errors import DataError, ParameterError, check_class_labels, check_fitted, \
    check_positive_int
from deepmine.tabular._params import training_params_doc
from deepmine.tabular.classifier import _ClassifierBase
from deepmine.vision.data import ImageInput, ImagePreprocessor

ARCHITECTURES = ("resnet", "lenet")
PIXEL_METHODS = ("logistic", "svm", "knn")

# max_epochs="auto": about this many gradient steps, between _MIN_EPOCHS and _MAX_EPOCHS epochs
_STEP_BUDGET = {"resnet": 600, "lenet": 2400}
_MIN_EPOCHS, _MAX_EPOCHS = 10, 60

IMAGE_TRAINING_DOC = training_params_doc().replace("""    batch_size : int or "auto"
        Rows per mini-batch; "auto" gives about eight batches an epoch on small tables, up to 512 rows.
    max_epochs : int
        Passes over the training data at most.
""", """    batch_size : int or "auto"
        Images per mini-batch; "auto": 64, or an eighth of the images (at least 8) when there are fewer than 512.
    max_epochs : int or "auto"
        Passes over the training images; "auto": about 600 gradient steps for the ResNet and 2,400 for
        LeNet, between 10 and 60 epochs.
""").replace("""    roles : dict or None
        Column roles that override inference, e.g. ``{"zip": "categorical", "notes": "drop"}``.
""", "")


def auto_batch_size(n: int) -> int:
    return int(np.clip(n // 8, 8, 64))


def auto_epochs(n: int, batch_size: int, budget: int) -> int:
    steps = max(1, int(np.ceil(n / max(1, min(batch_size, n)))))
    return int(np.clip(round(budget / steps), _MIN_EPOCHS, _MAX_EPOCHS))


def _check_image_shape(image_shape):
    if image_shape is None:
        return None
    try:
        shape = tuple(int(s) for s in image_shape)
    except (TypeError, ValueError):
        shape = ()
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise ParameterError(f"image_shape must be (height, width) or (height, width, channels), got {image_shape!r}")
    return shape


class CNNClassifier(ImageInput, _ClassifierBase, DeepEstimator):
    __doc__ = """A convolutional image classifier: a small ResNet (default) or LeNet-5.

    "resnet" is ResNet-8-like (:class:`deepmine.nn.vision.SmallResNet`): a 3x3 stem, one residual
    block per entry of ``widths`` (batch norm; stride 2 from the second on), global average pooling,
    dropout, linear. "lenet" is LeNet-5 (:class:`deepmine.nn.vision.LeNet5`, ReLU, 'same' padding).
    In training each image is moved by up to 2 pixels (``augment``); evaluation sees them as given.

    Defaults (Adam, one-cycle schedule peaking at lr=3e-3, batches of 64, about 600 steps for the
    ResNet) reach 0.99 accuracy on sklearn's 8x8 digits and 0.97 or more on a 5,000-image MNIST
    sample with a 75/25 split, in under a minute and a few minutes of CPU respectively.

    Parameters
    ----------
    architecture : {"resnet", "lenet"}
    widths : tuple of int
        Channels of the ResNet's residual blocks (ignored by LeNet).
    dropout : float
        Dropout before the output layer (ResNet) or after each dense layer (LeNet).
    augment : bool or int
        Random shifts of up to 2 pixels (or this many) while training; False turns it off.
    flip : bool
        Random horizontal flips while training too (off: digits and text must not be mirrored).
    normalize : bool
        Standardise each channel with the training pixels' mean and sd.
    image_shape : (height, width[, channels]) or None
        How flat pixel rows were flattened, when they are not square one-channel images.
    size : int, (height, width) or None
        Resize every image to this size; None keeps the training size.
    class_weight : None, "balanced" or dict
""" + IMAGE_TRAINING_DOC + """
    Attributes
    ----------
    classes_, module_, preprocessor_ (ImagePreprocessor), history_, n_iter_, best_epoch_,
    n_features_in_ (pixel values per image).
    """

    _predict_batch_size = 512
    _input_preprocessor = ImagePreprocessor

    def __init__(self, architecture="resnet", widths=(32, 64, 128), dropout=0.0, augment=True, flip=False,
                 normalize=True, image_shape=None, size=None, class_weight=None, optimizer="adam", lr=3e-3,
                 weight_decay=0.0, batch_size="auto", max_epochs="auto", early_stopping=None,
                 validation_fraction=0.1, lr_schedule="onecycle", grad_clip=1.0, device="auto", precision="float32",
                 random_state=None, verbose=0, callbacks=None):
        store_params(self, locals())

    def _shift(self) -> int:
        if isinstance(self.augment, bool) or self.augment is None:
            return 2 if self.augment else 0
        if not isinstance(self.augment, (int, np.integer)) or self.augment < 0:
            raise ParameterError(f"augment must be True, False or a number of pixels, got {self.augment!r}")
        return int(self.augment)

    def _start_fit(self, X):
        if self.architecture not in ARCHITECTURES:
            raise ParameterError(f"architecture must be one of {', '.join(ARCHITECTURES)}, got {self.architecture!r}")
        _check_image_shape(self.image_shape)
        self._shift()
        if X is None:
            raise DataError("there are no images; give at least one to fit on")
        return X

    def _fit_preprocessor(self, X) -> np.ndarray:
        self.preprocessor_ = ImagePreprocessor(bool(self.normalize), self.size,
                                               _check_image_shape(self.image_shape)).fit(X)
        Xt = self.preprocessor_.transform(X)
        self.n_features_in_ = int(np.prod(self.preprocessor_.shape_))
        self._n_train = len(Xt)
        return Xt


    def _new_module(self):
        from deepmine.nn.vision import LeNet5, SmallResNet

        c, h, w = self.preprocessor_.shape_
        if self.architecture == "lenet":
            return LeNet5(c, self._n_outputs(), h, w, dropout=float(self.dropout), shift=self._shift(),
                          flip=bool(self.flip))
        widths = tuple(self.widths)
        if not widths or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in widths):
            raise ParameterError(f"widths must be a non-empty tuple of positive whole numbers, got {self.widths!r}")
        return SmallResNet(c, self._n_outputs(), widths, float(self.dropout), h, w, shift=self._shift(),
                           flip=bool(self.flip))

    def _training_settings(self) -> dict:
        n = getattr(self, "_n_train", 512)
        batch = auto_or_positive("batch_size", self.batch_size, lambda: auto_batch_size(n))
        epochs = auto_or_positive("max_epochs", self.max_epochs,
                                  lambda: auto_epochs(n, batch, _STEP_BUDGET.get(self.architecture, 1200)))
        return {"lr": self.lr, "max_epochs": epochs, "lr_schedule": self.lr_schedule, "batch_size": batch}


class PixelClassifier(ImageInput, ClassifierMixin, BaseEstimator):
    """A classic classifier on flattened pixels: logistic regression, an RBF SVM or k-nearest neighbours.

    Images are read as :class:`CNNClassifier` reads them (arrays, pixel tables, files), scaled to
    0..1, flattened, then standardised pixel by pixel (``StandardScaler``) for logistic regression;
    the RBF SVM and k-NN use the 0..1 pixels as they are (their Euclidean distances on raw pixels
    are what works: standardising rarely-inked edge pixels inflates them, and costs the SVM half a
    point on digits and MNIST).

    ``predict_proba``: logistic regression's and k-NN's own; the SVM's is the softmax of its
    one-vs-rest decision values (``SVC(probability=True)`` would fit five more SVMs by cross
    validation), so it ranks and agrees with ``predict`` but is not calibrated.

    Parameters
    ----------
    method : {"logistic", "svm", "knn"}
    C : float or None
        Inverse regularisation of logistic regression (default 0.1) and the SVM (default 5).
    n_neighbors : int
        Neighbours of k-NN (distance-weighted).
    image_shape : (height, width[, channels]) or None
    size : int, (height, width) or None
    random_state : int or None
    """

    def __init__(self, method="svm", C=None, n_neighbors=3, image_shape=None, size=None, random_state=None):
        store_params(self, locals())

    def _model(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.svm import SVC

        if self.method not in PIXEL_METHODS:
            raise ParameterError(f"method must be one of {', '.join(PIXEL_METHODS)}, got {self.method!r}")
        if self.C is not None and (isinstance(self.C, bool) or not isinstance(self.C, (int, float)) or self.C <= 0):
            raise ParameterError(f"C must be a positive number or None, got {self.C!r}")
        if self.method == "logistic":
            return LogisticRegression(C=0.1 if self.C is None else float(self.C), max_iter=1000,
                                      random_state=self.random_state)
        if self.method == "svm":
            return SVC(C=5.0 if self.C is None else float(self.C), kernel="rbf", gamma="scale",
                       decision_function_shape="ovr", random_state=self.random_state)
        check_positive_int("n_neighbors", self.n_neighbors)
        return KNeighborsClassifier(n_neighbors=int(self.n_neighbors), weights="distance")

    def _pixels(self, X, fit: bool = False) -> np.ndarray:
        if fit:
            self.preprocessor_ = ImagePreprocessor(False, self.size, _check_image_shape(self.image_shape)).fit(X)
        images = self.preprocessor_.transform(X)
        flat = images.reshape(images.shape[0], -1)
        if self.method != "logistic":
            return flat
        if fit:
            from sklearn.preprocessing import StandardScaler

            self.scaler_ = StandardScaler().fit(flat)
        return self.scaler_.transform(flat)

    def fit(self, X, y):
        model = self._model()
        if X is None:
            raise DataError("there are no images; give at least one to fit on")
        y = check_class_labels(y, len(X), "image")
        flat = self._pixels(X, fit=True)
        self.n_features_in_ = int(flat.shape[1])
        self.classes_, codes = np.unique(y, return_inverse=True)
        self.model_ = model.fit(flat, codes)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_`` (the SVM's from its decision values)."""
        check_fitted(self, "model_")
        flat = self._pixels(X)
        if self.method != "svm":
            return self.model_.predict_proba(flat)
        scores = self.model_.decision_function(flat)
        if scores.ndim == 1:  # two classes: the positive class's margin
            scores = np.column_stack([-scores, scores]) / 2.0
        scores = scores - scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each image."""
        check_fitted(self, "model_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


__all__ = ["CNNClassifier", "PixelClassifier"]
