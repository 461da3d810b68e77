"""Torch networks over token ids: a recurrent classifier, Kim's convolutional classifier, a transformer with a head.

Every network takes a (batch, length) int64 matrix whose 0 entries are padding, and returns logits.
"""

from __future__ import annotations

import torch
from torch import nn


def trim_padding(ids: torch.Tensor) -> torch.Tensor:
    """Drop the columns that are padding (0) in every row: a batch of short texts computes no padding."""
    return ids[:, : max(1, int((ids != 0).sum(1).max()))]


def _masked_pool(h: torch.Tensor, mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """Pool (batch, length, dim) states over the real (unpadded) steps."""
    m = mask.unsqueeze(-1).to(h.dtype)
    if pooling == "mean":
        return (h * m).sum(1) / m.sum(1).clamp_min(1.0)
    if pooling == "max":
        return h.masked_fill(m == 0, torch.finfo(h.dtype).min).max(1).values
    raise ValueError(f"unknown pooling {pooling!r}")


class RNNTextNet(nn.Module):
    """Embedding -> (bidirectional) LSTM or GRU -> max/mean pooling over time or the last states -> dropout -> linear.

    Padding is skipped with packed sequences, so a short text's state is not washed out by pads.
    """

    def __init__(self, vocab_size: int, n_out: int, embed_dim: int = 100, hidden: int = 128, cell: str = "lstm",
                 layers: int = 1, bidirectional: bool = True, pooling: str = "max", dropout: float = 0.3):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = rnn(embed_dim, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional,
                       dropout=dropout if layers > 1 else 0.0)
        self.cell, self.pooling = cell, pooling
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), n_out)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        ids = trim_padding(ids)
        mask = ids != 0
        lengths = mask.sum(1).clamp_min(1)
        x = self.dropout(self.embedding(ids))
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed)
        if self.pooling == "last":
            h_n = state[0] if self.cell == "lstm" else state
            n_dir = 2 if self.rnn.bidirectional else 1
            pooled = torch.cat([h_n[-d - 1] for d in range(n_dir)], dim=1)
        else:
            h, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
            pooled = _masked_pool(h, mask, self.pooling)
        return self.head(self.dropout(pooled))


class CNNTextNet(nn.Module):
    """Kim (2014): embedding -> parallel 1-D convolutions of several widths -> ReLU -> max over time -> dropout -> linear."""

    def __init__(self, vocab_size: int, n_out: int, embed_dim: int = 100, kernel_sizes=(3, 4, 5), filters: int = 100,
                 dropout: float = 0.5):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.convs = nn.ModuleList(nn.Conv1d(embed_dim, filters, k, padding=k // 2) for k in kernel_sizes)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(filters * len(kernel_sizes), n_out)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        ids = trim_padding(ids)
        mask = ids != 0
        x = self.embedding(ids).transpose(1, 2)  # (batch, embed, length)
        pooled = []
        for conv in self.convs:
            h = torch.relu(conv(x))[:, :, : ids.shape[1]].transpose(1, 2)  # even widths add one step
            pooled.append(_masked_pool(h, mask, "max"))
        return self.head(self.dropout(torch.cat(pooled, dim=1)))


class TransformerTextNet(nn.Module):
    """A pretrained transformer encoder, mean pooling over real tokens, dropout and a linear head.

    Only the top ``trainable_layers`` encoder layers (and the head) learn; the embeddings and the
    lower layers stay frozen, which keeps fine-tuning fast and stable on a few thousand texts.
    """

    def __init__(self, encoder: nn.Module, n_out: int, trainable_layers: int = 2, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, n_out)
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        layers = self.encoder.encoder.layer
        for layer in layers[len(layers) - trainable_layers:] if trainable_layers > 0 else []:
            for p in layer.parameters():
                p.requires_grad_(True)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        ids = trim_padding(ids)  # attention is quadratic in the length
        mask = (ids != 0).long()
        h = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        return self.head(self.dropout(_masked_pool(h, mask, "mean")))
