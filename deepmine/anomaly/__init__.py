"""Anomaly detection: autoencoder, VAE and Deep SVDD detectors beside Isolation Forest, LOF, one-class SVM and MCD."""

from deepmine.anomaly.autoencoder import AutoencoderDetector, VAEDetector
from deepmine.anomaly.base import BaseDetector
from deepmine.anomaly.deep import DeepDetector
from deepmine.anomaly.svdd import DeepSVDD
from deepmine.anomaly.traditional import (IsolationForestDetector, LOFDetector, OneClassSVMDetector,
                                          RobustCovarianceDetector, SklearnDetector, TableDetector)

__all__ = ["AutoencoderDetector", "BaseDetector", "DeepDetector", "DeepSVDD", "IsolationForestDetector", "LOFDetector",
           "OneClassSVMDetector", "RobustCovarianceDetector", "SklearnDetector", "TableDetector", "VAEDetector"]
