"""Integrated gradients (Sundararajan et al. 2017) for deepmine's deep models, and a gradient-based global importance.

:func:`integrated_gradients` explains single predictions: for each row ``x`` it integrates the gradient of
the explained output ``f`` along the straight path from a baseline ``x'`` to ``x`` in the network's
continuous input space, so that the contributions add up to ``f(x) - f(x')`` (completeness).

- Tabular models (:class:`~deepmine.tabular.DeepClassifier`, ``DeepRegressor``, ``LogisticNeuron``,
  ``LinearNeuron``): the path runs through ``[standardised numbers | missing indicators | category
  embeddings]``; contributions of the input dimensions that come from one original column (its
  standardised value and its missing indicator, every part of an expanded date, every embedding
  dimension of a category) are summed, so each contribution belongs to a column of the user's table.
  ``baseline="auto"``: every number at its training mean (standardised 0), no value missing, and each
  categorical column at the mean of its learned category embeddings (the training frequencies are not
  kept by the preprocessing, so the mean is unweighted; the "rare or unseen" row is left out). A
  one-row DataFrame (a reference customer) is accepted as the baseline too.
- Text models (``RNNTextClassifier``, ``CNNTextClassifier``): the path runs through the token
  embeddings, from the padding embedding at every position (the network still sees a text of the
  same length); a token's contribution is the sum over its embedding dimensions.
- Images (``CNNClassifier``): from a black image (``"auto"`` / ``"black"``) or the training mean image
  (``"mean"``); a pixel's contribution is the sum over its channels.

What is explained (``target``): for a classifier the predicted probability of one class (binary: the
second entry of ``classes_`` unless ``target`` names another; more classes: each row's predicted class
unless ``target`` names one, or gives one label per row); for a regressor the prediction in the
target's own units (``target`` picks an output of a multi-output model by index).

The integral is a Riemann sum at the middle of ``steps`` equal intervals, computed on a float64
copy of the network (so float32 rounding does not spoil completeness; the model itself is never
touched: no gradients, no mode change) on the device the model lives on, with at most
``batch_size`` interpolated inputs per forward/backward pass. A row whose completeness gap is
above 0.5% is integrated again adaptively: the exact integral over each interval is known
(``f(b) - f(a)``), so the intervals where the middle rule misses most (a ReLU's kinks, a max
pooling switching) are halved, spending at most 512 more gradient evaluations on the row; a row
still above 1% afterwards gives a warning that suggests more steps.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from typing import Callable

import numpy as np
import pandas as pd
import torch

from deepmine.errors import DataError, DeepmineError, ParameterError, check_fitted, check_positive_int
from deepmine.explain.attribution import Attribution
from deepmine.explain.targets import explained_classes

__all__ = ["Attribution", "gradient_importance", "integrated_gradients", "supports_gradients"]

_MAX_STEPS = 512  # gradient evaluations a row short of completeness may spend on refining its integral
_REFINE_ABOVE = 0.005  # the gap (relative) above which a row is integrated again with more steps
_REFINE_ROWS = 64  # rows refined together


def _points(score: Callable, base: torch.Tensor, delta: torch.Tensor, rows: torch.Tensor, alphas: torch.Tensor,
            batch_size: int, reduce: Callable, weights: torch.Tensor | None = None, into: torch.Tensor | None = None):
    """The reduced ``delta * gradient`` and f at the path points ``base + alpha * delta`` of rows ``rows``.

    ``score(z, rows)`` gives f (one value per interpolated input) for inputs ``z`` on the paths of
    rows ``rows``; at most ``batch_size`` inputs go through one backward pass. With ``into``, the
    contributions (times ``weights``) are added into ``into`` by row and nothing is kept; otherwise
    ``(contributions, f)`` are returned, one per point.
    """
    shape = (-1,) + (1,) * (delta.ndim - 1)
    kept, values = [], []
    for start in range(0, len(rows), batch_size):
        r, a = rows[start: start + batch_size], alphas[start: start + batch_size]
        d = delta[r]
        z = (base[r] + a.reshape(shape) * d).detach().requires_grad_(True)
        with torch.enable_grad():
            f = score(z, r)
            (grad,) = torch.autograd.grad(f.sum(), z)
        v = reduce(grad.detach() * d)
        if into is not None:
            into.index_add_(0, r, v * weights[start: start + batch_size].reshape((-1,) + (1,) * (v.ndim - 1)))
        else:
            kept.append(v)
            values.append(f.detach())
    if into is not None:
        return into
    return torch.cat(kept), torch.cat(values)


def _evaluate(score: Callable, z: torch.Tensor, batch_size: int) -> torch.Tensor:
    """f at the inputs ``z`` (one per row), without gradients."""
    out = []
    with torch.no_grad():
        for s in range(0, len(z), batch_size):
            rows = torch.arange(s, min(s + batch_size, len(z)), device=z.device)
            out.append(score(z[rows], rows).detach())
    return torch.cat(out)


def _evaluate_path(score: Callable, base, delta, rows: torch.Tensor, alphas: torch.Tensor, batch_size: int):
    """f at the path points ``base + alpha * delta`` of rows ``rows``, without gradients."""
    shape = (-1,) + (1,) * (delta.ndim - 1)
    out = []
    with torch.no_grad():
        for s in range(0, len(rows), batch_size):
            r, a = rows[s: s + batch_size], alphas[s: s + batch_size]
            out.append(score(base[r] + a.reshape(shape) * delta[r], r).detach())
    return torch.cat(out)


def _uniform(score, base, delta, steps, batch_size, reduce, into: torch.Tensor) -> torch.Tensor:
    """The middle-rule Riemann sum with ``steps`` equal intervals, for every row."""
    n, device = len(delta), delta.device
    pairs = torch.arange(n * steps, device=device)
    rows, k = pairs // steps, pairs % steps
    alphas = (k.to(delta.dtype) + 0.5) / steps
    weights = torch.full((len(pairs),), 1.0 / steps, device=device, dtype=delta.dtype)
    return _points(score, base, delta, rows, alphas, batch_size, reduce, weights, into)


def _adaptive(score, base, delta, rows: torch.Tensor, diff: torch.Tensor, steps: int, batch_size: int, reduce,
              budget: int) -> torch.Tensor:
    """Rows ``rows`` integrated again, splitting the intervals where the middle rule misses most.

    The integral of the path gradient over an interval [a, b] is known exactly, ``f(b) - f(a)``, so
    each interval's error is known: intervals with an error above the row's share of its tolerance
    are halved (a ReLU network's kinks are where the middle rule errs; halving an interval halves the
    error of a kink in it) until the row's completeness gap is below ``_REFINE_ABOVE``, or the row has
    spent ``budget`` more gradient evaluations.
    """
    device, dtype = delta.device, delta.dtype
    m = len(rows)
    # f at the interval ends of the uniform grid
    k = torch.arange(steps + 1, device=device, dtype=dtype) / steps
    node_rows = rows.repeat_interleave(steps + 1)
    node_alpha = k.repeat(m)
    ends = _evaluate_path(score, base, delta, node_rows, node_alpha, batch_size).reshape(m, steps + 1)
    owner = torch.arange(m, device=device).repeat_interleave(steps)  # position of the row among ``rows``
    lo = (torch.arange(steps, device=device, dtype=dtype) / steps).repeat(m)
    hi = lo + 1.0 / steps
    f_lo, f_hi = ends[:, :-1].reshape(-1), ends[:, 1:].reshape(-1)
    v, f_mid = _points(score, base, delta, rows[owner], (lo + hi) / 2, batch_size, reduce)
    v = v * (hi - lo).reshape((-1,) + (1,) * (v.ndim - 1))
    tolerance = _REFINE_ABOVE * diff.abs().clamp_min(1e-12)  # per row of ``rows``
    spent = torch.zeros(m, device=device, dtype=torch.long)
    while True:
        est = torch.zeros(m, device=device, dtype=dtype).index_add_(0, owner, v.reshape(len(v), -1).sum(dim=1))
        failing = ((est - diff).abs() > tolerance) & (spent + 2 <= budget)
        if not bool(failing.any()):
            break
        counts = torch.bincount(owner, minlength=m).to(dtype)
        err = (v.reshape(len(v), -1).sum(dim=1) - (f_hi - f_lo)).abs()
        split = failing[owner] & (err > (tolerance / counts)[owner]) & (hi - lo > 1e-9)
        if not bool(split.any()):
            break
        # at most the budget's worth of splits per row, the worst intervals first
        idx = torch.nonzero(split).flatten()
        idx = idx[torch.argsort(err[idx], descending=True)]
        idx = idx[torch.argsort(owner[idx], stable=True)]  # grouped by row, worst first within a row
        per_row = torch.bincount(owner[idx], minlength=m)
        rank = torch.arange(len(idx), device=device) - (torch.cumsum(per_row, 0) - per_row)[owner[idx]]
        idx = idx[rank < ((budget - spent) // 2)[owner[idx]]]
        if not len(idx):
            break
        split = torch.zeros_like(split)
        split[idx] = True
        mid = (lo[idx] + hi[idx]) / 2
        c_lo = torch.cat([lo[idx], mid])
        c_hi = torch.cat([mid, hi[idx]])
        c_flo = torch.cat([f_lo[idx], f_mid[idx]])
        c_fhi = torch.cat([f_mid[idx], f_hi[idx]])
        c_owner = owner[idx].repeat(2)
        c_v, c_fmid = _points(score, base, delta, rows[c_owner], (c_lo + c_hi) / 2, batch_size, reduce)
        c_v = c_v * (c_hi - c_lo).reshape((-1,) + (1,) * (c_v.ndim - 1))
        spent += 2 * torch.bincount(owner[idx], minlength=m)
        keep = ~split
        lo, hi = torch.cat([lo[keep], c_lo]), torch.cat([hi[keep], c_hi])
        f_lo, f_hi = torch.cat([f_lo[keep], c_flo]), torch.cat([f_hi[keep], c_fhi])
        f_mid, owner = torch.cat([f_mid[keep], c_fmid]), torch.cat([owner[keep], c_owner])
        v = torch.cat([v[keep], c_v])
    return torch.zeros((m,) + tuple(v.shape[1:]), device=device, dtype=dtype).index_add_(0, owner, v)


def _run(score: Callable, x: torch.Tensor, base: torch.Tensor, steps: int, batch_size: int, refine: bool,
         reduce: Callable[[torch.Tensor], torch.Tensor]):
    """Integrate every row with ``steps`` intervals, then refine the rows whose completeness gap is too large.

    Returns ``(reduced attributions as a float64 CPU tensor, f(x), f(base))``; ``reduce`` maps
    ``delta * gradient`` of the input dimensions (leading axis: points) to the reported contributions.
    """
    fx = _evaluate(score, x, batch_size)
    fb = _evaluate(score, base, batch_size)
    delta = x - base
    reported = tuple(reduce(delta[:1]).shape[1:])  # the shape of one row's contributions
    attr = _uniform(score, base, delta, steps, batch_size, reduce,
                    torch.zeros((len(x),) + reported, device=x.device, dtype=x.dtype))
    if refine and len(x):
        diff = fx - fb
        sums = attr.reshape(len(attr), -1).sum(dim=1)
        todo = torch.nonzero((sums - diff).abs() > _REFINE_ABOVE * diff.abs().clamp_min(1e-12)).flatten()
        for s in range(0, len(todo), _REFINE_ROWS):  # a few rows at a time bounds the intervals kept
            rows = todo[s: s + _REFINE_ROWS]
            attr[rows] = _adaptive(score, base, delta, rows, diff[rows], steps, batch_size, reduce, _MAX_STEPS)
        sums = attr.reshape(len(attr), -1).sum(dim=1)
        short = int(((sums - diff).abs() > 2 * _REFINE_ABOVE * diff.abs().clamp_min(1e-12)).sum())
        if short:
            warnings.warn(f"the integrated gradients of {short} row(s) miss their prediction difference by more "
                          f"than 1% even after refining; pass more steps (say steps={4 * steps})", UserWarning,
                          stacklevel=4)
    return (attr.detach().to(torch.float64).cpu(), fx.detach().to(torch.float64).cpu().numpy(),
            fb.detach().to(torch.float64).cpu().numpy())


# ---------------------------------------------------------------------------------------------- models


def _model_kind(model) -> str:
    """'tabular', 'text' or 'image', or a ParameterError for a model integrated gradients cannot explain."""
    from deepmine.base import DeepEstimator
    from deepmine.tabular.classifier import _ClassifierBase
    from deepmine.tabular.regressor import _RegressorBase

    agnostic = "use the model-agnostic explanation deepmine.explain.explain instead"
    name = type(model).__name__
    if not isinstance(model, DeepEstimator):
        raise ParameterError(f"{name} is not one of deepmine's deep models, so it has no gradients to integrate; "
                             f"{agnostic}")
    from deepmine.text._deep import TextDeepEstimator
    from deepmine.vision.classifiers import CNNClassifier

    if isinstance(model, CNNClassifier):
        return "image"
    if isinstance(model, TextDeepEstimator):
        from deepmine.text.classifiers import _SequenceTextClassifier

        if isinstance(model, _SequenceTextClassifier):
            return "text"
        raise ParameterError(f"integrated gradients are available for the RNN and CNN text models "
                             f"(RNNTextClassifier, CNNTextClassifier), not {name}; {agnostic}")
    if isinstance(model, (_ClassifierBase, _RegressorBase)) and model._input_preprocessor is None:
        try:
            from deepmine.timeseries.classifiers import SeriesDeepEstimator
        except ImportError:  # pragma: no cover - the series models are optional here
            SeriesDeepEstimator = ()
        if not isinstance(model, SeriesDeepEstimator) and getattr(model, "_gradients_traced_to_columns", True):
            return "tabular"
    raise ParameterError(f"integrated gradients explain deepmine's deep tabular models (DeepClassifier, "
                         f"DeepRegressor, LogisticNeuron, LinearNeuron), RNN/CNN text classifiers and "
                         f"CNNClassifier, not {name}; {agnostic}")


def _network_copy(model):
    """A float64 evaluation-mode copy of the model's network on the model's device (float32 on MPS)."""
    module = model.module_
    device = getattr(model, "device_", None)
    if device is None:
        device = next(module.parameters()).device
    device = torch.device(device)
    dtype = torch.float32 if device.type == "mps" else torch.float64
    net = copy.deepcopy(module).to(device=device, dtype=dtype)
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net, device, dtype


def _link(model, target, n: int, predicted: Callable[[], np.ndarray]):
    """What f is: ``(fn(raw outputs, rows) -> f, description, explained class per row or None)``."""
    from deepmine.tabular.regressor import _RegressorBase

    if isinstance(model, _RegressorBase):
        k = int(model.n_outputs_)
        if target is None:
            if k > 1:
                raise ParameterError(f"the model predicts {k} outputs; pass target=0 to {k - 1} to say which to "
                                     f"explain")
            j = 0
        else:
            if isinstance(target, bool) or not isinstance(target, numbers.Integral) or not 0 <= int(target) < k:
                raise ParameterError(f"target must be the index of an output (0 to {k - 1}) for a regressor, got "
                                     f"{target!r}")
            j = int(target)
        scale, mean = float(np.ravel(model.y_scale_)[j]), float(np.ravel(model.y_mean_)[j])
        description = "prediction" if k == 1 else f"prediction of output {j}"
        return (lambda out, rows: out[:, j] * scale + mean), description, None

    classes = np.asarray(model.classes_)
    binary = len(classes) == 2
    idx, description = explained_classes(classes, target, n, predicted)
    if binary:
        positive = None  # filled per device below

        def binary_link(out, rows):
            nonlocal positive
            if positive is None or positive.device != out.device:
                positive = torch.as_tensor(idx == 1, device=out.device)
            p = torch.sigmoid(out.reshape(len(out), -1)[:, 0])
            return torch.where(positive[rows], p, 1.0 - p)

        return binary_link, description, classes[idx]
    index = None

    def softmax_link(out, rows):
        nonlocal index
        if index is None or index.device != out.device:
            index = torch.as_tensor(idx, device=out.device)
        return torch.softmax(out, dim=1).gather(1, index[rows][:, None])[:, 0]

    return softmax_link, description, classes[idx]


def _check_rows(X):
    if X is None:
        raise DataError("there are no rows to explain; give at least one")
    if isinstance(X, pd.Series):
        X = X.to_frame().T.infer_objects()  # one row given as a Series
    try:
        n = len(X)
    except TypeError:
        raise DataError(f"cannot read the rows to explain from a {type(X).__name__}; pass a DataFrame, an array "
                        f"or a list") from None
    if n == 0:
        raise DataError("there are no rows to explain; give at least one")
    return X


# ---------------------------------------------------------------------------------------------- tabular


def _tabular_groups(pre) -> tuple[list[str], list[int]]:
    """The original columns the network uses, and for each numeric input (values, then indicators) its column."""
    from deepmine.data.preprocess import _DATE_PARTS

    sources = list(pre.numeric_) + [c for c in pre.datetime_ for _ in _DATE_PARTS]
    sources += [sources[i] for i in pre.indicators_]
    used = set(sources) | set(pre.categorical_)
    features = [c for c in pre.columns_ if c in used]
    position = {c: i for i, c in enumerate(features)}
    return features, [position[c] for c in sources]


def _tabular(model, X, target, baseline, steps, batch_size, refine):
    from deepmine.nn.tabular import TabularNet

    net, device, dtype = _network_copy(model)
    if not isinstance(net, TabularNet):
        raise ParameterError(f"{type(model).__name__}'s network is a {type(net).__name__}, not deepmine's "
                             f"TabularNet, so its inputs cannot be traced to columns; use the model-agnostic "
                             f"explanation deepmine.explain.explain instead")
    pre = model.preprocessor_
    features, numeric_groups = _tabular_groups(pre)
    Xt = np.asarray(model._prepare(X), dtype=np.float64)
    k = int(pre.n_numeric_)

    def embed(rows: np.ndarray) -> torch.Tensor:
        t = torch.as_tensor(rows, device=device, dtype=dtype)
        codes = t[:, k:].long()
        parts = [t[:, :k]] + [emb.weight[codes[:, j]] for j, emb in enumerate(net.embeddings)]
        return torch.cat(parts, dim=1)

    x = embed(Xt)
    if isinstance(baseline, str) and baseline == "auto":
        parts = [torch.zeros(k, device=device, dtype=dtype)]
        for emb in net.embeddings:
            w = emb.weight
            parts.append(w[1:].mean(dim=0) if len(w) > 1 else w[0])
        base = torch.cat(parts)[None, :].expand_as(x).contiguous()
    elif isinstance(baseline, (pd.DataFrame, pd.Series)):
        frame = baseline.to_frame().T.infer_objects() if isinstance(baseline, pd.Series) else baseline
        if len(frame) not in (1, len(x)):
            raise DataError(f"the baseline has {len(frame)} rows; give one reference row (or one per explained "
                            f"row, {len(x)})")
        base = embed(np.asarray(model._prepare(frame), dtype=np.float64))
        base = base.expand_as(x).contiguous() if len(base) == 1 else base
    else:
        raise ParameterError(f"baseline must be 'auto' or a one-row DataFrame (a reference row) for "
                             f"{type(model).__name__}, got {baseline!r}")

    link, description, classes = _link(model, target, len(x),
                                       lambda: _predicted(_batched(net, torch.as_tensor(Xt, device=device,
                                                                                        dtype=dtype), batch_size)))

    def score(z, rows):
        return link(net.mlp(z), rows)

    # input dimension -> original column, as a (dims, features) 0/1 matrix
    groups = list(numeric_groups)
    position = {c: i for i, c in enumerate(features)}
    for c, emb in zip(pre.categorical_, net.embeddings):
        groups += [position[c]] * emb.embedding_dim
    assign = torch.zeros(x.shape[1], len(features), device=device, dtype=dtype)
    assign[torch.arange(x.shape[1], device=device), torch.as_tensor(groups, device=device, dtype=torch.long)] = 1.0

    attr, fx, fb = _run(score, x, base, steps, batch_size, refine, lambda a: a @ assign)
    return Attribution(values=attr.numpy(), features=features, inputs=X, output=fx, baseline_output=fb,
                       target=description, target_classes=classes)


def _batched(net, x: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The network's raw outputs for ``x``, ``batch_size`` rows at a time, without gradients."""
    with torch.no_grad():
        return torch.cat([net(x[s: s + batch_size]) for s in range(0, len(x), batch_size)])


