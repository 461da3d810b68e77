"""Save and load fitted models as folders of JSON and safetensors; loading never unpickles code.

A deep model's folder holds ``config.json`` (class, parameters, learned attributes, versions),
``weights.safetensors`` (the network's tensors), ``preprocessing.json`` (the fitted
TabularPreprocessor) and ``history.csv``. A traditional scikit-learn model is stored with skops'
secure format (``model.skops``), which rebuilds only types on an allow-list instead of running
pickle's arbitrary code; ``config.json`` says which format a folder uses.

A gradient-boosted trees model (deepmine.tabular.BoostedTreesClassifier / BoostedTreesRegressor) is a
folder of ``config.json``, ``preprocessing.json`` and its library's own model file: LightGBM's text
``model.txt``, XGBoost's ``model.json`` or CatBoost's binary ``model.cbm`` (CatBoost's JSON export rounds
the leaf values, so a loaded model would not predict exactly as the saved one did). That file is read by
its library's own parser, which (unlike unpickling) has no way to run code the file chooses, but is C++
reading untrusted bytes: keep the libraries up to date.

A scikit-learn object that holds fitted deep or booster models (a calibrated network, a Pipeline ending
in one) is saved in both ways: each such model in its own folder under ``parts/``, and the rest as skops
with a marker where each one was; loading puts them back in their places.

Loading is safe on folders from elsewhere: before anything but config.json is read, a pickle anywhere in
the folder (``*.pkl``, ``*.pickle``, ``*.joblib``, ``*.pt``/``*.pth``/``*.ckpt``, or any file whose bytes
are a pickle stream) and any file that save_model does not write are refused with a ModelFormatError;
every tensor in weights.safetensors is checked (name, shape, dtype) against the network that config.json
describes; a booster's class must be a deepmine booster and its model file the one its library writes;
a skops file may hold only allow-listed types. Nothing here calls pickle, joblib or torch.load.
A folder from a newer format is refused naming both deepmine versions; one from an older deepmine of the
same format loads, and if it cannot, the error names both versions too.

Determinism: on the CPU the same data, parameters and ``random_state`` give byte-identical weights and
predictions in any process (each fit seeds torch itself; checked here with 1 and 2 threads). On a GPU,
cuDNN and cuBLAS pick kernels whose float sums are ordered differently from run to run, so results agree
to float tolerance, not bit for bit, unless the process sets ``torch.use_deterministic_algorithms(True)``
and ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` before any CUDA work (slower; operations without a deterministic
kernel then raise); CPU and GPU results differ in the last bits.
"""

from __future__ import annotations

import copy
import importlib
import json
import platform
import re
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


def model_folder(path) -> tuple[Path, Path | None]:
    """The saved model's folder, and the run folder when ``path`` is one (it holds model/)."""
    path = Path(path)
    if not (path / "config.json").exists() and (path / "model" / "config.json").exists():
        return path / "model", path
    return path, None


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
        elif _is_booster(model):
            _save_booster(model, tmp, config)
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


# The model file of a booster folder, by library: each library's own format, never a pickle.
BOOSTER_FILES = {"lightgbm": "model.txt", "xgboost": "model.json", "catboost": "model.cbm"}
_BOOSTER_FORMAT = "deepmine-booster"


def _is_booster(obj) -> bool:
    """Whether ``obj`` is one of deepmine's gradient-boosted trees models (they say so by their class's format)."""
    return getattr(type(obj), "_persist_format", None) == _BOOSTER_FORMAT and \
        type(obj).__module__.startswith("deepmine.")


def _save_booster(model, folder: Path, config: dict) -> None:
    library = model.library_
    params, tuples = _json_params(model)
    config.update(format=_BOOSTER_FORMAT, library=library, file=BOOSTER_FILES[library], params=params,
                  tuple_params=tuples, fitted=model._fitted_state())
    config["versions"][library] = importlib.import_module(library).__version__
    model._write_booster(folder / BOOSTER_FILES[library])
    _write_json(folder / "preprocessing.json", model.preprocessor_.state_dict())


class _Part:
    """Stands, in a saved object graph, for a deep or booster model saved in its own folder under parts/."""

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


