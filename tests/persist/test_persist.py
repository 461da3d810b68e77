"""Saving and loading models as folders of JSON + safetensors (deep) or skops (traditional)."""

import json

import numpy as np
import pytest

import deepmine
from deepmine.errors import ModelFormatError, OutputExistsError
from deepmine.persist import save_model
from deepmine.tabular import DeepClassifier, DeepRegressor


def test_deep_classifier_round_trip_gives_identical_predictions(tmp_path, penguins):
    clf = DeepClassifier(hidden=(16,), max_epochs=5, random_state=0).fit(penguins.X, penguins.y)
    clf.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "config.json", "history.csv", "preprocessing.json", "weights.safetensors"]
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["class"] == "deepmine.tabular.classifier.DeepClassifier"
    assert config["params"]["hidden"] == [16] and "torch" in config["versions"]
    back = deepmine.load(tmp_path / "m")
    np.testing.assert_array_equal(back.predict_proba(penguins.X), clf.predict_proba(penguins.X))
    assert back.get_params() == clf.get_params() and list(back.classes_) == list(clf.classes_)
    assert len(back.history_) == len(clf.history_)


def test_deep_regressor_round_trip(tmp_path, diabetes):
    reg = DeepRegressor(hidden=(16,), max_epochs=5, random_state=0).fit(diabetes.X.to_numpy(), diabetes.y)
    save_model(reg, tmp_path / "r")
    np.testing.assert_array_equal(deepmine.load(tmp_path / "r").predict(diabetes.X.to_numpy()),
                                  reg.predict(diabetes.X.to_numpy()))


def test_traditional_model_round_trip_without_pickle(tmp_path, penguins):
    from deepmine.evaluation.tasks import get_task

    model = get_task("classification").candidates["random_forest"].factory(0).fit(penguins.X, penguins.y)
    save_model(model, tmp_path / "rf")
    assert (tmp_path / "rf" / "model.skops").exists()
    np.testing.assert_array_equal(deepmine.load(tmp_path / "rf").predict_proba(penguins.X),
                                  model.predict_proba(penguins.X))


def test_pipeline_ending_in_a_deep_model_saves_its_network_apart(tmp_path, diabetes):
    """skops stores the pipeline with a marker where the network was; the network is saved as safetensors."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), DeepRegressor(hidden=(8,), max_epochs=3, random_state=0))
    pipe.fit(diabetes.X, diabetes.y)
    save_model(pipe, tmp_path / "p")
    assert json.loads((tmp_path / "p" / "config.json").read_text())["parts"] == ["part0"]
    assert (tmp_path / "p" / "parts" / "part0" / "weights.safetensors").exists()
    back = deepmine.load(tmp_path / "p")
    np.testing.assert_allclose(back.predict(diabetes.X), pipe.predict(diabetes.X))
    (tmp_path / "p" / "parts" / "part0" / "config.json").unlink()
    with pytest.raises(ModelFormatError, match="lacks the deep model"):
        deepmine.load(tmp_path / "p")


def test_pipeline_ending_in_a_booster_saves_it_in_its_own_format(tmp_path, diabetes):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from deepmine.tabular.boosters import BoostedTreesRegressor

    pipe = make_pipeline(StandardScaler(), BoostedTreesRegressor(n_estimators=50, random_state=0))
    save_model(pipe.fit(diabetes.X, diabetes.y), tmp_path / "p")
    assert sorted(p.name for p in (tmp_path / "p" / "parts" / "part0").iterdir()) == [
        "config.json", "model.txt", "preprocessing.json"]
    np.testing.assert_array_equal(deepmine.load(tmp_path / "p").predict(diabetes.X), pipe.predict(diabetes.X))


@pytest.mark.parametrize("library", ["lightgbm", "xgboost", "catboost"])
def test_calibrated_booster_round_trip_gives_identical_probabilities(tmp_path, penguins, library):
    """compare(..., calibrate=True) wraps every model so: the booster is saved apart, the calibration as skops."""
    from deepmine.explain import CalibratedClassifier
    from deepmine.tabular.boosters import BoostedTreesClassifier

    model = CalibratedClassifier(BoostedTreesClassifier(library=library, n_estimators=50), random_state=0)
    model.fit(penguins.X, penguins.y)
    save_model(model, tmp_path / "c")
    config = json.loads((tmp_path / "c" / "config.json").read_text())
    assert config["format"] == "skops" and config["parts"] == ["part0"]
    part = json.loads((tmp_path / "c" / "parts" / "part0" / "config.json").read_text())
    assert part["format"] == "deepmine-booster" and part["library"] == library
    back = deepmine.load(tmp_path / "c")
    assert back.estimator_ is back.calibrator_.estimator.estimator  # one booster, in both places, as fitted
    np.testing.assert_array_equal(back.predict_proba(penguins.X), model.predict_proba(penguins.X))
    np.testing.assert_array_equal(back.predict(penguins.X), model.predict(penguins.X))


def test_existing_folder_is_not_overwritten_unless_asked(tmp_path, penguins):
    clf = DeepClassifier(hidden=(8,), max_epochs=2, random_state=0).fit(penguins.X, penguins.y)
    clf.save(tmp_path / "m")
    with pytest.raises(OutputExistsError, match="overwrite=True"):
        clf.save(tmp_path / "m")
    save_model(clf, tmp_path / "m", overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary folders left behind


def test_damaged_or_foreign_folders_are_refused(tmp_path, penguins):
    with pytest.raises(ModelFormatError, match="not a model folder"):
        deepmine.load(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelFormatError, match="config.json"):
        deepmine.load(tmp_path / "empty")
    clf = DeepClassifier(hidden=(8,), max_epochs=2, random_state=0).fit(penguins.X, penguins.y)
    clf.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    config["class"] = "os.system"
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFormatError, match="refusing"):
        deepmine.load(tmp_path / "m")


@pytest.mark.parametrize("func", ["os.getcwd", "sklearn.datasets.fetch_openml"])
def test_skops_file_holding_a_function_is_refused(tmp_path, func):
    import importlib

    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    module, _, name = func.rpartition(".")
    folder = tmp_path / "evil"
    folder.mkdir()
    sio.dump(FunctionTransformer(func=getattr(importlib.import_module(module), name)), folder / "model.skops")
    (folder / "config.json").write_text(json.dumps({"format": "skops", "format_version": 1, "file": "model.skops"}))
    with pytest.raises(ModelFormatError, match="refusing"):
        deepmine.load(folder)


def test_atomic_outputs_get_the_usual_permissions(tmp_path):
    """Temporary files are private (0600); what is renamed into place is readable as any new file is."""
    import os
    import stat

    from deepmine.persist.atomic import atomic_folder, atomic_write_text

    mask = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "report.html", "<html></html>")
        with atomic_folder(tmp_path / "run") as folder:
            (folder / "a.csv").write_text("x\n")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "report.html").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == 0o755
