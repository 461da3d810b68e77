"""Save and load fitted models as folders of JSON and safetensors; loading never unpickles code.

A deep model's folder holds ``config.json`` (class, parameters, learned attributes, versions),
``weights.safetensors`` (the network's tensors), ``preprocessing.json`` (the fitted
TabularPreprocessor) and ``history.csv``. A traditional scikit-learn model is stored with skops'
secure format (``model.skops``), which rebuilds only types on an allow-list instead of running
pickle's arbitrary code; ``config.json`` says which format a folder uses.

A scikit-learn object that holds fitted deep models (a calibrated network, a Pipeline ending in one)
is saved in both ways: each deep model in its own folder under ``parts/``, and the rest as skops
with a marker where each deep model was; loading puts the deep models back in their places.
"""

from __future__ import annotations

import copy
import importlib
import json
import platform
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from deepmine.errors import ModelFormatError, OutputExistsError
from deepmine.persist.atomic import atomic_folder

FORMAT_VERSION = 1
# Packages whose classes a skops file may contain beyond skops' own safe defaults. Functions are
# refused even from these packages: a stored function is code that predict would run.
_TRUSTED_PACKAGES = ("sklearn.", "numpy.", "scipy.", "deepmine.")
# Single classes trusted from other packages: estimators whose state is plain arrays and numbers
# (aeon's ROCKET transforms keep their kernels as numpy arrays and tuples).
_TRUSTED_CLASSES = frozenset({"aeon.transformations.collection.convolution_based._minirocket.MiniRocket",
                              "aeon.transformations.collection.convolution_based._rocket.Rocket"})


def _versions() -> dict:
    import sklearn
    import torch

    from deepmine import __version__

    return {"deepmine": __version__, "torch": torch.__version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "python": platform.python_version()}


def _json_params(model) -> tuple[dict, list[str]]:
    params, tuples = {}, []
    for key, value in model.get_params(deep=False).items():
        if key == "callbacks":
            value = None  # callbacks are code, which a safe format does not store
        if isinstance(value, tuple):
            tuples.append(key)
            value = list(value)
        if isinstance(value, np.generic):
            value = value.item()
        try:
            json.dumps(value)
        except TypeError:
            raise ModelFormatError(
                f"parameter {key}={value!r} cannot be saved as JSON; set it to a plain value before saving"
            ) from None
        params[key] = value
    return params, tuples


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, default=_json_default), encoding="utf-8")


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def save_model(model, path, overwrite: bool = False) -> Path:
    """Save a fitted deepmine or scikit-learn model as the folder ``path``.

    The folder is written beside its destination and renamed into place, so an interrupted save
    never leaves a half-written model; an existing folder is replaced only with ``overwrite=True``.
    """
    from sklearn.utils.validation import check_is_fitted

    from deepmine.base import DeepEstimator

    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"'{path}' exists already; choose another path or pass overwrite=True")
    check_is_fitted(model)
    with atomic_folder(path, replace=overwrite) as tmp:
        config = {"format": None, "format_version": FORMAT_VERSION,
                  "class": f"{type(model).__module__}.{type(model).__qualname__}",
                  "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "versions": _versions()}
        if isinstance(model, DeepEstimator):
            _save_deep(model, tmp, config)
        else:
            _save_skops(model, tmp, config)
        _write_json(tmp / "config.json", config)
    return path


def _save_deep(model, folder: Path, config: dict) -> None:
    from safetensors.torch import save_file

    params, tuples = _json_params(model)
    config.update(format="deepmine-torch", params=params, tuple_params=tuples, fitted=model._fitted_state())
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.module_.state_dict().items()}
    save_file(tensors, str(folder / "weights.safetensors"), metadata={"class": config["class"]})
    _write_json(folder / "preprocessing.json", model.preprocessor_.state_dict())
    model.history_.to_csv(folder / "history.csv", index=False)


class _Part:
    """Stands, in a saved object graph, for a deep model saved in its own folder under parts/."""

    def __init__(self, name: str = ""):
        self.name = name


def _find(model, wanted) -> list:
    """The objects inside ``model`` (through estimators' attributes, lists, tuples and dicts) for which
    ``wanted(obj)`` is true, each once, without looking inside them."""
    found, seen = {}, set()

    def walk(obj, depth: int) -> None:
        if id(obj) in seen or depth > 16:
            return
        seen.add(id(obj))
        if wanted(obj):
            found[id(obj)] = obj
            return
        if isinstance(obj, dict):
            items = list(obj.values())
        elif isinstance(obj, (list, tuple)):
            items = list(obj)
        elif hasattr(obj, "__dict__") and not isinstance(obj, type) and \
                type(obj).__module__.split(".")[0] in ("sklearn", "deepmine"):
            items = list(vars(obj).values())
        else:
            return
        for item in items:
            walk(item, depth + 1)

    walk(model, 0)
    return list(found.values())


def _deep_parts(model) -> list:
    """The fitted deep models inside ``model`` (a meta-estimator, a Pipeline)."""
    from deepmine.base import DeepEstimator

    return _find(model, lambda obj: isinstance(obj, DeepEstimator) and hasattr(obj, "module_"))


