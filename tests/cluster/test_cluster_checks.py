"""scikit-learn's own contract checks, run over every deepmine clusterer."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from deepmine.cluster import DEC, AutoencoderKMeans, TraditionalClusterer

# Small networks: the checks fit each estimator dozens of times on tiny data.
_FAST = dict(hidden=(16,), code_dim=2, max_epochs=20, batch_size=16, lr=1e-2, random_state=0)

ESTIMATORS = [
    AutoencoderKMeans(**_FAST),
    DEC(cluster_epochs=10, **_FAST),
    DEC(idec=True, cluster_epochs=10, **_FAST),
    TraditionalClusterer("kmeans", random_state=0),
    TraditionalClusterer("gmm", covariance_type="diag", random_state=0),
    TraditionalClusterer("agglomerative"),
]

# Every check a clusterer does not pass, and why, kept in this one place.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_contract(estimator, check):
    check(estimator)
