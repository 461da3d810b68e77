"""The scikit-learn contract for the time-series estimators, all in one place.

scikit-learn's ``parametrize_with_checks`` feeds 2-D tables, which a series classifier reads as
univariate series and a forecaster cannot take at all, so the parts of the contract that apply
are checked here for every series classifier and forecaster: default-constructible with parameters
stored unchanged, clone, fit returns self, nothing learned in ``__init__``, not-fitted use raises
NotFittedError, a pickle predicts the same, and the same seed reproduces the predictions.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
from contract import check_constructible_and_clone
from sklearn.base import clone
from ucr import load_ucr

from deepmine.errors import NotFittedError
from deepmine.timeseries.baselines import KNeighborsSeriesClassifier, RocketClassifier, SummaryForestClassifier
from deepmine.timeseries.classifiers import (CNNRNNClassifier, FCNClassifier, InceptionTimeClassifier,
                                             LSTMClassifier, ResNetClassifier)
from deepmine.timeseries.forecast_baselines import (ARIMAForecaster, ETSForecaster, NaiveForecaster,
                                                    SeasonalNaiveForecaster)
from deepmine.timeseries.forecasters import LSTMForecaster, MLPForecaster, NBEATSForecaster, Seq2SeqForecaster

_TINY = dict(max_epochs=2, random_state=0)
CLASSIFIERS = [FCNClassifier(filters=(8, 8), kernels=(3, 3), **_TINY), ResNetClassifier(filters=(8,), **_TINY),
               InceptionTimeClassifier(depth=3, filters=4, bottleneck=4, **_TINY), CNNRNNClassifier(**_TINY),
               LSTMClassifier(hidden=8, **_TINY), KNeighborsSeriesClassifier("euclidean"),
               KNeighborsSeriesClassifier("dtw"), RocketClassifier(n_kernels=200, random_state=0),
               SummaryForestClassifier(n_estimators=10, random_state=0)]
FORECASTERS = [MLPForecaster(hidden=(8,), max_epochs=2, random_state=0), LSTMForecaster(hidden=4, max_epochs=2,
               random_state=0), NBEATSForecaster(n_blocks=1, width=8, layers=1, max_epochs=2, random_state=0),
               Seq2SeqForecaster(hidden=4, attention=4, max_epochs=2, random_state=0),
               NaiveForecaster(), SeasonalNaiveForecaster(), ETSForecaster(), ARIMAForecaster()]


def _ids(estimators):
    return [type(e).__name__ + ("-dtw" if getattr(e, "distance", None) == "dtw" else "") for e in estimators]


@pytest.fixture(scope="module")
def italy():
    Xtr, ytr, Xte, _ = load_ucr("ItalyPowerDemand")
    return Xtr, ytr, Xte[:50]


@pytest.fixture(scope="module")
def airline():
    from aeon.datasets import load_airline

    return pd.Series(np.asarray(load_airline(), dtype=float),
                     index=pd.date_range("1949-01-01", periods=144, freq="MS"), name="passengers")


@pytest.mark.parametrize("estimator", CLASSIFIERS + FORECASTERS, ids=_ids(CLASSIFIERS + FORECASTERS))
def test_default_constructible_params_unchanged_and_clone(estimator):
    check_constructible_and_clone(estimator)


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_ids(CLASSIFIERS))
def test_classifier_contract(estimator, italy):
    Xtr, ytr, Xte = italy
    model = clone(estimator)
    with pytest.raises(NotFittedError):
        model.predict(Xte)
    assert model.fit(Xtr, ytr) is model
    assert list(model.classes_) == ["1", "2"] and model.get_params() == estimator.get_params()
    proba = model.predict_proba(Xte)
    assert proba.shape == (len(Xte), 2) and np.allclose(proba.sum(1), 1)
    assert set(model.predict(Xte)) <= {"1", "2"}
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).predict_proba(Xte), proba, atol=1e-6)
    np.testing.assert_allclose(clone(estimator).fit(Xtr, ytr).predict_proba(Xte), proba, atol=1e-6)


@pytest.mark.parametrize("estimator", FORECASTERS, ids=_ids(FORECASTERS))
def test_forecaster_contract(estimator, airline):
    model = clone(estimator)
    with pytest.raises(NotFittedError):
        model.predict(3)
    assert model.fit(airline, horizon=6) is model and model.get_params() == estimator.get_params()
    forecast = model.predict(6)
    assert list(forecast.columns) == ["forecast", "lower", "upper"] and len(forecast) == 6
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(model)).predict(6), forecast)
    pd.testing.assert_frame_equal(clone(estimator).fit(airline, horizon=6).predict(6), forecast)
