"""U-Net (Ronneberger et al. 2015): an encoder-decoder of conv blocks with skip connections, for segmentation."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ConvBlock(nn.Sequential):
    """Two 3x3 convolutions ('same' padding), each followed by batch norm and ReLU."""

    def __init__(self, in_channels: int, out_channels: int, dropout: float = 0.0):
        layers = [nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels),
                  nn.ReLU(inplace=True),
                  nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels),
                  nn.ReLU(inplace=True)]
        if dropout:
            layers.append(nn.Dropout2d(dropout))
        super().__init__(*layers)


class UNet(nn.Module):
    """U-Net: ``widths[:-1]`` are the encoder levels, ``widths[-1]`` the bottleneck.

    Each encoder level is a :class:`ConvBlock` followed by 2x2 max pooling, so the network
    halves the size ``len(widths) - 1`` times. Each decoder level upsamples (a 2x2 transposed
    convolution, or bilinear interpolation and a 1x1 convolution with ``upsample="bilinear"``),
    concatenates the encoder's maps of that level (the skip connection) and applies a ConvBlock;
    a 1x1 convolution gives ``n_classes`` logits per pixel, at the input's size.

    Sizes need not be divisible by ``2 ** depth``: pooling floors odd sizes and the decoder pads
    each upsampled map to its skip's size, so the output always matches the input. The input
    must be at least ``2 ** depth`` pixels high and wide (:meth:`min_size`).

    Parameters
    ----------
    in_channels : int
        Image channels (1 for grayscale, 3 for RGB).
    n_classes : int
        Classes per pixel (background included); the output has this many channels of logits.
    widths : tuple of int
        Channels of each encoder level, the last being the bottleneck; at least two.
    upsample : {"transpose", "bilinear"}
    dropout : float
        Channel dropout after the bottleneck block.
    """

    def __init__(self, in_channels: int, n_classes: int, widths=(16, 32, 64), upsample: str = "transpose",
                 dropout: float = 0.0):
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if len(widths) < 2 or min(widths) < 1:
            raise ValueError(f"widths needs at least two positive channel counts (encoder levels and a "
                             f"bottleneck), got {widths}")
        if upsample not in ("transpose", "bilinear"):
            raise ValueError(f"upsample must be 'transpose' or 'bilinear', got {upsample!r}")
        self.depth = len(widths) - 1
        self.encoders = nn.ModuleList()
        channels = in_channels
        for w in widths[:-1]:
            self.encoders.append(ConvBlock(channels, w))
            channels = w
        self.bottleneck = ConvBlock(channels, widths[-1], dropout)
        self.ups = nn.ModuleList()
        self.decoders = nn.ModuleList()
        channels = widths[-1]
        for w in reversed(widths[:-1]):
            if upsample == "transpose":
                self.ups.append(nn.ConvTranspose2d(channels, w, 2, stride=2))
            else:
                self.ups.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                              nn.Conv2d(channels, w, 1)))
            self.decoders.append(ConvBlock(2 * w, w))
            channels = w
        self.head = nn.Conv2d(channels, n_classes, 1)

    def min_size(self) -> int:
        """The smallest height and width the network takes: one pixel left after the last pooling."""
        return 2 ** self.depth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for enc in self.encoders:
            x = enc(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for up, dec, skip in zip(self.ups, self.decoders, reversed(skips)):
            x = up(x)
            dh, dw = skip.shape[-2] - x.shape[-2], skip.shape[-1] - x.shape[-1]
            if dh or dw:  # an odd size was floored by pooling: pad back (right and bottom) to the skip's size
                x = F.pad(x, (0, dw, 0, dh))
            x = dec(torch.cat([skip, x], dim=1))
        return self.head(x)


__all__ = ["ConvBlock", "UNet"]
