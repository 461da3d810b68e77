"""RealMLP and TabM on real tables: scores, the recipe's pieces, the size rule, saving and streaming."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.dummy import DummyRegressor
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from deepmine.nn.realmlp import RealMLPNet, smooth_clip
from deepmine.nn.tabm import TabMNet
from deepmine.persist import load
from deepmine.tabular import RealMLPClassifier, RealMLPRegressor, TabMClassifier, TabMRegressor
from deepmine.tabular._sizing import scaled_batch_size, scaled_epochs
from deepmine.training.optim import coslog, flat_cos

_SMALL_TABM = dict(k=8, d_block=64, max_epochs=40)


def _churn_split(churn_sample):
    X, y = churn_sample.drop(columns="churn"), churn_sample["churn"]
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.mark.parametrize("model", [RealMLPClassifier(max_epochs=40, random_state=0),
                                   TabMClassifier(**_SMALL_TABM, random_state=0)], ids=["realmlp", "tabm"])
def test_classifiers_beat_the_majority_on_churn(model, churn):
    X_tr, X_te, y_tr, y_te = _churn_split(churn)
    model.fit(X_tr, y_tr)
    majority = (y_te == y_tr.mode()[0]).mean()
    proba = model.predict_proba(X_te)
    assert model.score(X_te, y_te) > majority + 0.03  # 0.859; a plain MLP reaches about 0.91, boosting 0.95
    assert roc_auc_score(y_te == "yes", proba[:, list(model.classes_).index("yes")]) > 0.85
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert list(model.classes_) == sorted(y_tr.unique())
    # the weights kept are the best epoch's on the validation part
    assert model.best_epoch_ == int(model.history_["valid_accuracy"].idxmax()) + 1


@pytest.mark.parametrize("cls,kw", [(RealMLPRegressor, dict(max_epochs=60)), (TabMRegressor, _SMALL_TABM)],
                         ids=["realmlp", "tabm"])
def test_regressors_beat_the_mean_on_diabetes(cls, kw, diabetes):
    X_tr, X_te, y_tr, y_te = train_test_split(diabetes.X, diabetes.y, test_size=0.25, random_state=0)
    reg = cls(**kw, random_state=0).fit(X_tr, y_tr)
    assert DummyRegressor().fit(X_tr, y_tr).score(X_te, y_te) < 0.01
    assert reg.score(X_te, y_te) > 0.25  # ridge: 0.37, a plain MLP: about 0.35 on this 331-row table


def test_realmlp_clamps_predictions_to_the_training_targets(diabetes):
    reg = RealMLPRegressor(max_epochs=5, random_state=0).fit(diabetes.X, diabetes.y)
    far = diabetes.X * 50  # far outside the training rows: an unclamped network extrapolates freely
    pred = reg.predict(far)
    assert pred.min() >= diabetes.y.min() - 1e-6 and pred.max() <= diabetes.y.max() + 1e-6


def test_multiclass_with_categories_and_missing_values(penguins):
    X, y = penguins.X, penguins.y
    assert X.isna().any().any() and not all(pd.api.types.is_numeric_dtype(t) for t in X.dtypes)
    for model in (RealMLPClassifier(max_epochs=30, random_state=0), TabMClassifier(**_SMALL_TABM, random_state=0)):
        assert model.fit(X, y).score(X, y) > 0.9
        assert model.predict_proba(X).shape == (len(X), 3)


def test_the_recipe_pieces():
    # smooth clipping: the identity near 0, bounded by 3 far away
    x = torch.tensor([0.0, 0.1, 1e6, -1e6])
    np.testing.assert_allclose(smooth_clip(x).numpy(), [0.0, 0.1 / np.sqrt(1 + (0.1 / 3) ** 2), 3.0, -3.0], atol=1e-5)
    # coslog4 starts and ends at 0 and peaks at 1 four times; flat_cos holds 1 for half the run
    assert coslog(0.0) == pytest.approx(0.0) and coslog(1.0) == pytest.approx(0.0, abs=1e-12)
    peaks = [(2 ** (c + 0.5) - 1) / 15 for c in range(4)]  # log2(1 + 15 t) at the middle of each cycle
    assert [coslog(t) for t in peaks] == pytest.approx([1.0] * 4) and coslog((2 ** 1 - 1) / 15) == pytest.approx(0.0)
    assert flat_cos(0.3) == 1.0 and flat_cos(0.75) == pytest.approx(0.5) and flat_cos(1.0) == pytest.approx(0.0)
    # data-dependent start: unit-variance pre-activations and kinks inside the data
    torch.manual_seed(0)
    net = RealMLPNet(3, [4, 40], 1, hidden=(16, 16))
    X = torch.cat([torch.randn(500, 3) * torch.tensor([1.0, 100.0, 0.01]) + 5,
                   torch.randint(0, 4, (500, 1)).float(), torch.randint(0, 40, (500, 1)).float()], dim=1)
    net.init_from_data(X)
    assert [len(net.embedded), len(net.one_hot)] == [1, 1]  # 40 levels embedded, 4 one-hot
    h = net.features(X)
    pre = (h @ net.layers[0].weight) * net.layers[0].factor
    np.testing.assert_allclose(pre.std(dim=0, correction=0).detach().numpy(), 1.0, rtol=1e-3)
    out = pre + net.layers[0].bias
    assert ((out > 0).float().mean(dim=0) > 0).all() and ((out < 0).float().mean(dim=0) > 0).all()
    # the paper's learning-rate factors: biases 0.1, scales 6
    factors = {id(p): g["lr_factor"] for g in net.parameter_groups() for p in g["params"]}
    assert factors[id(net.layers[0].bias)] == 0.1 and factors[id(net.feature_scale)] == 6.0
    assert len(factors) == len(list(net.parameters()))  # every parameter is in exactly one group


def test_tabm_trains_each_member_and_predicts_their_mean_probability():
    torch.manual_seed(0)
    net = TabMNet(2, [3], 3, head="multiclass", k=4, d_block=16)
    x = torch.cat([torch.randn(10, 2), torch.randint(0, 3, (10, 1)).float()], dim=1)
    net.train()
    members = net(x)
    assert members.shape == (10, 4, 3)
    net.eval()
    expected = torch.softmax(net.members(x), dim=-1).mean(dim=1)
    np.testing.assert_allclose(torch.softmax(net(x), dim=1).detach().numpy(), expected.detach().numpy(), rtol=1e-5)


def test_size_rule():
    assert scaled_batch_size(5_000) == 256 and scaled_batch_size(40_000) == 512
    assert scaled_batch_size(200_000) == 2048 and scaled_batch_size(10_000_000) == 2048
    assert scaled_epochs(5_000, 256, 10_000, 64) == 256 and scaled_epochs(40_000, 256, 10_000, 64) == 128
    assert scaled_epochs(10_000_000, 256, 10_000, 64) == 64


@pytest.mark.parametrize("model", [RealMLPClassifier(max_epochs=5, random_state=0),
                                   TabMClassifier(k=4, d_block=32, max_epochs=5, random_state=0)],
                         ids=["realmlp", "tabm"])
def test_saved_model_predicts_the_same_and_same_seed_same_model(model, churn_sample, tmp_path):
    X_tr, X_te, y_tr, _ = _churn_split(churn_sample)
    model.fit(X_tr, y_tr)
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(load(tmp_path / "m").predict_proba(X_te), model.predict_proba(X_te))
    again = type(model)(**model.get_params()).fit(X_tr, y_tr)
    np.testing.assert_array_equal(again.predict_proba(X_te), model.predict_proba(X_te))


@pytest.mark.parametrize("model", [RealMLPRegressor(max_epochs=3, random_state=0),
                                   TabMRegressor(k=4, d_block=32, max_epochs=3, random_state=0)],
                         ids=["realmlp", "tabm"])
def test_fit_stream_reads_a_parquet_file(model, diamonds_head, tmp_path):
    path = tmp_path / "d.parquet"
    diamonds_head.to_parquet(path, row_group_size=500)
    model.set_params(batch_size=256).fit_stream(path, "price", batch_rows=500, valid_rows=500)
    pred = model.predict(diamonds_head.drop(columns="price"))
    r2 = 1 - ((pred - diamonds_head["price"]) ** 2).sum() / ((diamonds_head["price"] - diamonds_head["price"].mean()) ** 2).sum()
    assert r2 > 0.6  # the mean scores 0; three epochs of 2,500 rows already explain most of the price


@pytest.fixture(scope="module")
def diamonds_head():
    from deepmine.datasets import load

    frame = load("diamonds").frame
    return pd.DataFrame(frame.sample(3000, random_state=0)).reset_index(drop=True)


@pytest.mark.parametrize("model", [RealMLPClassifier(max_epochs=3, random_state=0),
                                   TabMClassifier(k=4, d_block=32, max_epochs=3, random_state=0)],
                         ids=["realmlp", "tabm"])
def test_explained_and_predicted_from_the_command_line(model, churn_sample, tmp_path):
    from typer.testing import CliRunner

    from deepmine.cli.main import app
    from deepmine.explain import explain

    X_tr, X_te, y_tr, _ = _churn_split(churn_sample)
    model.fit(X_tr, y_tr)
    rows = X_te.head(3)
    attribution = explain(model, rows, nsamples=64)  # Kernel SHAP: embeddings are not traced to columns
    assert attribution.method == "kernel_shap" and attribution.values.shape == (3, X_te.shape[1])
    np.testing.assert_allclose(attribution.output, model.predict_proba(rows)[:, 1], atol=1e-6)
    model.save(tmp_path / "model")
    X_te.to_csv(tmp_path / "rows.csv", index=False)
    result = CliRunner().invoke(app, ["predict", str(tmp_path / "model"), str(tmp_path / "rows.csv"),
                                      "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "p.csv")
    assert len(written) == len(X_te)
    assert (written["prediction"].astype(str).to_numpy() == model.predict(X_te).astype(str)).all()
