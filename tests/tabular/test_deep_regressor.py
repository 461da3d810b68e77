"""DeepRegressor and LinearNeuron on real tables: R², target scaling, multi-output."""

import numpy as np
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split

from deepmine.errors import TargetError
from deepmine.tabular import DeepRegressor, LinearNeuron


def _split(ds):
    return train_test_split(ds.X, ds.y, test_size=0.25, random_state=0)


def test_deep_regressor_beats_the_mean_on_diabetes(diabetes):
    X_tr, X_te, y_tr, y_te = _split(diabetes)
    reg = DeepRegressor(hidden=(64,), random_state=0).fit(X_tr, y_tr)
    assert DummyRegressor().fit(X_tr, y_tr).score(X_te, y_te) < 0.01
    assert reg.score(X_te, y_te) > 0.35
    # predictions come back in the target's own units, not standardised ones
    assert abs(reg.predict(X_te).mean() - y_te.mean()) < 0.25 * y_te.std()


def test_linear_neuron_trained_to_convergence_is_least_squares(diabetes):
    X_tr, X_te, y_tr, y_te = _split(diabetes)
    neuron = LinearNeuron(random_state=0, max_epochs=200, early_stopping=None).fit(X_tr, y_tr)
    ols = LinearRegression().fit(X_tr, y_tr)
    assert neuron.score(X_te, y_te) == pytest.approx(ols.score(X_te, y_te), abs=0.01)
    np.testing.assert_allclose(neuron.predict(X_te), ols.predict(X_te), rtol=0.05, atol=3.0)


def test_multi_output_targets(diabetes):
    X = diabetes.X
    Y = np.column_stack([diabetes.y, X["bmi"] * 10])
    reg = DeepRegressor(hidden=(32,), max_epochs=30, random_state=0).fit(X.drop(columns="bmi"), Y)
    pred = reg.predict(X.drop(columns="bmi"))
    assert pred.shape == (len(X), 2) and reg.n_outputs_ == 2


def test_huber_loss_and_single_column_target(diabetes):
    reg = DeepRegressor(hidden=(16,), loss="huber", max_epochs=10, random_state=0)
    pred = reg.fit(diabetes.X, diabetes.y.to_frame()).predict(diabetes.X)
    assert pred.shape == (len(diabetes.X), 1)


def test_target_must_be_numeric_and_finite(diabetes):
    X = diabetes.X.head(30)
    with pytest.raises(TargetError, match="not numeric"):
        DeepRegressor(max_epochs=1).fit(X, ["a"] * 30)
    y = diabetes.y.head(30).to_numpy().copy()
    y[3] = np.nan
    with pytest.raises(TargetError, match="missing"):
        DeepRegressor(max_epochs=1).fit(X, y)
