"""Tests for the torch building blocks: MLP and TabularNet."""

import pandas as pd
import pytest
import torch
from torch import nn

from deepmine.data.preprocess import TabularPreprocessor
from deepmine.datasets import load
from deepmine.nn import ACTIVATIONS, MLP, NORMS, TabularNet, activation, embedding_size


def _count(module: nn.Module, cls) -> int:
    return sum(isinstance(m, cls) for m in module.modules())


# ----------------------------------------------------------------------------- MLP


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_mlp_output_shape_for_every_activation(name):
    torch.manual_seed(0)
    mlp = MLP(5, 3, hidden=(8, 4), activation_name=name)
    out = mlp(torch.randn(7, 5))
    assert out.shape == (7, 3)
    assert torch.isfinite(out).all()
    linears = [m for m in mlp if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(5, 8), (8, 4), (4, 3)]
    if name != "identity":  # nn.Identity layers are left out of the stack
        assert _count(mlp, ACTIVATIONS[name]) == 2
        assert isinstance(mlp[1], ACTIVATIONS[name])  # Linear -> activation when there is no norm
    assert isinstance(mlp[-1], nn.Linear)  # a linear head, no activation on the output


def test_activation_returns_fresh_modules():
    assert activation("relu") is not activation("relu")
    assert isinstance(activation("swish"), nn.SiLU)


@pytest.mark.parametrize("norm", NORMS)
def test_mlp_output_shape_for_every_norm(norm):
    torch.manual_seed(0)
    mlp = MLP(6, 2, hidden=(8, 8), norm=norm)
    out = mlp(torch.randn(5, 6))  # training mode: batch norm needs more than one row, 5 is enough
    assert out.shape == (5, 2)
    mlp.eval()
    assert mlp(torch.randn(1, 6)).shape == (1, 2)  # one row at inference is fine in every norm
    expected = {"none": (0, 0), "batch": (2, 0), "layer": (0, 2)}[norm]
    assert (_count(mlp, nn.BatchNorm1d), _count(mlp, nn.LayerNorm)) == expected
    if norm != "none":  # Linear -> norm -> activation
        assert isinstance(mlp[1], (nn.BatchNorm1d, nn.LayerNorm)) and isinstance(mlp[2], nn.ReLU)


def test_no_hidden_layers_is_a_single_linear_layer():
    mlp = MLP(4, 3, hidden=())
    assert len(mlp) == 1
    assert isinstance(mlp[0], nn.Linear)
    assert (mlp[0].in_features, mlp[0].out_features) == (4, 3)
    assert sum(p.numel() for p in mlp.parameters()) == 4 * 3 + 3
    assert mlp(torch.randn(2, 4)).shape == (2, 3)


def test_dropout_layers_only_when_dropout_is_positive():
    with_dropout = MLP(4, 1, hidden=(8, 8, 8), dropout=0.3)
    drops = [m for m in with_dropout if isinstance(m, nn.Dropout)]
    assert len(drops) == 3
    assert all(d.p == pytest.approx(0.3) for d in drops)
    assert _count(MLP(4, 1, hidden=(8, 8, 8), dropout=0.0), nn.Dropout) == 0
    # dropout acts in training mode only
    torch.manual_seed(0)
    x = torch.randn(16, 4)
    with_dropout.eval()
    assert torch.equal(with_dropout(x), with_dropout(x))


@pytest.mark.parametrize(
    "option, value, choices",
    [
        pytest.param("activation_name", "softplusplus", ACTIVATIONS, id="activation"),
        pytest.param("norm", "group", NORMS, id="norm"),
    ],
)
def test_unknown_name_names_the_choices(option, value, choices):
    with pytest.raises(ValueError) as info:
        MLP(4, 1, hidden=(8,), **{option: value})
    message = str(info.value)
    assert value in message
    for name in choices:
        assert name in message


@pytest.mark.parametrize("kwargs", [{"activation_name": "softplusplus"}, {"norm": "group"}])
def test_unknown_names_are_rejected_even_without_hidden_layers(kwargs):
    with pytest.raises(ValueError):
        MLP(4, 1, hidden=(), **kwargs)


