"""Views of anomalies in a series: the channels with the labelled anomalies and the flagged intervals over them, and
the best deep and best traditional detector's scores under them (series.csv, scores.csv)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepmine.report.figures import svg
from deepmine.report.task_views.forecasting import _best_by_kind, _score
from deepmine.report.task_views.supervised import kind_shades, subplots
from deepmine.report.views import Section, figure_html, model_kinds, note, table_html, view

MAX_CHANNELS = 3  # channels drawn; the others are named in the caption
MAX_POINTS = 20_000  # steps drawn (the series is thinned beyond)


@view("series_anomaly")
def series_scores(run) -> list[Section]:
    """The series, shaded where it is labelled anomalous (grey) and where the best detector flags it, and the scores
    of the best deep and the best traditional detector below, with their thresholds' flags."""
    from deepmine.timeseries.anomaly_data import intervals

    series, scores = run.table("series.csv"), run.table("scores.csv")
    if series is None or scores is None:
        return [Section("Series and scores", note("no series.csv or scores.csv in the run folder"))]
    info = run.info
    channels = [c for c in info.get("channels", []) if c in series.columns]
    models = [c[len("score_"):] for c in scores.columns if c.startswith("score_")]
    if not channels or not models:
        return [Section("Series and scores", note("series.csv or scores.csv holds no channel or score"))]
    shown = _best_by_kind(run, models)
    best = str(run.best) if run.best is not None and str(run.best) in models else shown[0]
    if best not in shown:
        shown = [best] + shown[:1]
    step = max(1, len(series) // MAX_POINTS)
    x = np.arange(len(series))
    labels = series["label"].to_numpy() if "label" in series.columns else None
    start = int(info.get("steps", len(series)) - info.get("scored_steps", len(series)))
    colours, kind = kind_shades(run, shown), model_kinds(run)
    drawn = channels[:MAX_CHANNELS]
    with subplots(len(drawn) + len(shown), 1, 8.0, 1.5 * (len(drawn) + len(shown)) + 0.8, sharex=True) as (fig, axes):
        flagged = intervals(scores[f"flag_{best}"].to_numpy()) if f"flag_{best}" in scores.columns else []
        for ax, channel in zip(axes[:len(drawn), 0], drawn):
            ax.plot(x[::step], series[channel].to_numpy(dtype=float)[::step], color="#333333", lw=0.7)
            if labels is not None:
                for first, last in intervals(labels):
                    ax.axvspan(first, last + 1, color="#999999", alpha=0.35, lw=0)
            for first, last in flagged:
                ax.axvspan(first, last + 1, color=colours[best], alpha=0.25, lw=0)
            ax.set_ylabel(channel, fontsize=8)
            ax.grid(alpha=0.3)
        for ax, m in zip(axes[len(drawn):, 0], shown):
            values = scores[f"score_{m}"].to_numpy(dtype=float)
            ax.plot(x[::step], values[::step], color=colours[m], lw=0.8)
            if f"flag_{m}" in scores.columns:
                for first, last in intervals(scores[f"flag_{m}"].to_numpy()):
                    ax.axvspan(first, last + 1, color=colours[m], alpha=0.2, lw=0)
            ax.set_title(f"{m} ({kind.get(m, '?')}){_score(run, m)}", fontsize=8)
            ax.set_ylabel("score", fontsize=8)
            ax.grid(alpha=0.3)
        for ax in axes[:, 0]:
            if start:
                ax.axvline(start, color="#555555", lw=0.8, ls="--")
        axes[-1, 0].set_xlabel("step")
        drawing = svg(fig)
    caption = (f"The series ({', '.join(drawn)}" + (f", and {len(channels) - len(drawn)} more channel(s) not drawn"
                                                     if len(channels) > len(drawn) else "") + ")")
    caption += ", labelled anomalies in grey" if labels is not None else ""
    caption += f", {best}'s flagged intervals in its colour; below, the per-step scores of {' and '.join(shown)}"
    caption += " (shaded where each flags)." if not start else (f" (shaded where each flags). Left of the dashed "
                                                               f"line: the {start} training steps, taken as normal.")
    return [Section("Series and scores", figure_html(drawing, caption))]


@view("series_anomaly")
def flagged_intervals(run) -> list[Section]:
    """The best detector's flagged intervals in the scored part, highest peak first."""
    found = run.table("anomalies.csv")
    if found is None:
        return []
    if found.empty:
        return [Section("Flagged intervals", note(f"{run.best} flags no interval: no step scores above its threshold"))]
    scored = found[found["part"] == "scored"] if "part" in found.columns else found
    top = scored.sort_values("peak_score", ascending=False).head(20)
    return [Section("Flagged intervals",
                    f"<p>{len(scored)} interval(s) flagged by {run.best} in the scored part; the 20 with the highest "
                    f"peak score:</p>" + table_html(pd.DataFrame(top)))]


__all__ = ["flagged_intervals", "series_scores"]
