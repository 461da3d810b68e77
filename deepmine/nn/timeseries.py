"""Torch networks over time series: FCN, ResNet, InceptionTime, a parallel CNN + RNN, and a (bi)LSTM.

Every network takes a float tensor shaped (batch, channels, length) and returns logits
(batch, n_out). Convolutions use 'same' padding, so any length of one or more steps works and
the output length equals the input length until global average pooling over time.
"""

from __future__ import annotations

import torch
from torch import nn


def _same_conv(in_channels: int, out_channels: int, kernel_size: int) -> nn.Module:
    """A bias-free Conv1d whose output is as long as its input (explicit padding for even kernels)."""
    if kernel_size % 2:
        return nn.Conv1d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
    total = kernel_size - 1
    return nn.Sequential(nn.ConstantPad1d((total // 2, total - total // 2), 0.0),
                         nn.Conv1d(in_channels, out_channels, kernel_size, bias=False))


class ConvBlock(nn.Sequential):
    """Conv1d ('same' padding) -> BatchNorm -> ReLU (optional)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, relu: bool = True):
        layers = [_same_conv(in_channels, out_channels, kernel_size), nn.BatchNorm1d(out_channels)]
        if relu:
            layers.append(nn.ReLU())
        super().__init__(*layers)


def _pool_time(h: torch.Tensor, pooling: str) -> torch.Tensor:
    """(batch, dim, length) -> (batch, dim)."""
    return h.amax(dim=2) if pooling == "max" else h.mean(dim=2)


class PooledConvNet(nn.Module):
    """Convolutional ``blocks`` -> global average pooling over time -> dropout -> linear ``head``."""

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x).mean(dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x)))


class FCNNet(PooledConvNet):
    """Wang et al. (2017) fully convolutional network: conv blocks -> global average pooling -> linear."""

    def __init__(self, n_channels: int, n_out: int, filters=(128, 256, 128), kernels=(8, 5, 3), dropout: float = 0.0):
        super().__init__()
        if len(filters) != len(kernels) or not filters:
            raise ValueError("filters and kernels must be non-empty and of the same length")
        widths = [n_channels, *filters]
        self.blocks = nn.Sequential(*[ConvBlock(widths[i], widths[i + 1], kernels[i]) for i in range(len(filters))])
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(widths[-1], n_out)


class ResidualBlock(nn.Module):
    """Three conv blocks (kernels 8, 5, 3) whose output is added to a 1x1 conv + BN shortcut, then ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernels=(8, 5, 3)):
        super().__init__()
        widths = [in_channels] + [out_channels] * len(kernels)
        self.body = nn.Sequential(*[ConvBlock(widths[i], widths[i + 1], k, relu=i < len(kernels) - 1)
                                    for i, k in enumerate(kernels)])
        self.shortcut = ConvBlock(in_channels, out_channels, 1, relu=False)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.body(x) + self.shortcut(x))


class ResNetNet(PooledConvNet):
    """Wang et al. (2017) ResNet: residual blocks of 64, 128, 128 filters -> global average pooling -> linear."""

    def __init__(self, n_channels: int, n_out: int, filters=(64, 128, 128), kernels=(8, 5, 3), dropout: float = 0.0):
        super().__init__()
        if not filters:
            raise ValueError("filters must be non-empty")
        widths = [n_channels, *filters]
        self.blocks = nn.Sequential(*[ResidualBlock(widths[i], widths[i + 1], tuple(kernels))
                                      for i in range(len(filters))])
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(widths[-1], n_out)


class InceptionModule(nn.Module):
    """Bottleneck 1x1 conv -> parallel convs (kernels 39, 19, 9) and a maxpool -> 1x1 branch; concat, BN, ReLU."""

    def __init__(self, in_channels: int, filters: int = 32, bottleneck: int = 32, kernels=(39, 19, 9)):
        super().__init__()
        use_bottleneck = bottleneck and in_channels > 1
        self.bottleneck = (nn.Conv1d(in_channels, bottleneck, 1, bias=False) if use_bottleneck else nn.Identity())
        width = bottleneck if use_bottleneck else in_channels
        self.convs = nn.ModuleList([_same_conv(width, filters, k) for k in kernels])
        self.pool = nn.Sequential(nn.MaxPool1d(3, stride=1, padding=1), nn.Conv1d(in_channels, filters, 1, bias=False))
        self.out_channels = filters * (len(kernels) + 1)
        self.bn = nn.BatchNorm1d(self.out_channels)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.bottleneck(x)
        h = torch.cat([conv(z) for conv in self.convs] + [self.pool(x)], dim=1)
        return self.relu(self.bn(h))


