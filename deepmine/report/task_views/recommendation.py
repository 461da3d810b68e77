"""Views of recommendation: the leaderboard's rating and ranking metrics as grouped bars per model, and
example top-k lists of a few users (recommendations.csv)."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from deepmine.report.figures import svg
from deepmine.report.task_views.supervised import kind_shades, subplots
from deepmine.report.views import Section, figure_html, model_kinds, note, view

RATING_METRICS = ("rmse", "mae")
RANKING_METRICS = ("hr", "ndcg", "precision", "recall", "map")
EXAMPLE_USERS = 3
LIST_LENGTH = 10


def ranking_columns(columns) -> tuple[list[str], int | None]:
    """The ``<metric>@k`` columns of the run's k (read from the names), in a fixed order, and k."""
    found = {}
    for column in columns:
        match = re.fullmatch(r"([a-z_]+)@(\d+)", str(column))
        if match and match.group(1) in RANKING_METRICS:
            found.setdefault(int(match.group(2)), {})[match.group(1)] = column
    if not found:
        return [], None
    k = max(found, key=lambda key: len(found[key]))
    return [found[k][m] for m in RANKING_METRICS if m in found[k]], k


def _bars(ax, board, metrics, colours, kind) -> None:
    models = list(board["model"].astype(str))
    width = 0.8 / max(1, len(models))
    x = np.arange(len(metrics))
    for i, model in enumerate(models):
        values = board.loc[board["model"].astype(str) == model, metrics].iloc[0].to_numpy(dtype=float)
        if not np.isfinite(values).any():
            continue
        offsets = x - 0.4 + width * (i + 0.5)
        bars = ax.bar(offsets, np.nan_to_num(values), width * 0.92, color=colours[model],
                      label=f"{model} ({kind.get(model, '?')})")
        for bar, value in zip(bars, values):
            if np.isfinite(value):
                ax.annotate(f"{value:.3f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=6, rotation=90 if len(models) > 3 else 0,
                            xytext=(0, 1), textcoords="offset points")
            else:
                ax.annotate("—", (bar.get_x() + bar.get_width() / 2, 0), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x)
    ax.set_xticklabels(metrics, fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    ax.margins(y=0.18)


@view("recommendation")
def recommendation_metrics(run) -> list[Section]:
    """Rating (RMSE / MAE, lower is better) and ranking metrics at k (higher is better) per model."""
    board = run.leaderboard
    rating = [m for m in RATING_METRICS if m in board.columns and board[m].notna().any()]
    ranking, k = ranking_columns(board.columns)
    ranking = [m for m in ranking if board[m].notna().any()]
    if not rating and not ranking:
        return [Section("Recommendation metrics", note("the leaderboard holds no rating or ranking metric"))]
    panels = [(rating, "rating error (lower is better)"), (ranking, f"ranking at k={k} (higher is better)")]
    panels = [(cols, title) for cols, title in panels if cols]
    models = list(board["model"].astype(str))
    colours = kind_shades(run, models)
    kind = model_kinds(run)
    widths = [max(2.0, 0.6 * len(cols) * max(1, len(models)) ** 0.5 + 1.2) for cols, _ in panels]
    with subplots(1, len(panels), min(10.0, sum(widths) + 0.5), 4.0,
                  gridspec_kw={"width_ratios": widths}) as (fig, axes):
        for ax, (cols, title) in zip(axes[0], panels):
            _bars(ax, board, cols, colours, kind)
            ax.set_title(title, fontsize=9)
        from matplotlib.patches import Patch

        handles = [Patch(color=colours[m], label=f"{m} ({kind.get(m, '?')})") for m in models]
        first = axes[0, 0]
        low, high = first.get_ylim()
        first.set_ylim(low, high + (high - low) * 0.12 * (len(models) + 1))  # room for the legend above the bars
        first.legend(handles=handles, fontsize=7, loc="upper left", framealpha=0.9)
        drawing = svg(fig)
    missing = [m for m in models
               if ranking and board.loc[board["model"].astype(str) == m, ranking].isna().all(axis=1).all()]
    caption = "Each model's metrics: deep models in red shades, traditional ones in blue."
    if rating:
        caption += " RMSE and MAE on the held-out ratings."
    if ranking:
        caption += f" Hit rate, NDCG, precision and recall of the top-{k} list on each user's held-out last item."
    if missing:
        caption += f" {', '.join(missing)} gave no ranking (rating predictions only)."
    return [Section("Recommendation metrics", figure_html(drawing, caption))]


@view("recommendation")
def example_recommendations(run) -> list[Section]:
    """The top-k lists of the first few users in recommendations.csv as small tables."""
    frame = run.table("recommendations.csv")
    if frame is None or not {"user", "item"} <= set(frame.columns) or frame.empty:
        return [Section("Example recommendations", note("no recommendations.csv in the run folder"))]
    users = list(dict.fromkeys(frame["user"]))[:EXAMPLE_USERS]
    title = next((c for c in ("title", "name", "label") if c in frame.columns), None)
    tables = []
    for user in users:
        part = frame[frame["user"] == user]
        if "rank" in part.columns:
            part = part.sort_values("rank")
        part = part.head(LIST_LENGTH)
        columns = [c for c in ("rank", "item", title, "score") if c and c in part.columns]
        shown = part[columns].copy()
        if "score" in shown.columns:
            shown["score"] = pd.to_numeric(shown["score"], errors="coerce").round(3)
        if title:
            shown[title] = shown[title].astype(str).str.slice(0, 60)
        table = shown.to_html(index=False, classes="table", border=0)
        tables.append(f'<div style="flex:1 1 16em;min-width:14em"><h4>user {html.escape(str(user))}</h4>{table}</div>')
    best = html.escape(str(run.best)) if run.best is not None else "the best model"
    intro = f"<p>The top-{LIST_LENGTH} lists of {len(users)} users from {best}.</p>"
    body = '<div style="display:flex;flex-wrap:wrap;gap:1em">' + "".join(tables) + "</div>"
    return [Section("Example recommendations", intro + body)]


__all__ = ["example_recommendations", "ranking_columns", "recommendation_metrics"]
