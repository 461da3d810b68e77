"""Loading reads only JSON, safetensors and allow-listed skops: pickles and unexpected files are refused
before anything runs, tensors are checked against the model, and other deepmine versions are named."""

import json
import pickle
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

import deepmine
from deepmine.errors import DeepmineError, ModelFormatError
from deepmine.persist import save_model
from deepmine.tabular import DeepClassifier, DeepRegressor


class _WritesMarker:
    """Unpickling this runs ``open(marker, "w").write(...)``: what a malicious model file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('pwned')",)


def _payload(marker, protocol: int = pickle.DEFAULT_PROTOCOL) -> bytes:
    return pickle.dumps(_WritesMarker(marker), protocol=protocol)


class Sneaky:
    """A type from outside scikit-learn/numpy/scipy/deepmine whose rebuilding has a side effect."""

    marker = None

    def __getstate__(self):
        return {"note": "hello"}

    def __setstate__(self, state):
        open(type(self).marker, "w").write("pwned")
        self.__dict__.update(state)


@pytest.fixture(scope="module")
def saved(tmp_path_factory, penguins, diabetes):
    """One saved folder of each format: a deep model, a skops model, a skops Pipeline with a deep part, a booster
    of each library, and a calibrated booster (skops with a booster part)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    from deepmine.explain import CalibratedClassifier
    from deepmine.tabular.boosters import LIBRARIES, BoostedTreesClassifier

    root = tmp_path_factory.mktemp("saved")
    numeric = penguins.X.select_dtypes("number").fillna(0)
    clf = DeepClassifier(hidden=(8,), max_epochs=2, random_state=0).fit(penguins.X, penguins.y)
    save_model(clf, root / "deep")
    save_model(DecisionTreeClassifier(max_depth=3, random_state=0).fit(numeric, penguins.y), root / "skops")
    pipe = make_pipeline(StandardScaler(), DeepRegressor(hidden=(4,), max_epochs=2, random_state=0))
    save_model(pipe.fit(diabetes.X, diabetes.y), root / "pipeline")
    for library in LIBRARIES:
        booster = BoostedTreesClassifier(library=library, n_estimators=20, n_jobs=1, random_state=0)
        save_model(booster.fit(penguins.X, penguins.y), root / library)
    calibrated = CalibratedClassifier(BoostedTreesClassifier(library="xgboost", n_estimators=20, n_jobs=1),
                                      random_state=0)
    save_model(calibrated.fit(penguins.X, penguins.y), root / "calibrated")
    csv = root / "penguins.csv"
    penguins.frame.to_csv(csv, index=False)
    return {"root": root, "deep": clf, "csv": csv, "X": penguins.X}


def _copy(saved, kind, tmp_path):
    return shutil.copytree(saved["root"] / kind, tmp_path / kind)


def _cli_predict(folder, csv, tmp_path):
    from deepmine.cli.main import app

    return CliRunner().invoke(app, ["predict", str(folder), str(csv), "--out", str(tmp_path / "predictions.csv")])


def test_the_payload_is_armed(tmp_path):
    """The planted bytes really run code when unpickled: what the other tests show never happens."""
    pickle.loads(_payload(tmp_path / "armed"))
    assert (tmp_path / "armed").read_text() == "pwned"