class InceptionNet(nn.Module):
    """One InceptionTime network (Ismail Fawaz et al. 2020): ``depth`` modules, a residual link every 3, GAP, linear."""

    def __init__(self, n_channels: int, n_out: int, depth: int = 6, filters: int = 32, bottleneck: int = 32,
                 kernels=(39, 19, 9), residual: bool = True):
        super().__init__()
        self.inception = nn.ModuleList()
        self.shortcuts = nn.ModuleList()
        width, res_width = n_channels, n_channels
        for d in range(depth):
            module = InceptionModule(width, filters, bottleneck, kernels)
            self.inception.append(module)
            width = module.out_channels
            if residual and d % 3 == 2:
                self.shortcuts.append(ConvBlock(res_width, width, 1, relu=False))
                res_width = width
        self.residual = residual
        self.relu = nn.ReLU()
        self.head = nn.Linear(width, n_out)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        res, k = x, 0
        for d, module in enumerate(self.inception):
            x = module(x)
            if self.residual and d % 3 == 2:
                x = self.relu(x + self.shortcuts[k](res))
                res, k = x, k + 1
        return x.mean(dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class EnsembleNet(nn.Module):
    """Networks trained apart whose class probabilities are averaged; returns the logits of the average.

    With one output (two classes) the members' sigmoids are averaged and the result is its logit;
    with several, the softmaxes are averaged and the result is its log (softmax of it gives the average).
    """

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [m(x) for m in self.members]
        if len(outs) == 1:
            return outs[0]
        if outs[0].shape[1] == 1:
            p = torch.stack([torch.sigmoid(o) for o in outs]).mean(0).clamp(1e-7, 1 - 1e-7)
            return torch.log(p) - torch.log1p(-p)
        return torch.log(torch.stack([torch.softmax(o, dim=1) for o in outs]).mean(0).clamp_min(1e-12))


class RecurrentEncoder(nn.Module):
    """(batch, channels, length) -> (bi)LSTM or GRU over time -> the last states or a max/mean over time."""

    def __init__(self, n_channels: int, hidden: int = 64, cell: str = "lstm", layers: int = 1,
                 bidirectional: bool = True, pooling: str = "last", dropout: float = 0.0):
        super().__init__()
        if cell not in ("lstm", "gru"):
            raise ValueError(f"cell must be 'lstm' or 'gru', got {cell!r}")
        if pooling not in ("last", "max", "mean"):
            raise ValueError(f"pooling must be 'last', 'max' or 'mean', got {pooling!r}")
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(n_channels, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional,
                       dropout=dropout if layers > 1 else 0.0)
        self.cell, self.pooling = cell, pooling
        self.out_features = hidden * (2 if bidirectional else 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, state = self.rnn(x.transpose(1, 2))
        if self.pooling == "last":
            h_n = state[0] if self.cell == "lstm" else state
            n_dir = 2 if self.rnn.bidirectional else 1
            return torch.cat([h_n[-d - 1] for d in range(n_dir)], dim=1)
        return out.amax(dim=1) if self.pooling == "max" else out.mean(dim=1)


class CNNRNNNet(nn.Module):
    """After Yang & Jiang (2019): a conv path (blocks -> GAP) and a recurrent path over the raw series, in parallel.

    The two summaries are concatenated, then dropout and a linear layer give the logits.
    """

    def __init__(self, n_channels: int, n_out: int, filters=(64, 128, 64), kernels=(8, 5, 3), hidden: int = 64,
                 cell: str = "lstm", bidirectional: bool = True, pooling: str = "last", dropout: float = 0.2):
        super().__init__()
        self.cnn = FCNNet(n_channels, 1, filters, kernels)
        self.rnn = RecurrentEncoder(n_channels, hidden, cell, 1, bidirectional, pooling)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(filters[-1] + self.rnn.out_features, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.cat([self.cnn.features(x), self.rnn(x)], dim=1)
        return self.head(self.dropout(h))


class LSTMNet(nn.Module):
    """(bi)LSTM (or GRU) over time -> pooling over time -> dropout -> linear."""

    def __init__(self, n_channels: int, n_out: int, hidden: int = 64, cell: str = "lstm", layers: int = 1,
                 bidirectional: bool = True, pooling: str = "mean", dropout: float = 0.2):
        super().__init__()
        self.rnn = RecurrentEncoder(n_channels, hidden, cell, layers, bidirectional, pooling, dropout)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.rnn.out_features, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.rnn(x)))


__all__ = ["CNNRNNNet", "ConvBlock", "EnsembleNet", "FCNNet", "InceptionModule", "InceptionNet", "LSTMNet",
           "RecurrentEncoder", "ResNetNet", "ResidualBlock"]
