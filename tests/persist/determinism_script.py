"""Fit deep models with random_state=0 on small real data; print one SHA-256 per model's predictions.

Run by test_determinism.py in a fresh process and in the test's own: the digests must be the same byte for byte.
"""

import hashlib
import sys
import warnings

import numpy as np


def digest(array) -> str:
    array = np.ascontiguousarray(array)
    return f"{array.dtype}{array.shape}:{hashlib.sha256(array.tobytes()).hexdigest()}"


def digests() -> list[str]:
    """One line per model: its name and the digest of its predictions on the data it was fitted on."""
    from deepmine.anomaly import AutoencoderDetector
    from deepmine.datasets import load
    from deepmine.tabular import DeepClassifier, DeepRegressor

    warnings.simplefilter("ignore")
    cancer, diabetes = load("breast_cancer"), load("diabetes")
    clf = DeepClassifier(hidden=(32, 16), max_epochs=3, random_state=0).fit(cancer.X, cancer.y)
    reg = DeepRegressor(hidden=(16,), max_epochs=3, random_state=0).fit(diabetes.X, diabetes.y)
    det = AutoencoderDetector(max_epochs=3, random_state=0).fit(cancer.X)
    return [f"classifier {digest(clf.predict_proba(cancer.X))}", f"regressor {digest(reg.predict(diabetes.X))}",
            f"autoencoder {digest(det.decision_function(cancer.X))}"]


def main() -> None:
    print("\n".join(digests()))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