@pytest.mark.parametrize("kind, name, protocol, match", [
    ("deep", "model.pkl", None, "model.pkl' is a pickle; deepmine never loads pickles because unpickling can run"),
    ("deep", "weights.safetensors", None, "weights.safetensors' is a pickle"),
    ("deep", "weights.safetensors", 0, "weights.safetensors' is not a readable safetensors file"),
    ("deep", "model.skops", None, "model.skops' is a pickle"),
    ("deep", "model.skops", 0, "model.skops' is not a file that deepmine.persist.save_model writes"),
    ("skops", "model.skops", None, "model.skops' is a pickle"),
    ("skops", "model.skops", 0, "model.skops' is not a skops file"),
    ("skops", "model.joblib", 0, "model.joblib' is a pickle"),
    ("pipeline", "parts/part0/weights.safetensors", None, "weights.safetensors' is a pickle"),
    ("pipeline", "parts/part0/checkpoint.pt", None, "checkpoint.pt' is a pickle"),
    ("lightgbm", "model.txt", None, "model.txt' is a pickle"),
    ("lightgbm", "model.txt", 0, "model.txt' is not a readable lightgbm model"),
    ("lightgbm", "preprocessing.json", None, "preprocessing.json' is a pickle"),
    ("lightgbm", "model.pkl", None, "model.pkl' is a pickle"),
    ("xgboost", "model.json", None, "model.json' is a pickle"),
    ("xgboost", "model.json", 0, "model.json' is not a readable xgboost model"),
    ("catboost", "model.cbm", None, "model.cbm' is a pickle"),
    ("catboost", "model.cbm", 0, "model.cbm' is not a readable catboost model"),
    ("catboost", "booster.joblib", 0, "booster.joblib' is a pickle"),
    ("calibrated", "parts/part0/model.json", None, "model.json' is a pickle"),
    ("calibrated", "parts/part0/model.ubj", None, "model.ubj' is a pickle"),
])
def test_a_planted_pickle_never_runs(saved, tmp_path, kind, name, protocol, match):
    folder = _copy(saved, kind, tmp_path)
    marker = tmp_path / "marker"
    (folder / name).write_bytes(_payload(marker, protocol if protocol is not None else pickle.DEFAULT_PROTOCOL))
    with pytest.raises(ModelFormatError, match=match) as caught:
        deepmine.persist.load(folder)
    assert "\n" not in str(caught.value)
    result = _cli_predict(folder, saved["csv"], tmp_path)
    assert result.exit_code == 2 and "error:" in result.output and match.split("'")[0] in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not marker.exists() and not (tmp_path / "predictions.csv").exists()


@pytest.mark.parametrize("kind, extra, named", [
    ("deep", "notes.txt", "notes.txt"), ("deep", ".DS_Store", ".DS_Store"), ("deep", "sub/weights.safetensors", "sub"),
    ("skops", "config.json.bak", "config.json.bak"), ("pipeline", "parts/part1/config.json", "parts/part1"),
    ("pipeline", "parts/part0/extra.npy", "parts/part0/extra.npy"), ("pipeline", "parts/readme.md", "parts/readme.md"),
    ("lightgbm", "notes.txt", "notes.txt"), ("lightgbm", "model.json", "model.json"),
    ("xgboost", "model.txt", "model.txt"), ("catboost", "catboost_info/learn_error.tsv", "catboost_info"),
    ("calibrated", "parts/part0/model.txt", "parts/part0/model.txt"),
    ("calibrated", "parts/part0/weights.safetensors", "parts/part0/weights.safetensors"),
])
def test_an_unexpected_file_is_named_and_refused(saved, tmp_path, kind, extra, named):
    folder = _copy(saved, kind, tmp_path)
    (folder / extra).parent.mkdir(parents=True, exist_ok=True)
    (folder / extra).write_text("{}")
    with pytest.raises(ModelFormatError, match=f"not a file that deepmine.persist.save_model writes.*remove '{named}'"):
        deepmine.load(folder)
    shutil.rmtree(folder / named) if (folder / named).is_dir() else (folder / named).unlink()
    deepmine.load(folder)  # without it the folder loads


def _rewrite_weights(folder, change):
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(folder / "weights.safetensors"))
    change(tensors)
    save_file(tensors, str(folder / "weights.safetensors"))
    return tensors