def _model_parts(model) -> list:
    """The fitted deep and booster models inside ``model`` (a meta-estimator, a Pipeline): skops cannot store
    a network's tensors or a library's booster, so each is saved in its own folder."""
    from deepmine.base import DeepEstimator

    return _find(model, lambda obj: (isinstance(obj, DeepEstimator) and hasattr(obj, "module_"))
                 or (_is_booster(obj) and hasattr(obj, "booster_")))


def _save_skops(model, folder: Path, config: dict) -> None:
    import skops.io as sio

    config.update(format="skops", file="model.skops")
    parts = _model_parts(model)
    if parts:
        names = [f"part{i}" for i in range(len(parts))]
        shell = copy.deepcopy(model, {id(part): _Part(name) for part, name in zip(parts, names)})
        for part, name in zip(parts, names):
            save_model(part, folder / "parts" / name)
        config["parts"] = names
        model = shell
    sio.dump(model, folder / "model.skops")


# The files save_model writes, by format; anything else in a model folder is refused on load.
_DEEP_FILES = ("config.json", "weights.safetensors", "preprocessing.json", "history.csv")
_SKOPS_FILE = "model.skops"
# Suffixes of files that only unpickling reads (torch.save writes .pt/.pth/.ckpt with pickle inside).
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".dill")
_PART_NAME = re.compile(r"part[0-9]+")


def _saved_by(config: dict) -> str:
    versions = config.get("versions") if isinstance(config.get("versions"), dict) else {}
    return f"deepmine {versions.get('deepmine', 'of unknown version')} (format {config.get('format_version', '?')})"


def _this_deepmine() -> str:
    from deepmine import __version__

    return f"deepmine {__version__} (format {FORMAT_VERSION})"


def _looks_like_pickle(file: Path) -> bool:
    """True for a pickle stream (protocol 2 to 5 starts with the PROTO opcode 0x80), whatever its name; a
    safetensors file whose header length happens to start with 0x80 has its JSON header at byte 8."""
    try:
        with open(file, "rb") as fh:
            head = fh.read(9)
    except OSError:
        return False
    return len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5 and head[8:9] != b"{"


def _refuse_pickles(path: Path, writer: str = "deepmine.persist.save_model") -> None:
    """Refuse a folder holding a pickle anywhere (by name or by content), before anything in it is read."""
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        if file.suffix.lower() in _PICKLE_SUFFIXES or _looks_like_pickle(file):
            raise ModelFormatError(f"'{file}' is a pickle; deepmine never loads pickles because unpickling can run "
                                   f"code, so remove it (deepmine saves with {writer})")


def refuse_unexpected_files(path, expected, writer: str = "deepmine.persist.save_model") -> None:
    """Raise ModelFormatError unless every file and folder under ``path`` is in ``expected`` (paths relative to
    ``path``, with /): a pickle gets its own message, anything else is named with the fix (remove it)."""
    path = Path(path)
    _refuse_pickles(path, writer)
    for entry in sorted(path.rglob("*")):
        rel = entry.relative_to(path).as_posix()
        if rel not in expected:
            raise ModelFormatError(f"'{entry}' is not a file that {writer} writes, so '{path}' was not written "
                                   f"(only) by deepmine's save; remove '{rel}' to load it")


def _expected_files(path: Path, config: dict) -> set[str]:
    """The paths (relative, with /) that save_model writes for the folder ``config`` describes; a part's files
    are those its own config.json names (read, as JSON only, before anything else in the folder)."""
    if config["format"] == "deepmine-torch":
        return set(_DEEP_FILES)
    if config["format"] == _BOOSTER_FORMAT:
        return {"config.json", "preprocessing.json", config["file"]}
    expected = {"config.json", config.get("file", _SKOPS_FILE)}
    names = config.get("parts") or []
    missing = [n for n in names if not (path / "parts" / n / "config.json").is_file()]
    if missing:
        raise ModelFormatError(f"'{path}' lacks the deep model or booster parts/{', parts/'.join(missing)}; the "
                               f"model folder is incomplete")
    for name in names:
        part = _read_config(path / "parts" / name)
        if part["format"] not in ("deepmine-torch", _BOOSTER_FORMAT):
            raise ModelFormatError(f"'{path / 'parts' / name / 'config.json'}' has the format {part['format']!r}, "
                                   f"but a part is a deep model or a booster; the model folder is damaged")
        expected |= {"parts", f"parts/{name}"} | {f"parts/{name}/{f}" for f in _expected_files(path, part)}
    return expected


