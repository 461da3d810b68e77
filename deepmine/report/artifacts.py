"""The files a run folder holds beside its leaderboard, written from the Leaderboard for each task.

Every run writes them (the CLI and ``Leaderboard.to_html``), and the report's views read only them, so
``deepmine report RUN_DIR`` redraws any past run:

- classification, regression, text / series / image classification: ``test_predictions.csv`` — row,
  y_true, ``pred:<model>`` for every model and, for classifiers, ``proba:<model>:<class>``;
  ``examples.csv`` (text: the first held-out texts, true and predicted), ``series_examples.csv`` (a
  few held-out series per class, long: series, label, t, value), ``examples.png`` (a grid of held-out
  images with true and predicted class), ``predictions.csv`` / ``confusion.csv`` (series, images);
- clustering: ``assignments.csv`` (every model's cluster per row), ``profiles.csv``, ``coordinates.csv``;
- anomaly: ``scores.csv`` (every model's score and flag per row), ``anomalies.csv`` (the best model's
  20 highest-scoring rows with their columns);
- topics: ``topics.csv`` (every model's topics), ``assignments.csv`` (the best model's);
- recommendation: ``recommendations.csv`` (the best ranking model's top-k per user);
- forecasting: ``forecasts.csv`` (every model's forecast with its interval), ``backtests.csv`` (the
  rolling-origin forecasts against the actuals), ``series.csv`` (the series);
- series anomalies: ``series.csv`` (the channels, the time and the label per step), ``scores.csv`` (every
  model's score and flag per step), ``anomalies.csv`` (the best kept model's flagged intervals);
- communities: ``communities.csv``; link prediction: ``scores.csv`` (held-out pairs, every model's score).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SUPERVISED = ("classification", "regression", "text_classification", "series_classification",
              "image_classification")
_EXAMPLES = 30  # held-out texts shown as examples
_TOP_ANOMALIES = 20


def test_predictions(board) -> pd.DataFrame:
    """Every model's prediction (and class probabilities) for each held-out row, beside the truth."""
    frame = pd.DataFrame({"row": np.arange(len(board.y_test)), "y_true": np.asarray(board.y_test)})
    for name in board.frame["model"]:
        if name in board.predictions:
            frame[f"pred:{name}"] = np.asarray(board.predictions[name])
    for name in board.frame["model"]:
        proba = board.probabilities.get(name)
        classes = board.classes_of(name)
        if proba is not None and classes is not None and proba.shape[1] == len(classes):
            for k, cls in enumerate(classes):
                frame[f"proba:{name}:{cls}"] = proba[:, k]
    return frame


def _supervised(board, folder) -> None:
    test_predictions(board).to_csv(folder / "test_predictions.csv", index=False)
    best = np.asarray(board.predictions[board.best])
    truth = np.asarray(board.y_test)
    if board.task == "text_classification" and isinstance(board.data, pd.DataFrame) and len(board.data.columns):
        texts = board.data[board.info["features"][0]].astype(str)
        pd.DataFrame({"text": texts.to_numpy()[:_EXAMPLES], "true": truth[:_EXAMPLES],
                      "predicted": best[:_EXAMPLES]}).to_csv(folder / "examples.csv", index=False)
    if board.task == "series_classification":
        pd.DataFrame({"true": truth, "predicted": best}).to_csv(folder / "predictions.csv", index_label="series")
        _series_examples(board.data, truth).to_csv(folder / "series_examples.csv", index=False)
    if board.task == "image_classification":
        truth_s, pred_s = pd.Series(truth.astype(str), name="true"), pd.Series(best.astype(str), name="predicted")
        pd.crosstab(truth_s, pred_s).to_csv(folder / "confusion.csv")
        paths = board.info.get("test_paths")
        pd.DataFrame({"image": paths if paths is not None else np.arange(len(truth)), "true": truth_s,
                      "predicted": pred_s}).to_csv(folder / "predictions.csv", index=False)
        _image_grid(board.data, truth_s.to_numpy(), pred_s.to_numpy(), folder / "examples.png")