def test_tensor_shapes_and_dtypes_are_checked_against_the_model(saved, tmp_path):
    import torch

    folder = _copy(saved, "deep", tmp_path)
    names = list(saved["deep"].module_.state_dict())
    key = next(k for k in names if k.endswith("weight"))
    shape = list(saved["deep"].module_.state_dict()[key].shape)
    cases = [
        (lambda t: t.__setitem__(key, t[key][:, :-1].contiguous()),
         f"'{key}' .* has shape \\[{shape[0]}, {shape[1] - 1}\\] and dtype F32, but the model in config.json "
         f"expects shape \\[{shape[0]}, {shape[1]}\\] and dtype F32"),
        (lambda t: t.__setitem__(key, t[key].to(torch.float64)), "dtype F64, but .* expects .* dtype F32"),
        (lambda t: t.pop(key), f"lacks the tensor '{key}' \\(shape \\[{shape[0]}, {shape[1]}\\], dtype F32\\)"),
        (lambda t: t.__setitem__("extra.weight", torch.zeros(2)), "holds the tensor 'extra.weight' \\(shape \\[2\\]"),
    ]
    original = (folder / "weights.safetensors").read_bytes()
    for change, match in cases:
        (folder / "weights.safetensors").write_bytes(original)
        _rewrite_weights(folder, change)
        with pytest.raises(ModelFormatError, match=match):
            deepmine.load(folder)
    (folder / "weights.safetensors").write_bytes(original)
    np.testing.assert_array_equal(deepmine.load(folder).predict_proba(saved["X"]),
                                  saved["deep"].predict_proba(saved["X"]))


def _edit_config(folder, change):
    config = json.loads((folder / "config.json").read_text())
    change(config)
    (folder / "config.json").write_text(json.dumps(config))


def test_other_deepmine_versions_load_or_are_named(saved, tmp_path):
    folder = _copy(saved, "deep", tmp_path)
    _edit_config(folder, lambda c: c["versions"].update(deepmine="0.0.1"))
    np.testing.assert_array_equal(deepmine.load(folder).predict_proba(saved["X"]),
                                  saved["deep"].predict_proba(saved["X"]))
    this = f"deepmine {deepmine.__version__} (format {deepmine.persist.FORMAT_VERSION})"
    _edit_config(folder, lambda c: c.update(format_version=999) or c["versions"].update(deepmine="9.9.9"))
    with pytest.raises(ModelFormatError, match=rf"saved by deepmine 9\.9\.9 \(format 999\); this is "
                                               rf"{this.replace('.', '[.]').replace('(', '[(]').replace(')', '[)]')}"
                                               rf"; upgrade deepmine"):
        deepmine.load(folder)
    # same format, but a parameter this deepmine does not know (a newer release added it)
    _edit_config(folder, lambda c: c.update(format_version=1) or c["params"].update(new_knob=3)
                 or c["versions"].update(deepmine="9.9.9"))
    with pytest.raises(ModelFormatError, match=r"saved by deepmine 9\.9\.9 \(format 1\) and this deepmine .* "
                                               r"cannot load it .*new_knob"):
        deepmine.load(folder)


@pytest.mark.parametrize("damage, match", [
    (lambda f: (f / "config.json").write_text("{not json"), "config.json' is not valid JSON"),
    (lambda f: (f / "config.json").write_text("[1, 2]"), "is not a JSON object"),
    (lambda f: _edit_config(f, lambda c: c.pop("class")), "config.json' lacks class"),
    (lambda f: _edit_config(f, lambda c: c.pop("format_version")), "no whole-number format_version"),
    (lambda f: _edit_config(f, lambda c: c.update(format="pickle")), "unknown model format 'pickle'"),
    (lambda f: _edit_config(f, lambda c: c["fitted"].pop("n_features_in_")), "cannot be loaded .*n_features_in_"),
    (lambda f: (f / "preprocessing.json").write_text("{"), "preprocessing.json' is not valid JSON"),
])
def test_damaged_config_is_one_clear_error(saved, tmp_path, damage, match):
    folder = _copy(saved, "deep", tmp_path)
    damage(folder)
    with pytest.raises(ModelFormatError, match=match) as caught:
        deepmine.load(folder)
    assert "\n" not in str(caught.value)


