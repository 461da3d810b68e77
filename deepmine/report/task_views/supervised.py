"""Views of the supervised tasks, drawn from ``test_predictions.csv`` and the examples a run wrote.

- every classification task: the best model's confusion matrix, ROC and precision-recall curves of
  every model with class probabilities;
- text classification: the first held-out texts with true and predicted class (examples.csv);
- series classification: a few held-out series of each class (series_examples.csv);
- image classification: the grid of held-out images a run drew (examples.png);
- regression: predicted against actual and the residuals of the best model (and of the best model
  of the other kind).
"""

from __future__ import annotations

import html
from contextlib import contextmanager

import numpy as np
import pandas as pd

from deepmine.report.figures import KIND_COLOURS, png_data_uri, pyplot, svg
from deepmine.report.views import Section, figure_html, model_kinds, note, view

CLASSIFICATION_TASKS = ("classification", "text_classification", "series_classification", "image_classification")
MAX_CLASSES = 20  # classes shown in the confusion matrix (the most frequent)
MAX_POINTS = 1200  # scatter points per figure
RASTER_POINTS = 400  # scatters with more points are drawn as a picture inside the SVG (keeps the page small)
MAX_CURVE_POINTS = 400  # points per ROC / precision-recall curve
EXAMPLE_TEXTS = 15
TEXT_CHARS = 200
SERIES_CLASSES = 8  # classes drawn in the example series
SERIES_PER_CLASS = 3


# ---------------------------------------------------------------------------------------------- helpers


@contextmanager
def subplots(nrows: int = 1, ncols: int = 1, width: float = 6.0, height: float = 4.0, **kwargs):
    """A matplotlib figure with a grid of axes (``squeeze=False``), closed afterwards."""
    plt = pyplot()
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kwargs)
    try:
        yield fig, axes
    finally:
        plt.close(fig)


def ordered_models(run, frame: pd.DataFrame) -> list[str]:
    """The models with a ``pred:<model>`` column, in leaderboard order (best first)."""
    present = [c[len("pred:"):] for c in frame.columns if c.startswith("pred:")]
    board = [str(m) for m in run.leaderboard["model"]] if run.leaderboard is not None else []
    return [m for m in board if m in present] + [m for m in present if m not in board]


def best_model(run, models: list[str]) -> str | None:
    best = run.best
    if best is not None and str(best) in models:
        return str(best)
    return models[0] if models else None


def best_of_other_kind(run, models: list[str], best: str) -> str | None:
    """The best model (leaderboard order) whose kind differs from the best model's."""
    kind = model_kinds(run)
    for name in models:
        if name != best and kind.get(name) and kind.get(name) != kind.get(best):
            return name
    return None


def kind_shades(run, models: list[str]) -> dict:
    """A colour per model: shades of the deep colour for deep models, of the traditional one otherwise."""
    from matplotlib.colors import to_rgb

    kind = model_kinds(run)
    groups: dict[str, list[str]] = {}
    for name in models:
        groups.setdefault(kind.get(name, "traditional"), []).append(name)
    colours = {}
    for k, names in groups.items():
        base = np.array(to_rgb(KIND_COLOURS.get(k, "#777777")))
        for i, name in enumerate(names):
            # first (best) model in the base colour, later ones darker / lighter in turn
            step = (i + 1) // 2 * 0.28
            factor = 1 - step if i % 2 else 1 + step
            rgb = base * factor if factor <= 1 else base + (1 - base) * (factor - 1)
            colours[name] = tuple(np.clip(rgb, 0, 1))
    return colours


_STYLES = ("-", "--", "-.", ":")


def _labels(values) -> np.ndarray:
    """Class labels as strings, integers without a trailing '.0'."""
    series = pd.Series(values)
    if pd.api.types.is_float_dtype(series) and series.dropna().eq(series.dropna().round()).all():
        series = series.astype("Int64")
    return series.astype(str).to_numpy()


def _sort_classes(classes) -> list[str]:
    classes = list(dict.fromkeys(classes))
    try:
        return sorted(classes, key=float)
    except (TypeError, ValueError):
        return sorted(classes)