def _series_examples(cases, labels, per_class: int = 3) -> pd.DataFrame:
    """Up to ``per_class`` held-out series of each class as a long table (first channel)."""
    from deepmine.timeseries.data import to_panel

    panel = to_panel(cases)  # (n, channels, length)
    rows = []
    for label in pd.unique(pd.Series(labels)):
        for i in np.flatnonzero(np.asarray(labels) == label)[:per_class]:
            values = np.asarray(panel[i, 0], dtype=float)
            rows.append(pd.DataFrame({"series": int(i), "label": label, "t": np.arange(len(values)),
                                      "value": values}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["series", "label", "t", "value"])


def _image_grid(images, truth, predicted, path, n: int = 16) -> None:
    """A PNG grid of the first ``n`` held-out images titled true / predicted (red where wrong)."""
    from deepmine.report.figures import pyplot
    from deepmine.vision.data import to_images

    arrays = np.asarray(to_images(images)[0][:n], dtype=np.float32)  # (n, h, w, channels)
    if arrays.size and arrays.max() > 1:
        arrays = arrays / 255.0 if arrays.max() <= 255 else arrays / arrays.max()
    plt = pyplot()
    cols = 8
    rows_ = max(1, int(np.ceil(len(arrays) / cols)))
    fig, axes = plt.subplots(rows_, cols, figsize=(cols * 1.1, rows_ * 1.3), squeeze=False)
    try:
        for ax in axes.ravel():
            ax.set_axis_off()
        for ax, image, t, p in zip(axes.ravel(), arrays, truth, predicted):
            gray = image.shape[-1] == 1
            ax.imshow(image[..., 0] if gray else np.clip(image[..., :3], 0, 1), cmap="gray" if gray else None)
            ax.set_title(f"{t} / {p}", fontsize=7, color="black" if t == p else "#c44e52")
        fig.suptitle("held-out images: true / predicted", fontsize=8)
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=80)
    finally:
        plt.close(fig)


def _clustering(board, folder) -> None:
    from deepmine.data.preprocess import TabularPreprocessor
    from deepmine.evaluation.cluster_metrics import cluster_profiles, embed_2d

    data = board.data
    assignments = pd.DataFrame({"row": range(len(data))})
    for name, labels in board.predictions.items():
        assignments[f"cluster_{name}"] = labels
    if board.y_test is not None:
        assignments["label"] = board.y_test.to_numpy()
    assignments.to_csv(folder / "assignments.csv", index=False)
    labels = board.predictions[board.best]
    cluster_profiles(data, labels).to_csv(folder / "profiles.csv", index=False)
    best = board.best_model
    kind = board.frame.set_index("model").loc[board.best, "kind"]
    space = best.transform(data) if kind == "deep" else TabularPreprocessor(
        roles=board.info["roles"], encoding="onehot").fit_transform(data)
    coords = embed_2d(space)
    pd.DataFrame({"row": range(len(data)), "x": coords[:, 0], "y": coords[:, 1], "cluster": labels}).to_csv(
        folder / "coordinates.csv", index=False)


def _anomaly(board, folder) -> None:
    data = board.data
    table = pd.DataFrame({"row": range(len(data))})
    for name, model in board.models.items():
        table[f"score_{name}"] = model.decision_function(data)
        table[f"flag_{name}"] = model.predict(data)
    table.to_csv(folder / "scores.csv", index=False)
    kept = board.best_kept  # the best fitted detector (an ensemble of scores has no model to score new rows)
    best = table[f"score_{kept}"] if kept is not None else None
    if best is not None:
        top = best.sort_values(ascending=False).index[:_TOP_ANOMALIES]
        data.iloc[top].assign(score=best.iloc[top].to_numpy()).rename_axis("row").reset_index().to_csv(
            folder / "anomalies.csv", index=False)


def _topics(board, folder) -> None:
    tables = [board.models[name].topic_table().assign(model=name) for name in board.frame.model]  # best first
    topics = pd.concat(tables, ignore_index=True)
    topics[["model"] + [c for c in topics.columns if c != "model"]].to_csv(folder / "topics.csv", index=False)
    texts = board.data[board.info["features"][0]]
    board.best_model.assignments(texts).to_csv(folder / "assignments.csv", index=False)


def _recommendation(board, folder) -> None:
    frame = board.predictions.get(board.best_kept)
    if isinstance(frame, pd.DataFrame):
        frame.to_csv(folder / "recommendations.csv", index=False)