def _save_skops(model, folder: Path, config: dict) -> None:
    import skops.io as sio

    config.update(format="skops", file="model.skops")
    parts = _deep_parts(model)
    if parts:
        names = [f"part{i}" for i in range(len(parts))]
        shell = copy.deepcopy(model, {id(part): _Part(name) for part, name in zip(parts, names)})
        for part, name in zip(parts, names):
            save_model(part, folder / "parts" / name)
        config["parts"] = names
        model = shell
    sio.dump(model, folder / "model.skops")


def load(path):
    """Load a model saved by :func:`save_model` (or ``model.save``), without unpickling anything."""
    path = Path(path)
    config_file = path / "config.json"
    if not path.is_dir():
        raise ModelFormatError(f"'{path}' is not a model folder; give the folder that model.save() wrote")
    if not config_file.exists():
        raise ModelFormatError(f"'{path}' has no config.json, so it is not a deepmine model folder")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"'{config_file}' is not valid JSON ({exc}); the model folder is damaged") from exc
    fmt = config.get("format")
    if config.get("format_version", 0) > FORMAT_VERSION:
        raise ModelFormatError(f"'{path}' was saved by a newer deepmine (format {config['format_version']}); "
                               f"upgrade deepmine to load it")
    if fmt == "deepmine-torch":
        return _load_deep(path, config)
    if fmt == "skops":
        return _load_skops(path, config)
    raise ModelFormatError(f"'{path}' has an unknown model format {fmt!r}")


def _deep_class(name: str):
    from deepmine.base import DeepEstimator

    module_name, _, cls_name = name.rpartition(".")
    if not module_name.startswith("deepmine."):
        raise ModelFormatError(f"refusing to load class {name!r}: only deepmine models are loaded from this format")
    try:
        cls = getattr(importlib.import_module(module_name), cls_name)
    except (ImportError, AttributeError) as exc:
        raise ModelFormatError(f"this deepmine has no model class {name!r}; upgrade deepmine to load it") from exc
    if not (isinstance(cls, type) and issubclass(cls, DeepEstimator)):
        raise ModelFormatError(f"{name!r} is not a deepmine model class")
    return cls


def _load_deep(path: Path, config: dict):
    from safetensors.torch import load_file

    from deepmine.errors import DeepmineError
    from deepmine.training.device import choose_device

    cls = _deep_class(config["class"])
    params = dict(config["params"])
    for key in config.get("tuple_params", []):
        params[key] = tuple(params[key])
    model = cls(**params)
    model._restore_fitted_state(config["fitted"])
    for name in ("weights.safetensors", "preprocessing.json"):
        if not (path / name).exists():
            raise ModelFormatError(f"'{path}' lacks {name}; the model folder is incomplete")
    model.preprocessor_ = model._preprocessor_from_state(json.loads((path / "preprocessing.json").read_text("utf-8")))
    try:
        device = choose_device(model.device)
    except DeepmineError:
        device = choose_device("cpu")
    module = model._new_module()
    try:
        module.load_state_dict(load_file(str(path / "weights.safetensors")))
    except (RuntimeError, OSError) as exc:
        raise ModelFormatError(f"the weights in '{path}' do not fit the model described in config.json ({exc})") from exc
    model.module_ = module.to(device).eval()
    model.device_ = device
    history = path / "history.csv"
    model.history_ = pd.read_csv(history) if history.exists() else pd.DataFrame()
    return model


# Plain containers that skops does not trust by default; building one runs no code of the file's choosing.
_SAFE_BUILTINS = frozenset({"builtins.frozenset", "builtins.set", "builtins.range", "builtins.slice"})


def _is_trusted_class(name: str) -> bool:
    if name in _SAFE_BUILTINS:
        return True
    if not name.startswith(_TRUSTED_PACKAGES) and name not in _TRUSTED_CLASSES:
        return False
    module_name, _, attr = name.rpartition(".")
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        return False
    return isinstance(obj, type)


def _load_skops(path: Path, config: dict):
    import skops.io as sio

    file = path / config.get("file", "model.skops")
    if not file.exists():
        raise ModelFormatError(f"'{path}' lacks {file.name}; the model folder is incomplete")
    untrusted = sio.get_untrusted_types(file=file)
    refused = [t for t in untrusted if not _is_trusted_class(t)]
    if refused:
        raise ModelFormatError(f"refusing to load '{file}': it holds functions or types outside scikit-learn, "
                               f"numpy, scipy and deepmine ({', '.join(refused)}), which could run code")
    model = sio.load(file, trusted=untrusted)
    names = config.get("parts") or []
    if not names:
        return model
    missing = [n for n in names if not (path / "parts" / n / "config.json").exists()]
    if missing:
        raise ModelFormatError(f"'{path}' lacks the deep model(s) parts/{', parts/'.join(missing)}; the model folder "
                               f"is incomplete")
    parts = {name: load(path / "parts" / name) for name in names}
    # deepcopy looks every object up in its memo first, so each marker becomes its loaded deep model
    # wherever it was referenced (wrappers such as FrozenEstimator stay wrappers)
    markers = _find(model, lambda obj: isinstance(obj, _Part))
    return copy.deepcopy(model, {id(marker): parts[marker.name] for marker in markers})


__all__ = ["load", "save_model"]