def _predicted(out: torch.Tensor) -> np.ndarray:
    """Each row's predicted class index from raw outputs (as the model's predict decides)."""
    out = out.detach().to(torch.float64).cpu()
    if out.ndim == 1 or out.shape[1] == 1:
        return (out.reshape(-1) > 0).long().numpy()
    return out.argmax(dim=1).numpy()


# ---------------------------------------------------------------------------------------------- text


def _text(model, X, target, baseline, steps, batch_size, refine):
    net, device, dtype = _network_copy(model)
    embedding = getattr(net, "embedding", None)
    if not isinstance(embedding, torch.nn.Embedding):
        raise ParameterError(f"{type(model).__name__}'s network has no token embedding layer to integrate along; "
                             f"use the model-agnostic explanation deepmine.explain.explain instead")
    if not (isinstance(baseline, str) and baseline in ("auto", "pad", "padding", "zeros")):
        raise ParameterError(f"baseline must be 'auto' (the padding embedding) or 'zeros' for a text model, got "
                             f"{baseline!r}")
    ids = np.asarray(model._prepare(X), dtype=np.int64)
    lengths = np.maximum((ids != 0).sum(axis=1), 1)
    ids = ids[:, : int(lengths.max())]
    itos = model.preprocessor_.vocabulary_.itos
    tokens = [[itos[int(i)] for i in row[:m]] for row, m in zip(ids, lengths)]
    ids_t = torch.as_tensor(ids, device=device)
    with torch.no_grad():
        x = embedding(ids_t).detach()
        pad = embedding.weight[0] if baseline in ("auto", "pad", "padding") else torch.zeros_like(embedding.weight[0])
        base = pad.detach().expand_as(x).contiguous()

    current: dict[str, torch.Tensor] = {}

    def replace(module, inputs, output):  # the embedding layer's output becomes the interpolated input
        return current["z"][:, : output.shape[1]]

    handle = embedding.register_forward_hook(replace)

    def raw(z, rows):
        current["z"] = z
        try:
            return net(ids_t[rows])
        finally:
            current.clear()

    try:
        with _rnn_backward_ok(device):
            def predicted():
                with torch.no_grad():
                    return _predicted(torch.cat([raw(x[s: s + batch_size], torch.arange(s, min(s + batch_size, len(x)),
                                                                                        device=device))
                                                 for s in range(0, len(x), batch_size)]))

            link, description, classes = _link(model, target, len(x), predicted)
            attr, fx, fb = _run(lambda z, rows: link(raw(z, rows), rows), x, base, steps, batch_size, refine,
                                lambda a: a.sum(dim=2))
    finally:
        handle.remove()
    per_row = attr.numpy()
    values = np.empty(len(per_row), dtype=object)
    for i, m in enumerate(lengths):
        values[i] = per_row[i, : int(m)].copy()
    return Attribution(values=values, features=None, inputs=X, output=fx, baseline_output=fb, target=description,
                       tokens=tokens, target_classes=classes)