def proba_columns(frame: pd.DataFrame, model: str) -> list[tuple[str, str]]:
    """``(column, class)`` of the model's probability columns, in the order the file lists them."""
    prefix = f"proba:{model}:"
    return [(c, c[len(prefix):]) for c in frame.columns if c.startswith(prefix)]


def _thin(*arrays, limit: int = MAX_CURVE_POINTS):
    """At most ``limit`` evenly spaced points of a curve (first and last kept)."""
    n = len(arrays[0])
    if n <= limit:
        return arrays
    idx = np.unique(np.linspace(0, n - 1, limit).round().astype(int))
    return tuple(np.asarray(a)[idx] for a in arrays)


def _sample(n: int, limit: int = MAX_POINTS, seed: int = 0) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def _predictions(run):
    frame = run.table("test_predictions.csv")
    if frame is None or "y_true" not in frame.columns:
        return None
    return frame


# ---------------------------------------------------------------------------------------- classification


@view(*CLASSIFICATION_TASKS)
def confusion_matrix(run) -> list[Section]:
    """The best model's confusion matrix: counts, coloured by the share of each true class."""
    frame = _predictions(run)
    if frame is None:
        return [Section("Confusion matrix", note("no test_predictions.csv in the run folder"))]
    models = ordered_models(run, frame)
    best = best_model(run, models)
    if best is None:
        return [Section("Confusion matrix", note("test_predictions.csv holds no model's predictions"))]
    truth, pred = _labels(frame["y_true"]), _labels(frame[f"pred:{best}"])
    listed = [cls for _, cls in proba_columns(frame, best)]
    classes = listed + [c for c in _sort_classes(np.concatenate([truth, pred])) if c not in listed]
    caption_extra = ""
    if len(classes) > MAX_CLASSES:
        counts = pd.Series(truth).value_counts()
        keep = set(counts.index[:MAX_CLASSES])
        classes = [c for c in classes if c in keep]
        mask = np.isin(truth, classes)
        truth, pred = truth[mask], np.where(np.isin(pred[mask], classes), pred[mask], "other")
        if (pred == "other").any():
            classes_cols = classes + ["other"]
        else:
            classes_cols = classes
        caption_extra = f" The {MAX_CLASSES} most frequent of {len(counts)} true classes are shown."
    else:
        classes_cols = classes
    index_r = {c: i for i, c in enumerate(classes)}
    index_c = {c: i for i, c in enumerate(classes_cols)}
    matrix = np.zeros((len(classes), len(classes_cols)), dtype=int)
    for t, p in zip(truth, pred):
        if t in index_r and p in index_c:
            matrix[index_r[t], index_c[p]] += 1
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    n = max(len(classes), len(classes_cols))
    size = min(8.0, max(4.0, 2.2 + 0.35 * n))
    font = 9 if n <= 8 else (7 if n <= 14 else 5.5)
    short = [c if len(c) <= 18 else c[:17] + "…" for c in classes]
    short_cols = [c if len(c) <= 18 else c[:17] + "…" for c in classes_cols]
    with subplots(1, 1, size + 0.8, size) as (fig, axes):
        ax = axes[0, 0]
        image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                if matrix[i, j] or n <= 12:
                    ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=font,
                            color="white" if shares[i, j] > 0.6 else "black")
        ax.set_xticks(range(len(classes_cols)))
        longest = max(map(len, short_cols))
        tilt = (n > 3 and longest > 3) or longest > 10
        ax.set_xticklabels(short_cols, rotation=45 if tilt else 0, ha="right" if tilt else "center", fontsize=font)
        ax.set_yticks(range(len(classes)))
        ax.set_yticklabels(short, fontsize=font)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(f"confusion matrix of {best}", fontsize=10)
        cbar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        cbar.set_label("share of the true class", fontsize=8)
        cbar.ax.tick_params(labelsize=7)
        drawing = svg(fig)
    correct = int(np.trace(matrix[:, :len(classes)]))
    caption = (f"{best} on {len(truth)} held-out rows: rows are the true class, columns the predicted one; "
               f"{correct} of {len(truth)} on the diagonal.{caption_extra}")
    return [Section("Confusion matrix", figure_html(drawing, caption))]


