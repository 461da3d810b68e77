"""Image classification networks: LeNet-5 and a small ResNet, with training-only shift augmentation.

Every network exposes ``features`` (the input batch -> the last convolutional feature maps
(n, k, h', w')) and ``classifier`` (those maps -> logits), and computes
``forward(x) = classifier(features(augment(x)))``, where ``augment`` moves each image by a few
pixels in training mode and does nothing in evaluation mode. Grad-CAM hooks ``features``.
"""

from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}


class Augment(nn.Module):
    """Random shifts of up to ``shift`` pixels (edges repeated) and optional horizontal flips, in training only."""

    def __init__(self, shift: int = 2, flip: bool = False):
        super().__init__()
        self.shift, self.flip = int(shift), bool(flip)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or (self.shift <= 0 and not self.flip):
            return x
        from deepmine.vision.data import shift_images

        n, s = x.shape[0], self.shift
        dy = torch.randint(-s, s + 1, (n,), device=x.device) if s > 0 else torch.zeros(n, dtype=torch.long)
        dx = torch.randint(-s, s + 1, (n,), device=x.device) if s > 0 else torch.zeros(n, dtype=torch.long)
        flip = torch.rand(n, device=x.device) < 0.5 if self.flip else None
        return shift_images(x, dy, dx, flip)

    def extra_repr(self) -> str:
        return f"shift={self.shift}, flip={self.flip}"


class _ImageNet(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(self.augment(x)))


def _pool(size: int) -> nn.Module:
    """2x2 max pooling (rounding up odd sizes) while the map is wider than one pixel."""
    return nn.MaxPool2d(2, ceil_mode=True) if size > 1 else nn.Identity()


class LeNet5(_ImageNet):
    """LeNet-5 (LeCun et al. 1998): conv 6@5x5 -> pool -> conv 16@5x5 -> pool -> 120 -> 84 -> n_out.

    Both convolutions pad by 2 ('same'), so 8x8 digits (-> 4x4 -> 2x2 maps) work as well as 28x28
    MNIST (-> 14x14 -> 7x7); pooling stops at one pixel. ``features`` ends at the second
    convolution's activations; ``classifier`` holds the second pooling and the dense layers.
    """

    def __init__(self, channels: int, n_out: int, height: int, width: int, activation: str = "relu",
                 dropout: float = 0.0, shift: int = 2, flip: bool = False):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
        act = ACTIVATIONS[activation]
        self.augment = Augment(shift, flip)
        self.features = nn.Sequential(
            nn.Conv2d(channels, 6, 5, padding=2), act(), _pool(max(height, width)),
            nn.Conv2d(6, 16, 5, padding=2), act(),
        )
        with torch.no_grad():
            maps = self.features(torch.zeros(1, channels, height, width))
        pool = _pool(max(maps.shape[2:]))
        with torch.no_grad():
            n_flat = pool(maps).numel()
        self.classifier = nn.Sequential(
            pool, nn.Flatten(), nn.Linear(n_flat, 120), act(), nn.Dropout(dropout),
            nn.Linear(120, 84), act(), nn.Dropout(dropout), nn.Linear(84, n_out),
        )


class BasicBlock(nn.Module):
    """Two 3x3 conv -> batch norm layers with an identity (or 1x1 conv + batch norm) shortcut, then ReLU."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
        )
        self.shortcut = nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.body(x) + self.shortcut(x))


class SmallResNet(_ImageNet):
    """A ResNet-8-style network: a 3x3 stem, one residual block per width, global average pooling, dropout, linear.

    Images larger than 16 pixels a side are halved by the stem (a stride-2 convolution: a CPU
    trains 28x28 MNIST four times faster for no loss of accuracy); the first block keeps the
    resolution and each later one halves it (stride 2) while the map is wider than one pixel, so
    8x8 digits give 8 -> 4 -> 2 and 28x28 MNIST 14 -> 7 -> 4.
    """

    def __init__(self, channels: int, n_out: int, widths=(32, 64, 128), dropout: float = 0.0, height: int = 32,
                 width: int = 32, shift: int = 2, flip: bool = False):
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if not widths or min(widths) < 1:
            raise ValueError(f"widths must be positive whole numbers, got {widths}")
        self.augment = Augment(shift, flip)
        stem_stride = 2 if min(height, width) > 16 else 1
        layers = [nn.Conv2d(channels, widths[0], 3, stride=stem_stride, padding=1, bias=False),
                  nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True)]
        c, size = widths[0], (max(height, width) + stem_stride - 1) // stem_stride
        for k, w in enumerate(widths):
            stride = 2 if k > 0 and size > 1 else 1
            size = (size + 1) // 2 if stride == 2 else size
            layers.append(BasicBlock(c, w, stride))
            c = w
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(c, n_out))


__all__ = ["Augment", "BasicBlock", "LeNet5", "SmallResNet"]
