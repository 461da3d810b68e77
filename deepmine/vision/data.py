"""Images in, one float32 array (n, channels, height, width) out, for every image classifier.

deepmine's image classifiers take what :class:`ImagePreprocessor` accepts:

- a numpy array (n, h, w) of grayscale images, (n, h, w, c) channels last, or (n, c, h, w)
  channels first (taken as channels first when dimension 1 is 1, 3 or 4 and the last is not);
- flattened rows (n, h*w): a 2-D array or a DataFrame of pixel columns (``pixel_0`` ...), their
  shape given by ``image_shape=(h, w)`` or, when the row length is a perfect square, taken as
  square images (64 -> 8x8 as sklearn's digits, 784 -> 28x28 as MNIST);
- a list of image file paths, read with Pillow.

:func:`load_images` reads a folder with one sub-folder per class (the folder names are the
labels), a list of files, or an ``.npz`` file with the arrays ``X`` (or ``images``) and ``y`` (or
``labels``). Images of other sizes are resized to one size (the most common by default), and
modes are unified (grayscale when every image is grayscale, else RGB).

A file in a class folder that is not an image (by its suffix: notes, a ``.DS_Store``) is skipped
with a :class:`~deepmine.errors.DataWarning` naming it; loose files in the root folder (a README)
are ignored. A file with an image suffix that cannot be read (truncated, damaged) is an error
naming the file, as is a class folder with no images.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from deepmine.errors import DataError, DataWarning, ParameterError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm")
MODES = ("auto", "L", "RGB")


# ---------------------------------------------------------------------------------------------- files

def _is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def image_files(paths) -> list[Path]:
    """The image files among ``paths`` (files, or folders searched recursively), in sorted order per folder."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if _is_image_file(f)))
        elif p.is_file():
            found.append(p)
        else:
            raise DataError(f"no such file or folder: {p}")
    if not found:
        raise DataError(f"no image files found in {', '.join(map(str, paths))}; give PNG, JPEG, BMP or GIF files")
    return found