def test_skops_file_with_an_untrusted_type_is_refused_without_running_it(saved, tmp_path):
    import skops.io as sio
    from sklearn.tree import DecisionTreeClassifier

    Sneaky.marker = str(tmp_path / "armed")
    tree = DecisionTreeClassifier(max_depth=2).fit([[0], [1]], [0, 1])
    tree.sneaky_ = Sneaky()
    sio.loads(sio.dumps(tree), trusted=sio.get_untrusted_types(data=sio.dumps(tree)))
    assert (tmp_path / "armed").exists()  # trusting the type would run its code

    Sneaky.marker = str(tmp_path / "marker")
    folder = _copy(saved, "skops", tmp_path)
    sio.dump(tree, folder / "model.skops")
    with pytest.raises(ModelFormatError, match=r"refusing to load .*model.skops.*Sneaky.*could run code"):
        deepmine.load(folder)
    result = _cli_predict(folder, saved["csv"], tmp_path)
    assert result.exit_code == 2 and "refusing to load" in result.output
    assert not (tmp_path / "marker").exists()


def test_search_index_folder_refuses_pickles_and_unexpected_files(tmp_path):
    from deepmine.text import SearchIndex

    texts = ["the cat sat", "a dog barked", "fire near sydney", "rain in perth", "cats and dogs"]
    folder = SearchIndex("bm25").fit(texts).save(tmp_path / "index")
    marker = tmp_path / "marker"
    (folder / "index.pkl").write_bytes(_payload(marker))
    with pytest.raises(DeepmineError, match="index.pkl' is a pickle; deepmine never loads pickles"):
        SearchIndex.load(folder)
    (folder / "index.pkl").unlink()
    (folder / "embeddings.npy").write_bytes(_payload(marker))
    with pytest.raises(DeepmineError, match="embeddings.npy' is a pickle"):
        SearchIndex.load(folder)
    (folder / "embeddings.npy").unlink()
    (folder / "notes.txt").write_text("hi")
    with pytest.raises(ModelFormatError, match="notes.txt' is not a file that SearchIndex.save"):
        SearchIndex.load(folder)
    assert not marker.exists()


def test_a_booster_folder_names_its_class_library_and_file(saved, tmp_path, penguins):
    """config.json may name only a deepmine booster class, a known library and that library's own file; the
    file must hold a model of the preprocessing's width."""
    from deepmine.tabular.boosters import BoostedTreesClassifier

    folder = _copy(saved, "lightgbm", tmp_path)
    original = (folder / "config.json").read_text()
    cases = [
        (lambda c: c.update({"class": "os.system"}), "refusing to load class 'os.system'"),
        (lambda c: c.update({"class": "deepmine.tabular.classifier.DeepClassifier"}),
         "'deepmine.tabular.classifier.DeepClassifier' is not a deepmine booster class"),
        (lambda c: c.update(file="model.json"),
         "names 'model.json' as the model file of a lightgbm booster, which is 'model.txt'"),
        (lambda c: c.update(library="sklearn"), "names the booster library 'sklearn', not one of lightgbm, xgboost"),
        (lambda c: c.pop("library"), "config.json' lacks library"),
        (lambda c: c["fitted"].update(library_="xgboost"), "names the library 'lightgbm' but its fitted state"),
    ]
    for change, match in cases:
        (folder / "config.json").write_text(original)
        _edit_config(folder, change)
        with pytest.raises(ModelFormatError, match=match) as caught:
            deepmine.load(folder)
        assert "\n" not in str(caught.value)
    (folder / "config.json").write_text(original)
    narrow = BoostedTreesClassifier(n_estimators=5, random_state=0).fit(penguins.X[["bill_length_mm"]], penguins.y)
    narrow.save(tmp_path / "narrow")
    shutil.copy(tmp_path / "narrow" / "model.txt", folder / "model.txt")
    with pytest.raises(ModelFormatError, match="holds a model of 1 features, but preprocessing.json gives 7"):
        deepmine.load(folder)
    shutil.copy(saved["root"] / "lightgbm" / "model.txt", folder / "model.txt")
    np.testing.assert_array_equal(deepmine.load(folder).predict_proba(saved["X"]),
                                  deepmine.load(saved["root"] / "lightgbm").predict_proba(saved["X"]))
