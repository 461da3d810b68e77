"""scikit-learn's own contract checks, run over every deepmine estimator that takes tables.

The estimators that take texts cannot be run through these checks (scikit-learn skips any estimator
whose input is strings); tests/text/test_text_contract.py checks the parts of the contract that apply.
"""

from sklearn.ensemble import IsolationForest
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepmine.anomaly import (AutoencoderDetector, DeepSVDD, IsolationForestDetector, LOFDetector,
                              OneClassSVMDetector, RobustCovarianceDetector, SklearnDetector, VAEDetector)
from deepmine.cluster import DEC, AutoencoderKMeans, TraditionalClusterer
from deepmine.data.preprocess import TabularPreprocessor
from deepmine.tabular import (DeepClassifier, DeepRegressor, LinearNeuron, LogisticNeuron, RealMLPClassifier,
                              RealMLPRegressor, TabMClassifier, TabMRegressor)

# Small, quick networks: the checks fit each estimator dozens of times on tiny data.
_FAST = dict(max_epochs=30, early_stopping=None, random_state=0, batch_size=32)
_FAST_DETECTOR = dict(hidden=(16,), max_epochs=5, early_stopping=None, random_state=0, batch_size=32)
_FAST_CLUSTERER = dict(hidden=(16,), code_dim=2, max_epochs=20, batch_size=16, lr=1e-2, random_state=0)

ESTIMATORS = [
    # tables: classification and regression
    DeepClassifier(hidden=(32,), lr=1e-2, **_FAST),
    LogisticNeuron(lr=5e-2, **_FAST),
    DeepRegressor(hidden=(32,), lr=1e-2, **_FAST),
    LinearNeuron(lr=5e-2, **_FAST),
    RealMLPClassifier(hidden=(32, 32), **_FAST),
    RealMLPRegressor(hidden=(32, 32), **_FAST),
    TabMClassifier(k=4, d_block=32, d_embedding=4, n_bins=8, lr=1e-2, **_FAST),
    TabMRegressor(k=4, d_block=32, d_embedding=4, n_bins=8, lr=1e-2, **_FAST),
    TabularPreprocessor(),
    # clustering
    AutoencoderKMeans(**_FAST_CLUSTERER),
    DEC(cluster_epochs=10, **_FAST_CLUSTERER),
    DEC(idec=True, cluster_epochs=10, **_FAST_CLUSTERER),
    TraditionalClusterer("kmeans", random_state=0),
    TraditionalClusterer("gmm", covariance_type="diag", random_state=0),
    TraditionalClusterer("agglomerative"),
    # anomaly detection
    AutoencoderDetector(code_dim=2, **_FAST_DETECTOR),
    VAEDetector(code_dim=2, **_FAST_DETECTOR),
    DeepSVDD(code_dim=4, **_FAST_DETECTOR),
    SklearnDetector(IsolationForest(n_estimators=10, random_state=0)),
    IsolationForestDetector(n_estimators=10, random_state=0),
    LOFDetector(n_neighbors=5),
    OneClassSVMDetector(),
    RobustCovarianceDetector(random_state=0),
]

# Every check a deepmine estimator does not pass, and why, kept in this one place.
# Notes on what is not generated rather than failed:
# - the 5 skipped checks per estimator are scikit-learn's array-API checks, run only with
#   SCIPY_ARRAY_API=1; deepmine takes numpy arrays and DataFrames, not array-API namespaces;
# - the anomaly detectors declare no estimator_type (see deepmine.anomaly.BaseDetector):
#   scikit-learn's outlier checks want +1/-1 predictions and scores that fall with anomaly, the
#   opposite of the PyOD convention the detectors follow, so those checks are not generated.
_ONE_ROW_BATCHES = (
    "the check predicts each row alone and compares with the whole batch at rtol 1e-7; float32 matrix products sum "
    "a one-row batch in another order (a different BLAS kernel), and RealMLP's periodic embeddings amplify that to "
    "about 5e-7 (checked: a bare torch.nn.Linear differs by 1e-6 between the two)")
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "RealMLPClassifier": {"check_methods_subset_invariance": _ONE_ROW_BATCHES},
    "RealMLPRegressor": {"check_methods_subset_invariance": _ONE_ROW_BATCHES},
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_contract(estimator, check):
    check(estimator)