def _open(path):
    """One image, fully decoded (the first frame of an animation), or a DataError naming the file."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such image file: {path}")
    try:
        with Image.open(path) as img:
            img.seek(0)
            img.load()
            return img.copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"could not read the image {path} ({exc}); the file is damaged, truncated or not an "
                        f"image - replace or remove it") from None


def _is_gray(img) -> bool:
    return img.mode in ("1", "L", "LA", "I", "I;16", "F") or (img.mode == "P" and _palette_is_gray(img))


def _palette_is_gray(img) -> bool:
    rgb = np.asarray(img.convert("RGB"))
    return bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())


def _to_array(img, mode: str, size: tuple[int, int] | None) -> np.ndarray:
    """An image as uint8 (h, w, c) in ``mode`` ("L" or "RGB"), resized to ``size`` = (h, w) when it differs."""
    from PIL import Image

    if img.mode in ("I", "I;16", "F"):  # 16-bit and float grayscale: scale to 0..255
        arr = np.asarray(img, dtype=np.float64)
        top = arr.max()
        img = Image.fromarray((arr * (255.0 / top if top > 255 else 1.0)).clip(0, 255).astype(np.uint8), "L")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")  # transparent parts on white, not on black
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    img = img.convert(mode)
    if size is not None and (img.height, img.width) != tuple(size):
        img = img.resize((int(size[1]), int(size[0])), Image.BILINEAR)
    arr = np.asarray(img, dtype=np.uint8)
    return arr[:, :, None] if arr.ndim == 2 else arr


def read_images(paths, size=None, mode: str = "auto") -> np.ndarray:
    """The image files ``paths`` as one uint8 array (n, h, w, c), resized and converted to one size and mode."""
    if mode not in MODES:
        raise ParameterError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    paths = [Path(p) for p in paths]
    if not paths:
        raise DataError("there are no images; give at least one image file")
    images = [_open(p) for p in paths]
    if mode == "auto":
        mode = "L" if all(_is_gray(img) for img in images) else "RGB"
    if size is None:
        size = Counter((img.height, img.width) for img in images).most_common(1)[0][0]
    size = _check_size(size)
    return np.stack([_to_array(img, mode, size) for img in images])


def _check_size(size) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (int(size), int(size))
    try:
        h, w = (int(s) for s in size)
    except (TypeError, ValueError):
        raise ParameterError(f"size must be an int or a (height, width) pair, got {size!r}") from None
    if h < 1 or w < 1:
        raise ParameterError(f"size must be positive, got {size!r}")
    return h, w


def _class_folder(root: Path) -> tuple[list[Path], list[str]]:
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    files, labels = [], []
    if not folders:
        loose = sorted(f for f in root.iterdir() if _is_image_file(f))
        if not loose:
            raise DataError(f"the folder {root} holds no images and no class sub-folders; give a folder with one "
                            f"sub-folder of images per class")
        return loose, []
    for folder in folders:
        inside = sorted(f for f in folder.rglob("*") if f.is_file() and not f.name.startswith("."))
        images = [f for f in inside if _is_image_file(f)]
        skipped = [f for f in inside if not _is_image_file(f)]
        if skipped:
            names = ", ".join(str(f) for f in skipped[:3]) + (f" and {len(skipped) - 3} more" if len(skipped) > 3
                                                              else "")
            warnings.warn(f"skipped {len(skipped)} file(s) that are not images: {names}", DataWarning, stacklevel=3)
        if not images:
            raise DataError(f"the class folder {folder} holds no images; add images to it or remove it")
        files.extend(images)
        labels.extend([folder.name] * len(images))
    return files, labels


def _labels_array(labels: list[str]) -> np.ndarray:
    """Folder names as labels: integers when every name is one (folders 0..9), else strings."""
    try:
        ints = [int(s) for s in labels]
        if all(str(i) == s for i, s in zip(ints, labels)):
            return np.asarray(ints)
    except ValueError:
        pass
    return np.asarray(labels, dtype=object)


def _load_npz(path: Path):
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = dict(npz)
    except (OSError, ValueError) as exc:
        raise DataError(f"could not read {path} as an .npz file ({exc})") from None
    X = arrays.get("X", arrays.get("images"))
    if X is None:
        raise DataError(f"{path} has no array named X or images; it has: {', '.join(arrays) or 'nothing'}")
    y = arrays.get("y", arrays.get("labels"))
    if y is not None and len(y) != len(X):
        raise DataError(f"{path} holds {len(X)} images but {len(y)} labels; give one label per image")
    return X, y


def load_images(source, size=None, mode: str = "auto"):
    """Images, labels and file paths from a folder of class sub-folders, a list of files or an ``.npz`` file.

    Returns ``(images, labels, paths)``: ``images`` a uint8 array (n, h, w, c) (an .npz file's array
    as stored, channels last, (n, h, w) gaining c=1); ``labels`` the class-folder names (integers
    when all are) or the .npz ``y``, else None; ``paths`` the files read, None for an .npz file.
    ``size`` (int or (height, width)) resizes every image; by default the most common size is kept.
    ``mode`` is "auto" (grayscale if every image is, else RGB), "L" or "RGB".
    """
    if mode not in MODES:
        raise ParameterError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.suffix.lower() == ".npz":
            if not path.is_file():
                raise DataError(f"no such file: {path}")
            X, y = _load_npz(path)
            images = _channels_last(np.asarray(X))
            if size is not None:
                images = _resize_nhwc(images, _check_size(size))
            return images, None if y is None else np.asarray(y), None
        if path.is_dir():
            files, labels = _class_folder(path)
            images = read_images(files, size, mode)
            return images, (_labels_array(labels) if labels else None), [str(f) for f in files]
        if _is_image_file(path):
            return read_images([path], size, mode), None, [str(path)]
        raise DataError(f"no such folder, image or .npz file: {path}")
    files = image_files(source)
    return read_images(files, size, mode), None, [str(f) for f in files]


# ---------------------------------------------------------------------------------------------- arrays

def _channels_last(arr: np.ndarray) -> np.ndarray:
    """(n, h, w) -> (n, h, w, 1); (n, c, h, w) with c in 1/3/4 and a last dimension that is not -> channels last."""
    if arr.ndim == 3:
        return arr[..., None]
    if arr.ndim != 4:
        raise DataError(f"images must be shaped (n, h, w), (n, h, w, c) or (n, c, h, w); got {arr.ndim} "
                        f"dimension(s) {arr.shape}")
    if arr.shape[1] in (1, 3, 4) and arr.shape[-1] not in (1, 3, 4):
        return np.moveaxis(arr, 1, -1)
    return arr


def _resize_nhwc(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if images.shape[1:3] == tuple(size):
        return images
    t = torch.as_tensor(np.ascontiguousarray(images, dtype=np.float32)).permute(0, 3, 1, 2)
    out = F.interpolate(t, size=size, mode="bilinear", align_corners=False, antialias=True)
    out = out.permute(0, 2, 3, 1).numpy()
    if images.dtype == np.uint8:
        return out.round().clip(0, 255).astype(np.uint8)
    return out


def _square_side(n_pixels: int, image_shape) -> tuple[int, int, int]:
    """(h, w, c) of flat rows of ``n_pixels`` values."""
    if image_shape is not None:
        shape = tuple(int(s) for s in image_shape)
        h, w = shape[:2]
        c = shape[2] if len(shape) == 3 else 1
        if h * w * c != n_pixels:
            raise DataError(f"image_shape {tuple(image_shape)} holds {h * w * c} pixels but the rows have {n_pixels} "
                            f"values; give the shape of the flattened images")
        return h, w, c
    for c in (1, 3):
        side = math.isqrt(n_pixels // c) if n_pixels % c == 0 else 0
        if side > 1 and side * side * c == n_pixels:
            return side, side, c
    raise DataError(f"rows of {n_pixels} pixel values are not square images; pass image_shape=(height, width) "
                    f"to say how they were flattened")


def to_images(X, image_shape=None) -> tuple[np.ndarray, list | None]:
    """Any accepted input as an array (n, h, w, c) (uint8 or float), and a DataFrame's pixel columns (else None)."""
    columns = None
    if isinstance(X, pd.DataFrame):
        numeric = X.select_dtypes(include="number")
        numeric = numeric[[c for c in numeric.columns if not pd.api.types.is_bool_dtype(numeric[c])]]
        if numeric.shape[1] == 0:
            raise DataError("the table has no numeric pixel columns; give one column per pixel (pixel_0, ...)")
        columns = list(numeric.columns)
        X = numeric.to_numpy(dtype=np.float32)
    elif isinstance(X, pd.Series):
        X = X.to_list()
    if isinstance(X, (list, tuple)) and len(X) and isinstance(X[0], (str, Path)):
        return read_images(X), None
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise DataError("there are no images; give at least one")
    try:
        arr = np.asarray(X)
    except ValueError as exc:
        raise DataError(f"the images could not be stacked into one array ({exc}); give images of one size") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise DataError(f"the images hold values that are not numbers (dtype {arr.dtype}); give pixel values")
    if arr.ndim == 2:
        h, w, c = _square_side(arr.shape[1], image_shape)
        arr = arr.reshape(len(arr), h, w, c) if c > 1 else arr.reshape(len(arr), h, w, 1)
    else:
        arr = _channels_last(arr)
    if len(arr) == 0:
        raise DataError("there are no images; give at least one")
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)
    return arr, columns


