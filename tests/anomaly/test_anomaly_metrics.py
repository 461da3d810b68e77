"""anomaly_scores: ROC-AUC, average precision, precision at n and F1 against known labels."""

import numpy as np
import pytest

from deepmine.errors import DataError, TargetError
from deepmine.evaluation.anomaly_metrics import ANOMALY_METRICS, anomaly_scores


def test_scores_of_a_known_ranking():
    y = np.array([0, 0, 0, 0, 1, 0, 1, 0])
    scores = np.array([0.1, 0.2, 0.3, 0.9, 0.8, 0.0, 0.7, 0.4])  # one normal row outranks both anomalies
    flags = np.array([0, 0, 0, 1, 1, 0, 0, 0])
    result = anomaly_scores(y, scores, flags)
    assert tuple(result) == ANOMALY_METRICS
    assert result["roc_auc"] == pytest.approx(10 / 12)
    assert result["average_precision"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert result["precision_at_n"] == 0.5  # n = 2: the top two rows hold one anomaly
    assert result["f1"] == pytest.approx(0.5)


def test_perfect_ranking_and_no_flags():
    result = anomaly_scores([False, True, False], [0.0, 5.0, 1.0])
    assert result["roc_auc"] == result["average_precision"] == result["precision_at_n"] == 1.0
    assert np.isnan(result["f1"])


@pytest.mark.parametrize("labels, kind", [([0, 0, 0], "all normal"), ([1, 1, 1], "all anomalous")])
def test_labels_of_one_kind_are_refused(labels, kind):
    with pytest.raises(TargetError, match=f"labels for evaluation are {kind}.*ROC-AUC needs both"):
        anomaly_scores(labels, [0.1, 0.2, 0.3])


def test_bad_inputs_say_what_to_fix():
    with pytest.raises(TargetError, match="1 for anomalies and 0 for normal"):
        anomaly_scores(["a", "b"], [0.1, 0.2])
    with pytest.raises(DataError, match="one score per labelled row"):
        anomaly_scores([0, 1], [0.1])
    with pytest.raises(DataError, match="finite"):
        anomaly_scores([0, 1], [0.1, np.nan])
    with pytest.raises(TargetError, match="missing"):
        anomaly_scores([0, 1, np.nan], [0.1, 0.2, 0.3])
