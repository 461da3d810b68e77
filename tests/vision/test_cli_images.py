"""compare("image_classification") and `deepmine images classify|predict` on small real images."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

import deepmine.datasets
from deepmine import compare
from deepmine.cli.main import app
from deepmine.errors import ColumnError, TargetError


@pytest.fixture(scope="module")
def digits():
    return deepmine.datasets.load("digits").frame.sample(400, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="module")
def digit_folder(tmp_path_factory, digits):
    """The digits as PNG files in one folder per class, as a user's photos would come."""
    root = tmp_path_factory.mktemp("digits")
    for k, row in digits.iterrows():
        folder = root / f"class_{int(row['digit'])}"
        folder.mkdir(exist_ok=True)
        pixels = (row.drop("digit").to_numpy(dtype=float).reshape(8, 8) * 16).clip(0, 255).astype(np.uint8)
        Image.fromarray(pixels, mode="L").save(folder / f"{k}.png")
    return root


def test_pixel_table_leaderboard(digits):
    board = compare("image_classification", digits, target="digit", models="logistic_pixels,knn_pixels",
                    random_state=0)
    frame = board.frame.set_index("model")
    assert set(frame.index) == {"logistic_pixels", "knn_pixels"} and frame.accuracy.min() > 0.85
    assert board.info["train_images"] == 300 and board.info["test_images"] == 100 and board.info["classes"] == 10
    with pytest.raises(TargetError, match="label column"):
        compare("image_classification", digits)
    with pytest.raises(ColumnError, match="label column 'label' is not in the data"):
        compare("image_classification", digits, target="label")


def test_cli_classifies_a_folder_and_predicts_files(tmp_path, digit_folder):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["images", "classify", str(digit_folder), "--models",
                                      "cnn_lenet,logistic_pixels", "--max-epochs", "3", "--keep-all", "-o", str(out)])
    assert result.exit_code == 0, result.output
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board.model) == {"cnn_lenet", "logistic_pixels"}
    confusion = pd.read_csv(out / "confusion.csv", index_col=0)
    preds = pd.read_csv(out / "predictions.csv")
    assert confusion.to_numpy().sum() == len(preds) == 100
    assert preds.image.str.endswith(".png").all()  # each test image named by its file
    files = sorted((digit_folder / "class_3").glob("*.png"))[:4]
    predicted = tmp_path / "p.csv"
    result = CliRunner().invoke(app, ["images", "predict", str(out), *map(str, files), "-o", str(predicted)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(predicted)
    assert len(frame) == 4 and frame.filter(like="proba_").sum(axis=1).round(6).eq(1).all()
    heat = tmp_path / "heat"
    cnn = out / "models" / "cnn_lenet"
    result = CliRunner().invoke(app, ["images", "explain", str(cnn), *map(str, files[:2]), "-o", str(heat)])
    assert result.exit_code == 0, result.output
    pngs = sorted(heat.glob("*_heat.png"))
    assert [p.name for p in pngs] == sorted(f"{f.stem}_heat.png" for f in files[:2])
    assert Image.open(pngs[0]).mode == "RGB" and Image.open(pngs[0]).size == (8, 8)


def test_cli_bad_folder_is_one_line(tmp_path):
    (tmp_path / "data" / "cats").mkdir(parents=True)
    (tmp_path / "data" / "dogs").mkdir()
    Image.new("L", (8, 8)).save(tmp_path / "data" / "dogs" / "a.png")
    result = CliRunner().invoke(app, ["images", "classify", str(tmp_path / "data"), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2 and "cats" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r").exists()


def test_cli_explain_refuses_a_pixel_model(tmp_path, digits):
    npz = tmp_path / "digits.npz"
    X = digits.drop(columns="digit").to_numpy().reshape(-1, 8, 8)
    np.savez(npz, X=X, y=digits.digit.to_numpy())
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["images", "classify", str(npz), "--models", "knn_pixels", "-o", str(out)])
    assert result.exit_code == 0, result.output
    png = tmp_path / "one.png"
    Image.fromarray((X[0] * 16).astype(np.uint8), mode="L").save(png)
    result = CliRunner().invoke(app, ["images", "explain", str(out), str(png), "-o", str(tmp_path / "h")])
    assert result.exit_code == 2 and "not a fitted deepmine deep model" in result.output
