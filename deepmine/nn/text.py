"""Torch networks over token ids: a recurrent classifier, Kim's convolutional classifier, a transformer with a head.

Every network takes a (batch, length) int64 matrix whose 0 entries are padding, and returns logits.
"""

from __future__ import annotations

import torch
from torch import nn


def trim_padding(ids: torch.Tensor) -> torch.Tensor:
    """Drop the columns that are padding (0) in every row: a batch of short texts computes no padding."""
    return ids[:, : max(1, int((ids != 0).sum(1).max()))]


def state_mask(states: torch.Tensor) -> torch.Tensor:
    """Which positions of padded states (batch, length, width) are tokens: padding is an all-zero vector."""
    return states.abs().amax(-1) > 0


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


ATTENTION = "deepmine_cpu_sdpa"


def _cpu_sdpa(module, query, key, value, attention_mask, dropout=0.0, scaling=None, **kwargs):
    """PyTorch's SDPA attention as transformers calls it, without attention-probability dropout, and in float32
    on the CPU.

    Measured on 2 CPU cores (batch 32, 12 heads, 200 tokens, forward and backward): dropout on the attention
    probabilities sends SDPA to its unfused path, 340 ms against 85 ms without it; and under bfloat16 autocast
    the fused kernel takes 118 ms in bfloat16 against 85 ms in float32, while the linear layers run 2.6x faster
    in bfloat16. So fine-tuning keeps dropout on the hidden states only, and attention stays float32 on the CPU.
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    dtype = query.dtype
    if query.device.type == "cpu" and dtype != torch.float32:
        query, key, value = query.float(), key.float(), value.float()
        if attention_mask is not None and attention_mask.is_floating_point():
            attention_mask = attention_mask.float()
    out, weights = sdpa_attention_forward(module, query, key, value, attention_mask, dropout=0.0, scaling=scaling,
                                          **kwargs)
    return out.to(dtype), weights


def _register_attention() -> str:
    from transformers import AttentionInterface

    AttentionInterface.register(ATTENTION, _cpu_sdpa)
    return ATTENTION


class TransformerTextNet(nn.Module):
    """A pretrained transformer encoder, mean pooling over real tokens, dropout and a linear head.

    Only the top ``trainable_layers`` encoder layers (and the head) learn; the embeddings and the
    lower layers stay frozen (and in evaluation mode, so without dropout), which keeps fine-tuning
    fast and stable on a few thousand texts.

    The input is either token ids, (batch, length) int64 with 0 as padding, or what
    :meth:`frozen_states` made of them: the frozen layers' output, (batch, length, width) floats that
    are exactly 0 at the padding. As the frozen layers never change, a training loop can compute
    their output once and train the top layers on it, epoch after epoch, with the same result as
    feeding the ids (this is how :class:`~deepmine.text.TransformerClassifier` fine-tunes).
    """

    def __init__(self, encoder: nn.Module, n_out: int, trainable_layers: int = 2, dropout: float = 0.1):
        super().__init__()
        encoder.set_attn_implementation(_register_attention())  # see _cpu_sdpa
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, n_out)
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        layers = self.encoder.encoder.layer
        self.n_frozen = len(layers) - trainable_layers
        for layer in layers[self.n_frozen:]:
            for p in layer.parameters():
                p.requires_grad_(True)

    def _frozen_parts(self) -> list[nn.Module]:
        return [self.encoder.embeddings, *self.encoder.encoder.layer[: self.n_frozen]]

    def train(self, mode: bool = True) -> "TransformerTextNet":
        super().train(mode)
        for part in self._frozen_parts():  # frozen means frozen: no dropout in them either
            part.train(False)
        return self

    @staticmethod
    def _run(layers, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # an additive mask (0 for tokens, the dtype's minimum for padding), which eager and SDPA attention both take
        additive = (1.0 - mask[:, None, None, :].to(h.dtype)) * torch.finfo(h.dtype).min
        for layer in layers:
            out = layer(h, attention_mask=additive)
            h = out[0] if isinstance(out, tuple) else out
        return h

    def frozen_states(self, ids: torch.Tensor) -> torch.Tensor:
        """The frozen part's output for token ids: (batch, longest text, width), 0 at the padding."""
        ids = trim_padding(ids)  # attention is quadratic in the length
        mask = ids != 0
        with torch.no_grad():
            h = self.encoder.embeddings(input_ids=ids)
            h = self._run(self.encoder.encoder.layer[: self.n_frozen], h, mask)
        return h * mask.unsqueeze(-1).to(h.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.is_floating_point():  # the frozen part's output, computed once (frozen_states)
            mask = state_mask(x)
            keep = max(1, int(mask.sum(1).max()))
            h, mask = x[:, :keep], mask[:, :keep]
            h = h.to(self.head.weight.dtype)
        else:
            ids = trim_padding(x)
            h, mask = self.frozen_states(ids), ids != 0
        h = self._run(self.encoder.encoder.layer[self.n_frozen:], h, mask)
        return self.head(self.dropout(_masked_pool(h, mask.long(), "mean")))
