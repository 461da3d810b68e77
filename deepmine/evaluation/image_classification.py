"""The candidate models of the "image_classification" task: CNNs beside classic classifiers on pixels."""

from __future__ import annotations

from deepmine.evaluation.tasks import Candidate


def image_classification_candidates() -> list[Candidate]:
    """The deep and traditional image classifiers that the "image_classification" task compares.

    Each takes image arrays, flattened pixel tables (square images) or lists of image files.
    """
    from deepmine.vision.classifiers import CNNClassifier, PixelClassifier

    return [
        Candidate("cnn_resnet", "deep", lambda s: CNNClassifier("resnet", random_state=s),
                  "small ResNet (stem + residual blocks of 32/64/128 channels, batch norm, global average "
                  "pooling), 2-pixel shift augmentation, Adam one-cycle"),
        Candidate("cnn_lenet", "deep", lambda s: CNNClassifier("lenet", random_state=s),
                  "LeNet-5 (conv 6@5x5, pool, conv 16@5x5, pool, 120-84 dense, ReLU), 2-pixel shift augmentation"),
        Candidate("logistic_pixels", "traditional", lambda s: PixelClassifier("logistic", random_state=s),
                  "multinomial logistic regression (C=0.1) on standardised pixels"),
        Candidate("svm_rbf_pixels", "traditional", lambda s: PixelClassifier("svm", random_state=s),
                  "RBF SVM (C=5, gamma='scale') on 0..1 pixels; probabilities from decision values"),
        Candidate("knn_pixels", "traditional", lambda s: PixelClassifier("knn", random_state=s),
                  "3 nearest neighbours (distance-weighted, Euclidean) on 0..1 pixels"),
    ]


__all__ = ["image_classification_candidates"]