def _curves(frame: pd.DataFrame, model: str):
    """(fpr, tpr, auc, recall, precision, ap, label) of the model, or None without usable probabilities."""
    from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

    columns = proba_columns(frame, model)
    if len(columns) < 2:
        return None
    truth = _labels(frame["y_true"])
    probs = frame[[c for c, _ in columns]].to_numpy(dtype=float)
    ok = np.isfinite(probs).all(axis=1)
    truth, probs = truth[ok], probs[ok]
    classes = [cls for _, cls in columns]
    if len(columns) == 2:
        y = (truth == classes[1]).astype(int)
        score = probs[:, 1]
    else:
        y = (truth[:, None] == np.array(classes)[None, :]).astype(int).ravel()
        score = probs.ravel()
    if y.min() == y.max():
        return None
    fpr, tpr, _ = roc_curve(y, score)
    precision, recall, _ = precision_recall_curve(y, score)
    return fpr, tpr, auc(fpr, tpr), recall, precision, average_precision_score(y, score), y.mean()


@view(*CLASSIFICATION_TASKS)
def roc_and_precision_recall(run) -> list[Section]:
    """ROC and precision-recall curves of every model with probabilities."""
    frame = _predictions(run)
    if frame is None:
        return []
    models = [m for m in ordered_models(run, frame) if len(proba_columns(frame, m)) >= 2]
    if not models:
        return [Section("ROC and precision-recall curves", note("no model of this run gave class probabilities"))]
    curves = {m: c for m in models if (c := _curves(frame, m)) is not None}
    if not curves:
        return [Section("ROC and precision-recall curves",
                        note("the held-out rows hold a single class, so no curve can be drawn"))]
    classes = [cls for _, cls in proba_columns(frame, next(iter(curves)))]
    binary = len(classes) == 2
    colours = kind_shades(run, list(curves))
    kind = model_kinds(run)
    style = {}
    counter: dict[str, int] = {}
    for m in curves:
        k = kind.get(m, "traditional")
        style[m] = _STYLES[counter.get(k, 0) % len(_STYLES)]
        counter[k] = counter.get(k, 0) + 1
    with subplots(1, 2, 10.0, 4.2) as (fig, axes):
        roc, pr = axes[0, 0], axes[0, 1]
        prevalence = None
        for m, (fpr, tpr, roc_auc, recall, precision, ap, base) in curves.items():
            fpr, tpr = _thin(fpr, tpr)
            recall, precision = _thin(recall, precision)
            label_kind = kind.get(m, "")
            roc.plot(fpr, tpr, style[m], color=colours[m], lw=1.6,
                     label=f"{m} ({label_kind}) AUC={roc_auc:.3f}" if label_kind else f"{m} AUC={roc_auc:.3f}")
            pr.step(recall, precision, style[m], where="post", color=colours[m], lw=1.6,
                    label=f"{m} AP={ap:.3f}")
            prevalence = base
        roc.plot([0, 1], [0, 1], color="#999999", lw=0.8, ls=":")
        if prevalence is not None:
            pr.axhline(prevalence, color="#999999", lw=0.8, ls=":")
        what = f"positive class: {classes[1]}" if binary else "micro-average, one-vs-rest"
        roc.set_title(f"ROC ({what})", fontsize=10)
        pr.set_title(f"precision-recall ({what})", fontsize=10)
        roc.set_xlabel("false positive rate")
        roc.set_ylabel("true positive rate")
        pr.set_xlabel("recall")
        pr.set_ylabel("precision")
        for ax in (roc, pr):
            ax.set_xlim(-0.01, 1.01)
            ax.set_ylim(-0.01, 1.02)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="lower right" if ax is roc else "lower left")
        drawing = svg(fig)
    skipped = [m for m in models if m not in curves]
    scheme = f"binary: the positive class is {classes[1]!r}" if binary else "multiclass: micro-averaged one-vs-rest"
    caption = (f"Every model with class probabilities ({scheme}); "
               "deep models in red shades, traditional ones in blue; the dotted lines are chance.")
    if skipped:
        caption += f" No curve for {', '.join(skipped)}."
    return [Section("ROC and precision-recall curves", figure_html(drawing, caption))]