def _read_config(path: Path) -> dict:
    config_file = path / "config.json"
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"'{config_file}' is not valid JSON ({exc}); the model folder is damaged") from None
    if not isinstance(config, dict):
        raise ModelFormatError(f"'{config_file}' is not a JSON object; the model folder is damaged")
    version = config.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelFormatError(f"'{config_file}' has no whole-number format_version (it has {version!r}); the model "
                               f"folder is damaged or was not written by deepmine")
    if version > FORMAT_VERSION:
        raise ModelFormatError(f"'{path}' was saved by {_saved_by(config)}; this is {_this_deepmine()}; upgrade "
                               f"deepmine to load it")
    fmt = config.get("format")
    required = {"deepmine-torch": ("class", "params", "fitted"),
                _BOOSTER_FORMAT: ("class", "params", "fitted", "library", "file"), "skops": ()}
    if fmt not in required:
        raise ModelFormatError(f"'{path}' has an unknown model format {fmt!r}; give a folder that deepmine's save "
                               f"wrote")
    missing = [key for key in required[fmt] if key not in config]
    if missing:
        raise ModelFormatError(f"'{config_file}' lacks {', '.join(missing)}; the model folder is damaged")
    if fmt == "skops":
        file, parts = config.get("file", _SKOPS_FILE), config.get("parts") or []
        if not (isinstance(file, str) and "/" not in file and "\\" not in file and file.endswith(".skops")
                and not file.startswith(".")):
            raise ModelFormatError(f"'{config_file}' names {file!r} as its skops file; the model folder is damaged")
        if not isinstance(parts, list) or not all(isinstance(n, str) and _PART_NAME.fullmatch(n) for n in parts):
            raise ModelFormatError(f"'{config_file}' lists unexpected parts {parts!r}; the model folder is damaged")
    if fmt == _BOOSTER_FORMAT:
        library, file = config["library"], config["file"]
        if not isinstance(library, str) or library not in BOOSTER_FILES:
            raise ModelFormatError(f"'{config_file}' names the booster library {library!r}, not one of "
                                   f"{', '.join(BOOSTER_FILES)}; the model folder is damaged")
        if file != BOOSTER_FILES[library]:
            raise ModelFormatError(f"'{config_file}' names {file!r} as the model file of a {library} booster, which "
                                   f"is {BOOSTER_FILES[library]!r}; the model folder is damaged")
    return config


def load(path):
    """Load a model saved by :func:`save_model` (or ``model.save``), without unpickling anything.

    Before reading anything but config.json, the folder is checked: a pickle anywhere in it (by name or
    content), or any file that save_model does not write, is refused with a ModelFormatError.
    """
    path = Path(path)
    if not path.is_dir():
        raise ModelFormatError(f"'{path}' is not a model folder; give the folder that model.save() wrote")
    _refuse_pickles(path)
    if not (path / "config.json").is_file():
        raise ModelFormatError(f"'{path}' has no config.json, so it is not a deepmine model folder")
    config = _read_config(path)
    refuse_unexpected_files(path, _expected_files(path, config))
    load_format = {"deepmine-torch": _load_deep, _BOOSTER_FORMAT: _load_booster}.get(config["format"], _load_skops)
    try:
        return load_format(path, config)
    except ModelFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        from deepmine.errors import DeepmineError

        if isinstance(exc, DeepmineError):
            raise
        saved, this, problem = _saved_by(config), _this_deepmine(), " ".join(repr(exc).split())
        if saved != this:
            raise ModelFormatError(f"'{path}' was saved by {saved} and this {this} cannot load it ({problem}); "
                                   f"load it with the deepmine that saved it, or save it again") from exc
        raise ModelFormatError(f"'{path}' cannot be loaded ({problem}); the model folder is damaged") from exc


def _deep_class(name: str):
    from deepmine.base import DeepEstimator

    return _deepmine_class(name, lambda cls: issubclass(cls, DeepEstimator), "model")