class _rnn_backward_ok:
    """cuDNN's recurrent layers refuse a backward pass in evaluation mode: use PyTorch's own kernels on CUDA."""

    def __init__(self, device: torch.device):
        self.flags = torch.backends.cudnn.flags(enabled=False) if device.type == "cuda" else None

    def __enter__(self):
        if self.flags is not None:
            self.flags.__enter__()
        return self

    def __exit__(self, *exc):
        if self.flags is not None:
            return self.flags.__exit__(*exc)
        return False


# ---------------------------------------------------------------------------------------------- images


def _image(model, X, target, baseline, steps, batch_size, refine):
    net, device, dtype = _network_copy(model)
    pre = model.preprocessor_
    x = torch.as_tensor(np.asarray(model._prepare(X)), device=device, dtype=dtype)
    c = x.shape[1]
    mean = np.asarray(pre.mean_, dtype=np.float64).reshape(-1)
    std = np.asarray(pre.std_, dtype=np.float64).reshape(-1)
    if isinstance(baseline, str) and baseline in ("auto", "black"):
        # in float32 as the preprocessor computes it, so a black pixel of an image equals the baseline's
        level = ((np.float32(0.0) - mean.astype(np.float32)) / std.astype(np.float32)) if pre.normalize \
            else np.zeros(c, dtype=np.float32)
        base = torch.as_tensor(level, device=device, dtype=dtype).reshape(1, c, 1, 1).expand_as(x).contiguous()
    elif isinstance(baseline, str) and baseline == "mean":
        level = np.zeros(c) if pre.normalize else mean
        base = torch.as_tensor(level, device=device, dtype=dtype).reshape(1, c, 1, 1).expand_as(x).contiguous()
    elif isinstance(baseline, str):
        raise ParameterError(f"baseline must be 'auto' (a black image), 'black', 'mean' or an image, got "
                             f"{baseline!r}")
    else:
        b = np.asarray(baseline)
        if b.ndim == 1 or (b.ndim in (2, 3) and b.size == np.prod(pre.shape_)):
            b = b[None]  # one image, or one flat row of pixels
        base = torch.as_tensor(np.asarray(model._prepare(b)), device=device, dtype=dtype)
        if len(base) not in (1, len(x)):
            raise DataError(f"the baseline holds {len(base)} images; give one (or one per explained image)")
        base = base.expand_as(x).contiguous() if len(base) == 1 else base
    link, description, classes = _link(model, target, len(x), lambda: _predicted(_batched(net, x, batch_size)))
    attr, fx, fb = _run(lambda z, rows: link(net(z), rows), x, base, steps, batch_size, refine,
                        lambda a: a.sum(dim=1))
    return Attribution(values=attr.numpy(), features=None, inputs=X, output=fx, baseline_output=fb,
                       target=description, target_classes=classes)