# ---------------------------------------------------------------------------------------------- preprocessing

class ImagePreprocessor:
    """Fit on training images: channels, height, width and the per-channel pixel mean and sd.

    ``transform`` gives float32 (n, c, h, w): pixels divided by 255 when the training maximum is
    above 1.5 (8-bit images; sklearn's 0..16 digits too, which then span 0..0.06 before
    standardising), resized to the fitted size when they differ, then standardised per channel
    when ``normalize``. Missing pixel values are filled with the channel mean.

    Parameters
    ----------
    normalize : bool
        Standardise each channel with the training mean and sd.
    size : int, (height, width) or None
        Resize every image to this size; None keeps the training images' size.
    image_shape : (height, width[, channels]) or None
        How flattened rows were flattened, when they are not square one-channel images.
    """

    kind = "images"  # names the saved state

    def __init__(self, normalize: bool = True, size=None, image_shape=None):
        self.normalize, self.size, self.image_shape = normalize, size, image_shape

    def fit(self, X) -> "ImagePreprocessor":
        images, columns = to_images(X, self.image_shape)
        self.columns_ = None if columns is None else [str(c) for c in columns]
        self.n_channels_ = int(images.shape[3])
        self.height_, self.width_ = _check_size(self.size) if self.size is not None else images.shape[1:3]
        self.height_, self.width_ = int(self.height_), int(self.width_)
        top = float(np.nanmax(images)) if images.size else 0.0
        self.scale_ = 255.0 if top > 1.5 else 1.0
        pixels = images.reshape(-1, self.n_channels_).astype(np.float64) / self.scale_
        mean = np.nanmean(pixels, axis=0)
        sd = np.nanstd(pixels, axis=0)
        self.mean_ = np.where(np.isfinite(mean), mean, 0.0)
        self.std_ = np.where(np.isfinite(sd) & (sd > 1e-8), sd, 1.0)
        return self

    @property
    def shape_(self) -> tuple[int, int, int]:
        """(channels, height, width) of the transformed images."""
        return self.n_channels_, self.height_, self.width_

    def _select(self, X):
        if isinstance(X, pd.DataFrame) and self.columns_ is not None:
            names = [str(c) for c in X.columns]
            if set(self.columns_) <= set(names) and len(self.columns_) < len(names):
                position = {n: i for i, n in enumerate(names)}
                return X.iloc[:, [position[c] for c in self.columns_]]
        return X

    def transform(self, X) -> np.ndarray:
        if isinstance(X, (list, tuple)) and len(X) and isinstance(X[0], (str, Path)):
            mode = "L" if self.n_channels_ == 1 else "RGB"
            images = read_images(X, (self.height_, self.width_), mode)
        else:
            image_shape = self.image_shape
            if image_shape is None and np.ndim(X) == 2 and not isinstance(X, (list, tuple)):
                image_shape = self._flat_shape(np.shape(self._select(X))[1])
            images, _ = to_images(self._select(X), image_shape)
        if images.shape[3] != self.n_channels_:
            if self.n_channels_ == 3 and images.shape[3] == 1:
                images = np.repeat(images, 3, axis=3)
            elif self.n_channels_ == 1 and images.shape[3] in (3, 4):
                images = (images[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
            else:
                raise DataError(f"the model was fitted on images with {self.n_channels_} channel(s); these have "
                                f"{images.shape[3]}")
        images = _resize_nhwc(images, (self.height_, self.width_))
        out = images.astype(np.float32) / np.float32(self.scale_)
        if self.normalize:
            out = (out - self.mean_.astype(np.float32)) / self.std_.astype(np.float32)
            out = np.nan_to_num(out, nan=0.0)
        else:
            out = np.where(np.isnan(out), self.mean_.astype(np.float32), out)
        return np.ascontiguousarray(out.transpose(0, 3, 1, 2), dtype=np.float32)

    def _flat_shape(self, n_values: int):
        """Flat rows of a fitted model: the fitted shape when they hold that many values, else the square rule."""
        if n_values == self.n_channels_ * self.height_ * self.width_:
            return (self.height_, self.width_, self.n_channels_)
        return None

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def state_dict(self) -> dict:
        return {"kind": self.kind, "normalize": bool(self.normalize),
                "size": None if self.size is None else list(_check_size(self.size)),
                "image_shape": None if self.image_shape is None else [int(s) for s in self.image_shape],
                "columns_": self.columns_, "n_channels_": self.n_channels_, "height_": self.height_,
                "width_": self.width_, "scale_": self.scale_, "mean_": [float(v) for v in self.mean_],
                "std_": [float(v) for v in self.std_]}

    @classmethod
    def from_state(cls, state: dict) -> "ImagePreprocessor":
        obj = cls(state["normalize"], None if state["size"] is None else tuple(state["size"]),
                  None if state["image_shape"] is None else tuple(state["image_shape"]))
        obj.columns_ = state["columns_"]
        obj.n_channels_, obj.height_, obj.width_ = state["n_channels_"], state["height_"], state["width_"]
        obj.scale_ = state["scale_"]
        obj.mean_, obj.std_ = np.asarray(state["mean_"]), np.asarray(state["std_"])
        return obj


# ---------------------------------------------------------------------------------------------- augmentation

def shift_images(x: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor, flip: torch.Tensor | None = None) -> torch.Tensor:
    """Each image of ``x`` (n, c, h, w) moved by (dy, dx) pixels (edges repeated), mirrored where ``flip``."""
    n, c, h, w = x.shape
    pad = int(max(dy.abs().max().item() if len(dy) else 0, dx.abs().max().item() if len(dx) else 0))
    if pad == 0 and (flip is None or not bool(flip.any())):
        return x
    padded = F.pad(x, (pad, pad, pad, pad), mode="replicate") if pad else x
    rows = torch.arange(h, device=x.device)[None, :] + pad - dy[:, None].to(x.device)
    cols = torch.arange(w, device=x.device)[None, :] + pad - dx[:, None].to(x.device)
    if flip is not None:
        cols = torch.where(flip[:, None].to(x.device), cols.flip(1), cols)
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    chans = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch, chans, rows[:, None, :, None], cols[:, None, None, :]]


def augment(batch, rng=None, shift: int = 2, flip: bool = False) -> np.ndarray:
    """Light training augmentation of ``batch`` (n, c, h, w): random shifts of up to ``shift`` pixels
    (pad by repeating the edge, random crop), and random horizontal flips when ``flip`` (off by
    default: digits and letters must not be mirrored). ``rng`` is a numpy Generator or a seed."""
    rng = np.random.default_rng(rng)
    x = torch.as_tensor(np.asarray(batch, dtype=np.float32))
    n = len(x)
    dy = torch.as_tensor(rng.integers(-shift, shift + 1, n)) if shift else torch.zeros(n, dtype=torch.long)
    dx = torch.as_tensor(rng.integers(-shift, shift + 1, n)) if shift else torch.zeros(n, dtype=torch.long)
    flips = torch.as_tensor(rng.random(n) < 0.5) if flip else None
    return shift_images(x, dy, dx, flips).numpy()


class ImageInput:
    """Mixin for estimators whose X is a set of images: flat pixel rows or 3-D / 4-D image arrays."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        return tags


__all__ = ["IMAGE_SUFFIXES", "ImageInput", "ImagePreprocessor", "augment", "image_files", "load_images",
           "read_images", "shift_images", "to_images"]