@view("text_classification")
def example_texts(run) -> list[Section]:
    """The first held-out texts with their true and predicted class, wrong predictions marked."""
    frame = run.table("examples.csv")
    if frame is None or not {"text", "true", "predicted"} <= set(frame.columns):
        return [Section("Example texts", note("no examples.csv in the run folder"))]
    frame = frame.head(EXAMPLE_TEXTS)
    truth, pred = _labels(frame["true"]), _labels(frame["predicted"])
    rows = []
    for text, t, p in zip(frame["text"].astype(str), truth, pred):
        text = " ".join(text.split())
        if len(text) > TEXT_CHARS:
            text = text[:TEXT_CHARS - 1].rstrip() + "…"
        wrong = t != p
        mark = ('<td class="wrong" style="color:#c44e52;font-weight:bold;white-space:nowrap">✗ wrong</td>' if wrong
                else '<td style="white-space:nowrap">✓</td>')
        style = ' class="wrong" style="background:#fbeaea"' if wrong else ""
        rows.append(f"<tr{style}><td>{html.escape(text)}</td><td>{html.escape(t)}</td>"
                    f"<td>{html.escape(p)}</td>{mark}</tr>")
    n_wrong = int((truth != pred).sum())
    table = ('<table class="table"><thead><tr><th>text</th><th>true</th><th>predicted</th><th></th></tr></thead>'
             f"<tbody>{''.join(rows)}</tbody></table>")
    best = html.escape(str(run.best or "the best model"))
    intro = (f'<p>The first {len(frame)} held-out texts with {best}\'s prediction; {n_wrong} wrong '
             f"(marked ✗).</p>")
    return [Section("Example texts", intro + table)]


@view("series_classification")
def example_series(run) -> list[Section]:
    """A few held-out series of each class, one small axis per class."""
    frame = run.table("series_examples.csv")
    if frame is None or not {"series", "label", "t", "value"} <= set(frame.columns) or frame.empty:
        return [Section("Example series", note("no series_examples.csv in the run folder"))]
    frame = frame.assign(label=_labels(frame["label"]))
    classes = _sort_classes(frame["label"])
    shown = classes[:SERIES_CLASSES]
    ncols = min(4, len(shown))
    nrows = int(np.ceil(len(shown) / ncols))
    palette = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]
    with subplots(nrows, ncols, min(10.0, 2.6 * ncols + 0.6), 2.2 * nrows + 0.4, sharey=True) as (fig, axes):
        for ax in axes.ravel()[len(shown):]:
            ax.set_visible(False)
        for k, (ax, label) in enumerate(zip(axes.ravel(), shown)):
            part = frame[frame["label"] == label]
            for j, (_, one) in enumerate(part.groupby("series", sort=False)):
                if j >= SERIES_PER_CLASS:
                    break
                one = one.sort_values("t")
                t, v = _thin(one["t"].to_numpy(), one["value"].to_numpy(dtype=float), limit=300)
                ax.plot(t, v, color=palette[k % len(palette)], lw=1.0, alpha=0.9 - 0.2 * j)
            ax.set_title(f"class {label}", fontsize=9)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
        drawing = svg(fig)
    caption = f"Up to {SERIES_PER_CLASS} held-out series of each class (first channel)."
    if len(classes) > len(shown):
        caption += f" {len(shown)} of {len(classes)} classes shown."
    return [Section("Example series", figure_html(drawing, caption))]


@view("image_classification")
def example_images(run) -> list[Section]:
    """The grid of held-out images the run drew, titled true / predicted."""
    path = run.file("examples.png")
    if path is None:
        return [Section("Example images", note("no examples.png in the run folder"))]
    alt = "held-out images with their true and predicted class"
    image = f'<img src="{png_data_uri(path)}" alt="{alt}" style="max-width:100%;height:auto">'
    caption = "Held-out images titled true / predicted class (red where the best model is wrong)."
    return [Section("Example images", figure_html(image, caption))]


# ------------------------------------------------------------------------------------------- regression


def _regression_models(run, frame):
    models = ordered_models(run, frame)
    best = best_model(run, models)
    if best is None:
        return []
    other = best_of_other_kind(run, models, best)
    return [best] + ([other] if other else [])


