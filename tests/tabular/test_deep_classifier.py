"""DeepClassifier and LogisticNeuron on real tables: accuracy, probabilities, seeds, mixed types."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from deepmine.errors import ColumnError, TargetError, TrainingError
from deepmine.tabular import DeepClassifier, LogisticNeuron
from deepmine.training import Callback

SMALL = dict(hidden=(32,), max_epochs=15, random_state=0)


def _split(ds, seed=0):
    return train_test_split(ds.X, ds.y, test_size=0.25, random_state=seed, stratify=ds.y)


def test_deep_classifier_beats_majority_on_breast_cancer(breast_cancer):
    X_tr, X_te, y_tr, y_te = _split(breast_cancer)
    clf = DeepClassifier(random_state=0).fit(X_tr, y_tr)
    majority = DummyClassifier().fit(X_tr, y_tr).score(X_te, y_te)
    acc = clf.score(X_te, y_te)
    assert acc >= 0.93 and acc > majority + 0.25
    assert set(clf.classes_) == {"benign", "malignant"}
    assert clf.n_iter_ == len(clf.history_) and 1 <= clf.best_epoch_ <= clf.n_iter_


def test_logistic_neuron_matches_logistic_regression(breast_cancer):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    X_tr, X_te, y_tr, y_te = _split(breast_cancer)
    neuron = LogisticNeuron(random_state=0).fit(X_tr, y_tr).score(X_te, y_te)
    classic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_tr, y_tr).score(X_te, y_te)
    assert neuron >= classic - 0.03


def test_predict_proba_is_a_distribution_and_agrees_with_predict(penguins):
    X, y = penguins.X, penguins.y
    clf = DeepClassifier(**SMALL).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    assert clf.decision_function(X).shape == (len(X), 3)
    assert clf.score(X, y) > 0.9  # penguins species are nearly separable


def test_mixed_types_with_missing_values_and_unseen_category(penguins):
    X, y = penguins.X.copy(), penguins.y
    assert X.isna().any().any(), "penguins has gaps; the test relies on them"
    clf = DeepClassifier(**SMALL).fit(X, y)
    new = X.head(3).copy()
    new["island"] = ["Atlantis", None, "Biscoe"]  # an island never seen while fitting
    pred = clf.predict(new)
    assert len(pred) == 3 and set(pred) <= set(clf.classes_)


def test_same_seed_same_predictions_other_seed_differs(breast_cancer):
    X, y = breast_cancer.X, breast_cancer.y
    a = DeepClassifier(**SMALL).fit(X, y).predict_proba(X)
    b = DeepClassifier(**SMALL).fit(X, y).predict_proba(X)
    c = DeepClassifier(**{**SMALL, "random_state": 1}).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_fit_leaves_global_torch_rng_alone(breast_cancer):
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    DeepClassifier(**SMALL).fit(breast_cancer.X, breast_cancer.y)
    assert torch.equal(torch.rand(3), expected)


def test_balanced_class_weight_raises_minority_recall(churn_sample):
    from sklearn.metrics import recall_score

    X, y = churn_sample.drop(columns="churn"), churn_sample["churn"]
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    plain = DeepClassifier(**SMALL).fit(X_tr, y_tr)
    balanced = DeepClassifier(class_weight="balanced", **SMALL).fit(X_tr, y_tr)
    r_plain = recall_score(y_te, plain.predict(X_te), pos_label="yes")
    r_bal = recall_score(y_te, balanced.predict(X_te), pos_label="yes")
    assert r_bal > r_plain


def test_works_with_sklearn_tools(breast_cancer):
    X, y = breast_cancer.X.iloc[:, :8], breast_cancer.y
    pipe = make_pipeline(FunctionTransformer(np.log1p, feature_names_out="one-to-one"), DeepClassifier(**SMALL))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.85
    grid = GridSearchCV(DeepClassifier(**SMALL), {"hidden": [(8,), (32,)]}, cv=2).fit(X, y)
    assert grid.best_params_["hidden"] in [(8,), (32,)]
    fitted = DeepClassifier(**SMALL).fit(X, y)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).predict_proba(X), fitted.predict_proba(X))
    assert clone(fitted).get_params() == fitted.get_params() and not hasattr(clone(fitted), "module_")


def test_dataframe_columns_may_be_reordered_or_extra_but_not_missing(breast_cancer):
    X, y = breast_cancer.X, breast_cancer.y
    clf = DeepClassifier(**SMALL).fit(X, y)
    shuffled = X[X.columns[::-1]].assign(extra=1)
    np.testing.assert_array_equal(clf.predict_proba(shuffled), clf.predict_proba(X))
    with pytest.raises(ColumnError, match="mean_radius"):
        clf.predict(X.drop(columns="mean_radius"))


def test_target_errors_are_clear():
    X = np.random.RandomState(0).rand(20, 3)
    with pytest.raises(TargetError, match="only one class"):
        DeepClassifier(**SMALL).fit(X, np.zeros(20))
    with pytest.raises(TargetError, match="missing"):
        DeepClassifier(**SMALL).fit(X, np.array(["a", "b"] * 9 + [None, "a"], dtype=object))
    with pytest.raises(TargetError, match="regressor"):
        DeepClassifier(**SMALL).fit(X, np.linspace(0, 1, 20))


def test_diverging_training_says_lower_the_learning_rate(breast_cancer):
    clf = DeepClassifier(hidden=(32,), optimizer="sgd", lr=1e8, lr_schedule="constant", max_epochs=5,
                         early_stopping=None, random_state=0)
    with pytest.raises(TrainingError, match="lower the learning rate"):
        clf.fit(breast_cancer.X, breast_cancer.y)


def test_callbacks_and_history(breast_cancer):
    seen = []

    class Recorder(Callback):
        def on_epoch_end(self, trainer, record):
            seen.append(record["epoch"])

    clf = DeepClassifier(hidden=(16,), max_epochs=4, early_stopping=None, callbacks=[Recorder()], random_state=0)
    clf.fit(breast_cancer.X, breast_cancer.y)
    assert seen == [1, 2, 3, 4]
    assert list(clf.history_.columns[:2]) == ["epoch", "train_loss"]
    assert clf.history_.train_loss.iloc[-1] < clf.history_.train_loss.iloc[0]


def test_lr_find_suggests_a_rate(breast_cancer):
    result = DeepClassifier(hidden=(16,), random_state=0).lr_find(breast_cancer.X, breast_cancer.y, num=60)
    assert 1e-7 <= result.suggestion <= 10
    assert list(result.frame.columns) == ["lr", "loss"] and len(result.frame) >= 3


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "swish", "gelu"])
@pytest.mark.parametrize("norm", ["none", "batch", "layer"])
def test_every_activation_and_norm_learns(breast_cancer, activation, norm):
    X, y = breast_cancer.X, breast_cancer.y
    clf = DeepClassifier(hidden=(16,), activation=activation, norm=norm, max_epochs=8, early_stopping=None,
                         random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.85


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "adagrad"])
def test_every_optimizer_learns(breast_cancer, optimizer):
    lr = {"sgd": 0.05, "adagrad": 0.05}.get(optimizer, 3e-3)
    clf = DeepClassifier(hidden=(16,), optimizer=optimizer, lr=lr, max_epochs=8, early_stopping=None,
                         random_state=0).fit(breast_cancer.X, breast_cancer.y)
    assert clf.score(breast_cancer.X, breast_cancer.y) > 0.85


def test_string_and_integer_labels_round_trip():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.randn(120), "b": rng.randn(120)})
    y_int = (X.a + X.b > 0).astype(int) * 7  # labels 0 and 7
    clf = DeepClassifier(**SMALL).fit(X, y_int)
    assert set(clf.predict(X)) <= {0, 7}