def _deepmine_class(name: str, is_kind, kind: str):
    """The deepmine class named ``name`` (module.Class), imported only from deepmine, if ``is_kind(cls)``."""
    if not isinstance(name, str):
        raise ModelFormatError(f"refusing to load class {name!r}: only deepmine models are loaded from this format")
    module_name, _, cls_name = name.rpartition(".")
    if not module_name.startswith("deepmine."):
        raise ModelFormatError(f"refusing to load class {name!r}: only deepmine models are loaded from this format")
    try:
        cls = getattr(importlib.import_module(module_name), cls_name)
    except (ImportError, AttributeError) as exc:
        raise ModelFormatError(f"this deepmine has no model class {name!r}; upgrade deepmine to load it") from exc
    if not (isinstance(cls, type) and is_kind(cls)):
        raise ModelFormatError(f"{name!r} is not a deepmine {kind} class")
    return cls


def _dtype_names() -> dict:
    import torch
    from safetensors import torch as st

    names = getattr(st, "_TYPES", None) or {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16,
                                            "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32,
                                            "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
                                            "BOOL": torch.bool}
    return {dtype: name for name, dtype in names.items()}


def _read_weights(file: Path, module) -> dict:
    """The tensors of ``file``, after checking their names, shapes and dtypes against ``module``'s state_dict
    (from safetensors' header, before any tensor is read)."""
    from safetensors import SafetensorError, safe_open

    expected = {k: (list(v.shape), _dtype_names().get(v.dtype, str(v.dtype))) for k, v in module.state_dict().items()}
    try:
        with safe_open(str(file), framework="pt") as fh:
            found = {}
            for key in fh.keys():
                tensor = fh.get_slice(key)
                found[key] = (list(tensor.get_shape()), tensor.get_dtype())
            extra, missing = sorted(set(found) - set(expected)), sorted(set(expected) - set(found))
            if missing:
                raise ModelFormatError(f"'{file}' lacks the tensor {missing[0]!r} (shape {expected[missing[0]][0]}, "
                                       f"dtype {expected[missing[0]][1]}) that the model in config.json needs; the "
                                       f"model folder is damaged")
            if extra:
                raise ModelFormatError(f"'{file}' holds the tensor {extra[0]!r} (shape {found[extra[0]][0]}, dtype "
                                       f"{found[extra[0]][1]}) that the model in config.json does not have; the model "
                                       f"folder is damaged")
            for key, (shape, dtype) in expected.items():
                if found[key] != (shape, dtype):
                    raise ModelFormatError(
                        f"the tensor {key!r} in '{file}' has shape {found[key][0]} and dtype {found[key][1]}, but the "
                        f"model in config.json expects shape {shape} and dtype {dtype}; the model folder is damaged")
            return {key: fh.get_tensor(key) for key in expected}
    except (SafetensorError, OSError) as exc:
        raise ModelFormatError(f"'{file}' is not a readable safetensors file ({exc}); the model folder is "
                               f"damaged") from None


def _load_deep(path: Path, config: dict):
    from deepmine.errors import DeepmineError
    from deepmine.training.device import choose_device

    cls = _deep_class(config["class"])
    params = dict(config["params"])
    for key in config.get("tuple_params", []):
        params[key] = tuple(params[key])
    model = cls(**params)
    model._restore_fitted_state(config["fitted"])
    for name in ("weights.safetensors", "preprocessing.json"):
        if not (path / name).is_file():
            raise ModelFormatError(f"'{path}' lacks {name}; the model folder is incomplete")
    try:
        preprocessing = json.loads((path / "preprocessing.json").read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"'{path / 'preprocessing.json'}' is not valid JSON ({exc}); the model folder is "
                               f"damaged") from None
    model.preprocessor_ = model._preprocessor_from_state(preprocessing)
    try:
        device = choose_device(model.device)
    except DeepmineError:
        device = choose_device("cpu")
    module = model._new_module()
    tensors = _read_weights(path / "weights.safetensors", module)
    try:
        module.load_state_dict(tensors)
    except RuntimeError as exc:
        raise ModelFormatError(f"the weights in '{path}' do not fit the model described in config.json ({exc})") from exc
    model.module_ = module.to(device).eval()
    model.device_ = device
    history = path / "history.csv"
    model.history_ = pd.read_csv(history) if history.exists() else pd.DataFrame()
    return model


