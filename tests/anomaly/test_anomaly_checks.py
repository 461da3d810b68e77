"""scikit-learn's own contract checks, run over every deepmine anomaly detector."""

from sklearn.ensemble import IsolationForest
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepmine.anomaly import (AutoencoderDetector, DeepSVDD, IsolationForestDetector, LOFDetector,
                              OneClassSVMDetector, RobustCovarianceDetector, SklearnDetector, VAEDetector)

# Small, quick networks: the checks fit each estimator dozens of times on tiny data.
_FAST = dict(hidden=(16,), max_epochs=5, early_stopping=None, random_state=0, batch_size=32)

ESTIMATORS = [
    AutoencoderDetector(code_dim=2, **_FAST),
    VAEDetector(code_dim=2, **_FAST),
    DeepSVDD(code_dim=4, **_FAST),
    SklearnDetector(IsolationForest(n_estimators=10, random_state=0)),
    IsolationForestDetector(n_estimators=10, random_state=0),
    LOFDetector(n_neighbors=5),
    OneClassSVMDetector(),
    RobustCovarianceDetector(random_state=0),
]

# Every check the detectors do not pass, and why, kept in this one place. The detectors declare no
# estimator_type (see deepmine.anomaly.BaseDetector): scikit-learn's outlier checks want +1/-1
# predictions and scores that fall with anomaly, the opposite of the PyOD convention they follow,
# so those checks are not generated for them rather than listed here.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_contract(estimator, check):
    check(estimator)