# ----------------------------------------------------------------------------- TabularNet


def test_embedding_size_rule():
    assert embedding_size(2) == 2
    assert embedding_size(10) == round(1.6 * 10 ** 0.56)
    sizes = [embedding_size(c) for c in range(2, 2000, 37)]
    assert sizes == sorted(sizes)  # wider for more levels
    assert embedding_size(10**7) == 600  # capped


def test_tabular_net_shapes_and_embedding_sizes():
    torch.manual_seed(0)
    cards = [4, 10, 50]
    net = TabularNet(n_numeric=3, cardinalities=cards, n_out=2, hidden=(16,))
    assert [e.num_embeddings for e in net.embeddings] == cards
    assert [e.embedding_dim for e in net.embeddings] == [embedding_size(c) for c in cards]
    first = next(m for m in net.mlp if isinstance(m, nn.Linear))
    assert first.in_features == 3 + sum(embedding_size(c) for c in cards)

    numeric = torch.randn(6, 3)
    codes = torch.tensor([[0, 0, 0], [1, 9, 49], [3, 5, 0], [0, 2, 7], [2, 0, 1], [1, 1, 1]], dtype=torch.float32)
    out = net(torch.cat([numeric, codes], dim=1))  # code 0 = unseen or rare level
    assert out.shape == (6, 2)
    assert torch.isfinite(out).all()


def test_tabular_net_uses_the_codes():
    torch.manual_seed(0)
    net = TabularNet(n_numeric=1, cardinalities=[5], n_out=1, hidden=(8,)).eval()
    x0 = torch.tensor([[0.5, 0.0]])
    x3 = torch.tensor([[0.5, 3.0]])
    assert not torch.equal(net(x0), net(x3))  # different levels, different embeddings


def test_tabular_net_with_only_categorical_or_only_numeric_inputs():
    torch.manual_seed(0)
    only_cat = TabularNet(n_numeric=0, cardinalities=[3, 7], n_out=4, hidden=(8,))
    assert only_cat(torch.tensor([[0.0, 6.0], [2.0, 0.0]])).shape == (2, 4)
    only_num = TabularNet(n_numeric=5, cardinalities=[], n_out=1, hidden=(8,), embedding_dropout=0.2)
    assert only_num(torch.randn(3, 5)).shape == (3, 1)


def test_tabular_net_on_preprocessed_penguins_with_an_unseen_island():
    X = load("penguins").X
    pre = TabularPreprocessor().fit(X)
    torch.manual_seed(0)
    net = TabularNet(pre.n_numeric_, pre.cardinalities_, n_out=3, hidden=(16,), norm="batch",
                     dropout=0.1, embedding_dropout=0.1)
    net(torch.as_tensor(pre.transform(X)))  # a training-mode pass over real data
    new = X.head(4).copy()
    new["island"] = pd.Series(["Atlantis"] * 4, index=new.index, dtype=X["island"].dtype)
    Xt = torch.as_tensor(pre.transform(new))
    assert (Xt[:, pre.n_numeric_ + pre.categorical_.index("island")] == 0).all()
    net.eval()
    out = net(Xt)
    assert out.shape == (4, 3)
    assert torch.isfinite(out).all()


def test_fast_dropout_drops_its_share_keeps_the_mean_and_is_seeded():
    from deepmine.nn.dropout import FastDropout, fast_dropout, replace_dropout

    x = torch.ones(400, 500)
    torch.manual_seed(0)
    y = fast_dropout(x, 0.2)
    assert abs(float((y == 0).float().mean()) - 0.2) < 0.005
    assert abs(float(y.mean()) - 1.0) < 0.01  # kept values are scaled up by 1 / (1 - p)
    torch.manual_seed(0)
    assert torch.equal(fast_dropout(x, 0.2), y)
    assert fast_dropout(x, 0.2, training=False) is x and fast_dropout(x, 0.0) is x
    net = replace_dropout(torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Dropout(0.3)))
    assert isinstance(net[1], FastDropout) and net[1].p == 0.3