def _read_json(file: Path):
    if not file.is_file():
        raise ModelFormatError(f"'{file.parent}' lacks {file.name}; the model folder is incomplete")
    try:
        return json.loads(file.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"'{file}' is not valid JSON ({exc}); the model folder is damaged") from None


def _load_booster(path: Path, config: dict):
    from sklearn.base import BaseEstimator

    from deepmine.data.preprocess import TabularPreprocessor

    cls = _deepmine_class(config["class"], lambda c: issubclass(c, BaseEstimator) and
                          getattr(c, "_persist_format", None) == _BOOSTER_FORMAT, "booster")
    params = dict(config["params"])
    for key in config.get("tuple_params", []):
        params[key] = tuple(params[key])
    model = cls(**params)
    model._restore_fitted_state(config["fitted"])
    if model.library_ != config["library"]:
        raise ModelFormatError(f"'{path / 'config.json'}' names the library {config['library']!r} but its fitted "
                               f"state {model.library_!r}; the model folder is damaged")
    model.preprocessor_ = TabularPreprocessor.from_state(_read_json(path / "preprocessing.json"))
    file = path / config["file"]
    if not file.is_file():
        raise ModelFormatError(f"'{path}' lacks {config['file']}; the model folder is incomplete")
    model._read_booster(file)
    return model


# Plain containers that skops does not trust by default; building one runs no code of the file's choosing.
_SAFE_BUILTINS = frozenset({"builtins.frozenset", "builtins.set", "builtins.range", "builtins.slice"})


def _importable(name: str) -> bool:
    module_name, _, attr = name.rpartition(".")
    try:
        return hasattr(importlib.import_module(module_name), attr)
    except ImportError:
        return False


def _package_versions(config: dict) -> str:
    versions = config.get("versions") if isinstance(config.get("versions"), dict) else {}
    return f"scikit-learn {versions.get('scikit-learn', '?')}"


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
    import zipfile

    import skops.io as sio

    file = path / config.get("file", _SKOPS_FILE)
    if not file.is_file():
        raise ModelFormatError(f"'{path}' lacks {file.name}; the model folder is incomplete")
    try:
        untrusted = sio.get_untrusted_types(file=file)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ModelFormatError(f"'{file}' is not a skops file ({exc}); the model folder is damaged") from None
    missing = [t for t in untrusted if t.startswith(_TRUSTED_PACKAGES) and not _importable(t)]
    if missing:
        raise ModelFormatError(f"'{file}' holds {missing[0]!r}, which this environment lacks: it was saved by "
                               f"{_saved_by(config)} with {_package_versions(config)}; this is {_this_deepmine()} "
                               f"with {_package_versions({'versions': _versions()})}; install the versions it was "
                               f"saved with")
    refused = [t for t in untrusted if not _is_trusted_class(t)]
    if refused:
        raise ModelFormatError(f"refusing to load '{file}': it holds functions or types outside scikit-learn, "
                               f"numpy, scipy and deepmine ({', '.join(refused)}), which could run code")
    try:
        model = sio.load(file, trusted=untrusted)
    except (zipfile.BadZipFile, ImportError, OSError) as exc:
        raise ModelFormatError(f"'{file}' cannot be read ({exc}); the model folder is damaged") from None
    names = config.get("parts") or []
    if not names:
        return model
    missing = [n for n in names if not (path / "parts" / n / "config.json").exists()]
    if missing:
        raise ModelFormatError(f"'{path}' lacks the deep model or booster parts/{', parts/'.join(missing)}; the "
                               f"model folder is incomplete")
    parts = {name: load(path / "parts" / name) for name in names}
    # deepcopy looks every object up in its memo first, so each marker becomes its loaded model
    # wherever it was referenced (wrappers such as FrozenEstimator stay wrappers)
    markers = _find(model, lambda obj: isinstance(obj, _Part))
    return copy.deepcopy(model, {id(marker): parts[marker.name] for marker in markers})


__all__ = ["BOOSTER_FILES", "load", "model_folder", "refuse_unexpected_files", "save_model"]
