"""`deepmine images ...`: classify images with CNNs beside pixel classifiers; predict files with a saved model."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from deepmine.cli.common import (tracked, ENSEMBLE_OPTION, STORAGE_OPTION, STUDY_OPTION, TUNE_OPTION, WORKERS_OPTION, CHECKPOINT_OPTION, RESUME_OPTION, FORCE_OPTION, KEEP_OPTION, MODELS_OPTION, OUT_OPTION, SEED_OPTION, TEST_OPTION,
                                 MAX_EPOCHS_OPTION, friendly, from_dataset, model_folder, network_options, noted, out,
                                 run_compare)
from deepmine.errors import OutputExistsError

images_app = typer.Typer(help="Images: CNNs (ResNet, LeNet) beside logistic regression, RBF SVM and k-NN on "
                              "pixels.", no_args_is_help=True)


@images_app.command("classify")
@friendly
@tracked
def classify(data: str = typer.Argument(..., help="A folder with one sub-folder per class, an .npz file (arrays "
                                                  "X and y), a table of pixel columns, or dataset:NAME."),
             label: Optional[str] = typer.Option(None, "--label", "-l",
                                                 help="The class column of a pixel table (e.g. digit; default: a "
                                                      "bundled dataset's own)."),
             split_column: Optional[str] = typer.Option(None, "--split-column",
                                                        help="A column saying 'train' or 'test' (pixel tables)."),
             test: Optional[str] = typer.Option(None, "--test", help="A separate test set in the same form."),
             models: Optional[str] = MODELS_OPTION, test_size: float = TEST_OPTION, seed: int = SEED_OPTION,
             max_epochs: Optional[int] = MAX_EPOCHS_OPTION,
             out_dir: Optional[Path] = OUT_OPTION, keep_all: bool = KEEP_OPTION, force: bool = FORCE_OPTION,
             checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION, resume: bool = RESUME_OPTION,
             budget: Optional[str] = TUNE_OPTION, ensemble: Optional[bool] = ENSEMBLE_OPTION,
             workers: int = WORKERS_OPTION, storage: Optional[str] = STORAGE_OPTION,
             study: Optional[str] = STUDY_OPTION):
    """Compare CNN classifiers with pixel classifiers on DATA.

    Writes the leaderboard, confusion.csv (the best model's confusion matrix: true class by row,
    predicted by column) and predictions.csv (each test image's file or position, true and predicted class)."""
    (label, split_column), note = from_dataset(data, "image_classification", ("--label", label, "target"),
                                               ("--split-column", split_column, "split"))
    options = network_options(max_epochs)
    kwargs = dict(target=label, split_column=split_column, test=test, models=models, test_size=test_size,
                  random_state=seed, options=options, budget=budget, ensemble=ensemble, workers=workers,
                  storage=storage, study=study)

    def title(board):
        info = board.info
        return (f"image classification: {data}  ({noted(note)}{info['train_images']} train / "
                f"{info['test_images']} test images, {info['classes']} classes, {info['split']} split, "
                f"seed {seed})")

    command = dict(kwargs)
    run_compare("image_classification", data, out_dir, force, keep_all, command, kwargs, title,
                checkpoint_dir=checkpoint_dir, resume=resume, checkpoints=True, note=note)


@images_app.command("predict")
@friendly
def predict(model_dir: Path = typer.Argument(..., help="A saved model folder, or a run folder holding model/."),
            files: List[Path] = typer.Argument(..., help="Image files or folders of images."),
            output: Path = typer.Option(Path("predictions.csv"), "--out", "-o", help="Where to write them."),
            force: bool = FORCE_OPTION):
    """Classify image FILES with a saved image model; writes file, prediction and class probabilities."""
    import pandas as pd

    from deepmine.persist import load
    from deepmine.persist.atomic import atomic_write_text
    from deepmine.vision.data import image_files

    if output.exists() and not force:
        raise OutputExistsError(f"'{output}' exists already; pass --force to replace it or choose another --out")
    model = load(model_folder(model_dir)[0])
    paths = image_files(files)
    result = pd.DataFrame({"file": [str(p) for p in paths]})
    proba = model.predict_proba([str(p) for p in paths])
    result["prediction"] = [model.classes_[i] for i in proba.argmax(axis=1)]
    for i, cls in enumerate(model.classes_):
        result[f"proba_{cls}"] = proba[:, i]
    atomic_write_text(output, result.to_csv(index=False))
    out.print(f"wrote {len(result)} predictions to {output}", highlight=False)


@images_app.command("explain")
@friendly
def explain(model_dir: Path = typer.Argument(..., help="A saved CNN model folder, or a run folder holding model/."),
            files: List[Path] = typer.Argument(..., help="Image files or folders of images."),
            out_dir: Path = typer.Option(Path("heatmaps"), "--out", "-o", help="Folder for the PNG heat maps."),
            method: str = typer.Option("gradcam", "--method", help="gradcam or saliency."),
            force: bool = FORCE_OPTION):
    """Heat maps of what a saved CNN looked at: one PNG per image (its name + _heat.png), drawn over the image."""
    import numpy as np

    from deepmine.errors import ParameterError
    from deepmine.persist import load
    from deepmine.vision.data import image_files, read_images
    from deepmine.vision.explain import grad_cam, saliency, save_heatmap

    if method not in ("gradcam", "saliency"):
        raise ParameterError(f"--method must be gradcam or saliency, got {method!r}")
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise OutputExistsError(f"'{out_dir}' exists and is not empty; pass --force to write into it")
    model = load(model_folder(model_dir)[0])
    paths = image_files(files)
    names = [str(p) for p in paths]
    heat = (grad_cam if method == "gradcam" else saliency)(model, names)
    predicted = model.predict(names)
    for path, image, h, label in zip(paths, read_images(names), heat, predicted):
        target = out_dir / f"{path.stem}_heat.png"
        save_heatmap(np.asarray(image).squeeze(), h, target)
        out.print(f"  {path.name}: predicted {label}; wrote {target}", highlight=False)