# ---------------------------------------------------------------------------------------------- public API


def _explain(model, X, target, baseline, steps, batch_size, refine) -> Attribution:
    kind = _model_kind(model)
    check_fitted(model, "module_")
    steps = check_positive_int("steps", steps)
    batch_size = check_positive_int("batch_size", batch_size)
    X = _check_rows(X)
    run = {"tabular": _tabular, "text": _text, "image": _image}[kind]
    return run(model, X, target, baseline, steps, batch_size, refine)


def integrated_gradients(model, X, target=None, baseline="auto", steps: int = 64, batch_size: int = 256) -> Attribution:
    """Integrated-gradient contributions of each input to each row's prediction.

    Parameters
    ----------
    model : a fitted DeepClassifier, DeepRegressor, LogisticNeuron, LinearNeuron, RNNTextClassifier,
        CNNTextClassifier or CNNClassifier.
    X : the rows to explain, as the model's ``predict`` takes them (a DataFrame, texts, images).
    target : None, a class label (or one per row), or for a multi-output regressor an output index;
        see the module docstring.
    baseline : "auto"; a one-row DataFrame for tabular models; "zeros" for text; "black", "mean" or
        an image for CNNClassifier.
    steps : intervals of the Riemann sum (middle rule); rows short of completeness get more, up to 512.
    batch_size : interpolated inputs per forward/backward pass (bounds the memory).

    Returns
    -------
    Attribution
        One contribution per row and column, with each row's output and the baseline's.
    """
    return _explain(model, X, target, baseline, steps, batch_size, refine=True)


def gradient_importance(model, X, target=None, steps: int = 32, baseline="auto",
                        batch_size: int = 256) -> pd.DataFrame:
    """Global importance: the mean absolute integrated gradient of each input over the rows of ``X``.

    Tabular models: one line per original column. Text models: one line per token (over its
    occurrences in the texts), with a ``count`` column. Images: one line per pixel, named
    ``pixel_<i>`` in row-major order. Columns ``feature``, ``importance`` (mean |contribution|) and
    ``std`` (of |contribution|), most important first.
    """
    attribution = _explain(model, X, target, baseline, steps, batch_size, refine=False)
    attribution.method = "integrated_gradients"
    return attribution.importance()


def supports_gradients(model) -> bool:
    """Whether :func:`integrated_gradients` can explain ``model`` (fitted or not)."""
    try:
        _model_kind(model)
    except DeepmineError:
        return False
    return True