def _forecasting(board, folder) -> None:
    frames = [board.predictions[name].assign(model=name) for name in board.frame.model if name in board.predictions]
    if frames:
        forecasts = pd.concat(frames)
        forecasts.index.name = forecasts.index.name or "time"
        forecasts = forecasts.reset_index()
        forecasts[["model"] + [c for c in forecasts.columns if c != "model"]].to_csv(folder / "forecasts.csv",
                                                                                     index=False)
    backtests = board.info.get("backtest") or {}
    if backtests:
        pd.concat([frame.assign(model=name) for name, frame in backtests.items()], ignore_index=True).to_csv(
            folder / "backtests.csv", index=False)
    if isinstance(board.data, pd.DataFrame):
        series = board.data.copy()
        series.index.name = series.index.name or "time"
        series.reset_index().to_csv(folder / "series.csv", index=False)


def series_anomaly_intervals(board, name: str) -> pd.DataFrame:
    """The runs of steps that ``name`` flags: first and last step (and time), length, peak score and its step, which
    part of the series they lie in (train or scored) and, with labels, whether they touch a labelled anomaly."""
    from deepmine.timeseries.anomaly_data import intervals

    scores = np.asarray(board.predictions[name], dtype=float)
    flags = scores > board.models[name].threshold_
    info, data = board.info, board.data
    start = info["steps"] - info["scored_steps"]
    time = info.get("time_column")
    labels = data["label"].to_numpy() if "label" in data.columns else None
    rows = []
    for first, last in intervals(flags):
        peak = first + int(np.argmax(scores[first:last + 1]))
        row = {"first_step": first, "last_step": last}
        if time is not None:
            row.update(start=data[time].iloc[first], end=data[time].iloc[last])
        row.update(steps=last - first + 1, peak_step=peak, peak_score=scores[peak],
                   part="scored" if last >= start else "train")
        if labels is not None:
            row["labelled"] = bool(labels[first:last + 1].any())
        rows.append(row)
    columns = ["first_step", "last_step", *(["start", "end"] if time is not None else []), "steps", "peak_step",
               "peak_score", "part", *(["labelled"] if labels is not None else [])]
    return pd.DataFrame(rows, columns=columns)


def _series_anomaly(board, folder) -> None:
    data = board.data
    data.rename_axis("step").reset_index().to_csv(folder / "series.csv", index=False)
    table = pd.DataFrame({"step": np.arange(len(data))})
    for name in board.frame["model"]:
        if name in board.predictions and name in board.models:
            scores = np.asarray(board.predictions[name], dtype=float)
            table[f"score_{name}"] = scores
            table[f"flag_{name}"] = (scores > board.models[name].threshold_).astype(np.int64)
    table.to_csv(folder / "scores.csv", index=False)
    if board.best_kept is not None:
        series_anomaly_intervals(board, board.best_kept).to_csv(folder / "anomalies.csv", index=False)


def _communities(board, folder) -> None:
    table = board.data.copy()
    for name in board.frame["model"]:
        table[name] = board.predictions[name]
    if board.y_test is not None:
        table["truth"] = board.y_test.to_numpy()
    table.to_csv(folder / "communities.csv", index=False)


def _link_prediction(board, folder) -> None:
    table = board.data.copy()
    table["edge"] = board.y_test.to_numpy()
    for name in board.frame["model"]:
        table[name] = board.predictions[name]
    table.to_csv(folder / "scores.csv", index=False)


WRITERS = {"clustering": _clustering, "anomaly": _anomaly, "topics": _topics, "recommendation": _recommendation,
           "forecasting": _forecasting, "series_anomaly": _series_anomaly, "communities": _communities,
           "link_prediction": _link_prediction,
           **{task: _supervised for task in SUPERVISED}}


def write_artifacts(board, folder) -> None:
    """Write the task's files (see the module docstring) into the run folder ``folder``."""
    from pathlib import Path

    writer = WRITERS.get(board.task)
    if writer is not None and board.predictions:
        writer(board, Path(folder))


__all__ = ["SUPERVISED", "WRITERS", "series_anomaly_intervals", "test_predictions", "write_artifacts"]
