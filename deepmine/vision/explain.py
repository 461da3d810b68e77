"""Where did the network look? Gradient saliency and Grad-CAM heat maps, and PNG overlays of them.

Both take a fitted deepmine deep classifier (anything with ``module_``, ``device_`` and the
``_prepare(X)`` that gives the network's input) and images as the model's ``predict`` takes them,
and return one map per image, (n, h, w) floats in [0, 1], at the size of the network's input
(the size ``_prepare`` gives; :func:`save_heatmap` resizes a map to the image it is drawn on).

- :func:`saliency` (Simonyan et al. 2014): the absolute gradient of the class logit with respect
  to each input pixel, the largest over the channels. Works for any deepmine deep model whose
  input is an image (for other inputs it returns the absolute gradient per input value).
- :func:`grad_cam` (Selvaraju et al. 2017): the last convolutional maps weighted by the
  spatially averaged gradient of the class logit, summed, ReLU'd, upsampled (bilinear) to the
  input size. Needs a network split into ``module_.features`` (input -> last conv maps) and
  ``module_.classifier`` (maps -> logits), as deepmine's image CNNs are; it is coarser than the
  saliency map but far less noisy.

``target`` picks the class to explain: None explains each image's predicted class; a label of
``model.classes_`` (or, for a model without ``classes_``, a class index) explains that class for
every image; a sequence gives one per image.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from deepmine.errors import DataError, NotFittedError, ParameterError

_CHUNK = 64  # images per backward pass


def _network(model):
    module = getattr(model, "module_", None)
    if module is None or not hasattr(model, "_prepare"):
        if hasattr(model, "fit") and hasattr(model, "_prepare"):
            raise NotFittedError(f"This {type(model).__name__} instance is not fitted yet; call 'fit' with "
                                 f"appropriate arguments before using this estimator")
        raise ParameterError(f"{type(model).__name__} is not a fitted deepmine deep model (it has no module_ and "
                             f"_prepare); saliency and Grad-CAM explain deepmine's neural classifiers")
    device = getattr(model, "device_", None) or next(module.parameters()).device
    return module, device


def _target_indices(model, target, n: int, out: torch.Tensor) -> np.ndarray:
    """One class index per image: the predicted class, or the class(es) ``target`` names."""
    if out.ndim > 2:
        raise ParameterError(f"the network gives outputs shaped {tuple(out.shape)}, not one row of logits per "
                             f"image; saliency and Grad-CAM explain classifiers (for a segmenter, its "
                             f"predict_proba is already a map)")
    k = out.shape[1] if out.ndim == 2 else 1
    n_classes = 2 if k == 1 else k
    if target is None:
        if k == 1:
            return (out.reshape(-1) > 0).long().cpu().numpy()
        return out.argmax(dim=1).cpu().numpy()
    values = np.atleast_1d(np.asarray(target, dtype=object))
    if values.ndim != 1 or len(values) not in (1, n):
        raise ParameterError(f"target must be one class or one class per image ({n}); got {len(values)} values")
    classes = getattr(model, "classes_", None)
    idx = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values):
        if classes is not None:
            hits = np.flatnonzero(np.asarray(classes, dtype=object) == value)
            if not len(hits):
                raise ParameterError(f"target {value!r} is not one of the model's classes "
                                     f"({', '.join(map(repr, list(classes)))})")
            idx[i] = hits[0]
        else:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < n_classes:
                raise ParameterError(f"target must be a class index from 0 to {n_classes - 1}, got {value!r}")
            idx[i] = int(value)
    return np.repeat(idx, n) if len(idx) == 1 else idx


def _class_score(out: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """The logit of class ``idx`` per row, summed (one logit for two classes: class 1 is +logit, class 0 -logit)."""
    if out.ndim == 1 or out.shape[1] == 1:
        logit = out.reshape(-1)
        return torch.where(idx == 1, logit, -logit).sum()
    return out.gather(1, idx[:, None]).sum()


def _normalise(maps: torch.Tensor) -> np.ndarray:
    """Each map divided by its largest value (all-zero maps stay zero), as float32 in [0, 1]."""
    flat = maps.reshape(len(maps), -1)
    top = flat.max(dim=1).values.clamp_min(1e-12)
    out = (flat / top[:, None]).clamp(0, 1).reshape(maps.shape)
    return out.detach().float().cpu().numpy()


def _inputs(model, images) -> np.ndarray:
    x = np.asarray(model._prepare(images))
    if len(x) == 0:
        raise DataError("there are no images; give at least one")
    return x


def saliency(model, images, target=None) -> np.ndarray:
    """Vanilla gradient saliency: ``|d logit / d input|``, the largest over the channels, per image.

    Returns float32 (n, h, w) in [0, 1] (each map divided by its maximum) at the network input's
    size; for a network whose input is not an image (n, c, h, w), the absolute gradient of each
    input value, shaped as the input. See the module docstring for ``target``.
    """
    module, device = _network(model)
    x_all = _inputs(model, images)
    was_training = module.training
    module.eval()
    maps = []
    try:
        for s in range(0, len(x_all), _CHUNK):
            x = torch.as_tensor(x_all[s: s + _CHUNK], device=device)
            if x.is_floating_point():
                x = x.float()
            else:
                raise ParameterError(f"{type(model).__name__}'s network input is not continuous (dtype {x.dtype}), "
                                     f"so it has no gradient; saliency needs image or numeric input")
            x.requires_grad_(True)
            with torch.enable_grad():
                out = module(x)
                idx = _target_indices(model, target if target is None or np.ndim(target) == 0
                                      else np.asarray(target, dtype=object)[s: s + _CHUNK], len(x), out)
                score = _class_score(out, torch.as_tensor(idx, device=out.device))
                (grad,) = torch.autograd.grad(score, x)
            sal = grad.abs()
            if sal.ndim == 4:
                sal = sal.amax(dim=1)
            maps.append(_normalise(sal))
    finally:
        module.train(was_training)
    return np.concatenate(maps)


def grad_cam(model, images, target=None) -> np.ndarray:
    """Grad-CAM on the network's last convolutional maps, upsampled to the input size.

    The model's network must expose ``features`` (input -> conv maps (n, k, h', w')) and
    ``classifier`` (maps -> logits), as deepmine's image CNNs do; :func:`saliency` works for any
    deepmine deep model. Returns float32 (n, h, w) in [0, 1] (ReLU, then each map divided by its
    maximum). See the module docstring for ``target``.
    """
    module, device = _network(model)
    if not (hasattr(module, "features") and hasattr(module, "classifier")):
        raise ParameterError(f"Grad-CAM needs a network split into 'features' (the conv layers) and 'classifier'; "
                             f"{type(model).__name__}'s {type(module).__name__} has no such parts. Use "
                             f"deepmine.vision.explain.saliency, which works for any deepmine deep model")
    x_all = _inputs(model, images)
    if x_all.ndim != 4:
        raise DataError(f"Grad-CAM explains images; the network input is shaped {x_all.shape}, not (n, c, h, w)")
    was_training = module.training
    module.eval()
    maps = []
    try:
        for s in range(0, len(x_all), _CHUNK):
            x = torch.as_tensor(x_all[s: s + _CHUNK], device=device).float()
            with torch.enable_grad():
                feats = module.features(x)
                if feats.ndim != 4:
                    raise ParameterError(f"the network's features give maps shaped {tuple(feats.shape)}; Grad-CAM "
                                         f"needs convolutional maps (n, channels, h, w)")
                out = module.classifier(feats)
                idx = _target_indices(model, target if target is None or np.ndim(target) == 0
                                      else np.asarray(target, dtype=object)[s: s + _CHUNK], len(x), out)
                score = _class_score(out, torch.as_tensor(idx, device=out.device))
                (grads,) = torch.autograd.grad(score, feats)
            weights = grads.mean(dim=(2, 3), keepdim=True)
            cam = F.relu((weights * feats).sum(dim=1, keepdim=True))
            cam = F.interpolate(cam, size=x.shape[2:], mode="bilinear", align_corners=False)
            maps.append(_normalise(F.relu(cam[:, 0])))
    finally:
        module.train(was_training)
    return np.concatenate(maps)


# ---------------------------------------------------------------------------------------------- drawing


def _jet(v: np.ndarray) -> np.ndarray:
    """A jet-like colour map drawn by hand: blue (0) through cyan, yellow to red (1); (h, w) -> (h, w, 3)."""
    r = np.clip(1.5 - np.abs(4 * v - 3), 0, 1)
    g = np.clip(1.5 - np.abs(4 * v - 2), 0, 1)
    b = np.clip(1.5 - np.abs(4 * v - 1), 0, 1)
    return np.stack([r, g, b], axis=-1)


def _colour(heat: np.ndarray, cmap: str) -> np.ndarray:
    try:
        import matplotlib

        return np.asarray(matplotlib.colormaps[cmap](heat))[..., :3]
    except ImportError:
        return _jet(heat)
    except KeyError:
        raise ParameterError(f"unknown colour map {cmap!r}; use a matplotlib colour map name such as 'jet', "
                             f"'inferno' or 'viridis'") from None


def _rgb_image(image) -> np.ndarray:
    """An image (h, w), (h, w, c) or (c, h, w) with c in 1, 3, 4 as RGB floats in [0, 1], (h, w, 3)."""
    img = np.asarray(image)
    if img.dtype == bool:
        img = img.astype(np.float64)
    if not np.issubdtype(img.dtype, np.number):
        raise DataError(f"the image holds values of type {img.dtype}; give a numeric pixel array")
    if img.ndim == 3 and img.shape[0] in (1, 3, 4) and img.shape[2] not in (1, 3, 4):
        img = np.moveaxis(img, 0, 2)
    if img.ndim == 3 and img.shape[2] in (1, 3, 4):
        img = img[..., :3] if img.shape[2] != 1 else img[..., 0]
    if img.ndim not in (2, 3):
        raise DataError(f"the image must be shaped (h, w), (h, w, channels) or (channels, h, w) with 1, 3 or 4 "
                        f"channels; got {np.shape(image)}")
    img = img.astype(np.float64)
    if not np.isfinite(img).all():
        raise DataError("the image holds missing or infinite pixel values")
    if np.issubdtype(np.asarray(image).dtype, np.integer) and img.max(initial=0) <= 255 and img.min(initial=0) >= 0:
        img = img / 255.0
    else:  # any other scale (normalised arrays, z-scores): stretch to [0, 1]
        lo, hi = img.min(), img.max()
        img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    return img


def save_heatmap(image, heat, path, alpha: float = 0.5, cmap: str = "jet") -> Path:
    """Draw ``heat`` (a 2-D map in [0, 1]) over ``image`` in colour and write it as a PNG, atomically.

    The image may be grayscale (h, w) or colour (h, w, 3/4) or (3/4, h, w); integer images are
    read as 0-255, float ones are stretched to their range. The heat map is resized (bilinear) to
    the image, coloured with ``cmap`` (a matplotlib colour map; a hand-made jet without
    matplotlib) and blended with weight ``alpha``. The file is written beside ``path`` and
    renamed into place, so a reader never sees half a PNG; it is a PNG whatever its suffix.
    Returns the path.
    """
    from PIL import Image

    if not 0 <= float(alpha) <= 1:
        raise ParameterError(f"alpha must be between 0 (image only) and 1 (heat map only), got {alpha!r}")
    img = _rgb_image(image)
    h = np.asarray(heat, dtype=np.float64)
    if h.ndim == 3 and h.shape[0] == 1:
        h = h[0]
    if h.ndim != 2:
        raise DataError(f"the heat map must be 2-D (h, w), one map for one image; got shape {h.shape}")
    if not np.isfinite(h).all():
        raise DataError("the heat map holds missing or infinite values")
    if h.shape != img.shape[:2]:
        resized = Image.fromarray(h.astype(np.float32)).resize((img.shape[1], img.shape[0]),
                                                                Image.Resampling.BILINEAR)
        h = np.asarray(resized, dtype=np.float64)
    h = np.clip(h, 0.0, 1.0)
    blended = (1 - alpha) * img + alpha * _colour(h, cmap)
    pixels = np.clip(np.round(blended * 255), 0, 255).astype(np.uint8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            Image.fromarray(pixels).save(fh, format="PNG")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


__all__ = ["grad_cam", "saliency", "save_heatmap"]