@view("regression")
def predicted_against_actual(run) -> list[Section]:
    """Predicted against actual (with the diagonal) and the residuals of the best model(s)."""
    frame = _predictions(run)
    if frame is None:
        return [Section("Predicted against actual", note("no test_predictions.csv in the run folder"))]
    shown = _regression_models(run, frame)
    if not shown:
        return [Section("Predicted against actual", note("test_predictions.csv holds no model's predictions"))]
    truth = pd.to_numeric(frame["y_true"], errors="coerce").to_numpy(dtype=float)
    colours = kind_shades(run, shown)
    kind = model_kinds(run)
    markers = ("o", "^")
    idx = _sample(len(truth), MAX_POINTS // len(shown))
    preds = {m: pd.to_numeric(frame[f"pred:{m}"], errors="coerce").to_numpy(dtype=float) for m in shown}

    raster = len(idx) * len(shown) > RASTER_POINTS

    def label(m):
        return f"{m} ({kind[m]})" if m in kind else m

    with subplots(1, 1, 5.6, 4.6, dpi=120) as (fig, axes):
        ax = axes[0, 0]
        for k, m in enumerate(shown):
            ax.scatter(truth[idx], preds[m][idx], s=9, alpha=0.55, color=colours[m], marker=markers[k],
                       edgecolors="none", label=label(m), rasterized=raster)
        values = np.concatenate([truth[idx]] + [preds[m][idx] for m in shown])
        values = values[np.isfinite(values)]
        if values.size:
            lo, hi = float(values.min()), float(values.max())
            pad = (hi - lo) * 0.03 or 1.0
            ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="#555555", lw=0.9, ls="--",
                    label="predicted = actual")
        ax.set_xlabel("actual")
        ax.set_ylabel("predicted")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title("predicted against actual (held-out rows)", fontsize=10)
        scatter = svg(fig)

    with subplots(1, 2, 10.0, 4.0, gridspec_kw={"width_ratios": [3, 2]}, dpi=120) as (fig, axes):
        ax, hist = axes[0, 0], axes[0, 1]
        all_res = []
        for k, m in enumerate(shown):
            residual = truth - preds[m]
            ax.scatter(preds[m][idx], residual[idx], s=9, alpha=0.55, color=colours[m], marker=markers[k],
                       edgecolors="none", label=label(m), rasterized=raster)
            finite = residual[np.isfinite(residual)]
            all_res.append(finite)
        ax.axhline(0, color="#555555", lw=0.9, ls="--")
        ax.set_xlabel("predicted")
        ax.set_ylabel("residual (actual - predicted)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title("residuals against predicted", fontsize=10)
        joined = np.concatenate(all_res) if all_res else np.array([])
        bins = np.histogram_bin_edges(joined, bins=30) if joined.size else 10
        for m, res in zip(shown, all_res):
            hist.hist(res, bins=bins, color=colours[m], alpha=0.55, label=m)
        hist.axvline(0, color="#555555", lw=0.9, ls="--")
        hist.set_xlabel("residual")
        hist.set_ylabel("rows")
        hist.set_title("residual histogram", fontsize=10)
        hist.grid(alpha=0.3)
        residuals = svg(fig)

    stats = []
    for m in shown:
        res = truth - preds[m]
        res = res[np.isfinite(res)]
        if res.size:
            stats.append(f"{m}: mean residual {res.mean():.4g}, RMSE {np.sqrt((res ** 2).mean()):.4g}")
    sample = f" ({len(idx)} of {len(truth)} rows drawn)" if len(idx) < len(truth) else ""
    cap1 = (f"Each held-out row's prediction against its actual value{sample}; points on the dashed diagonal "
            f"are exact.")
    cap2 = "Residuals (actual - predicted): no pattern against the prediction is what a good fit shows. " + \
        "; ".join(stats) + "."
    return [Section("Predicted against actual", figure_html(scatter, cap1)),
            Section("Residuals", figure_html(residuals, cap2))]


__all__ = ["confusion_matrix", "example_images", "example_series", "example_texts", "predicted_against_actual",
           "roc_and_precision_recall"]
