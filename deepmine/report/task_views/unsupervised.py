"""Views of the unsupervised tabular tasks: clustering (map, clusters vs label, profiles) and anomaly
detection (score histogram with the threshold, the top anomalies)."""

from __future__ import annotations


import numpy as np
import pandas as pd

from deepmine.report.figures import figure, svg
from deepmine.report.views import Section, figure_html, note, table_html, view

MAX_POINTS = 2000  # scatter points drawn at most (sampled)
MAX_LEVELS = 20  # rows / columns of a contingency heat map at most (the rest lumped as "other")
NOISE = "#bbbbbb"


def _lump(values: pd.Series, keep: int = MAX_LEVELS) -> pd.Series:
    """``values`` as text, the levels past the ``keep`` most frequent replaced by "other"."""
    values = values.astype(object).where(values.notna(), "<missing>").astype(str)
    counts = values.value_counts()
    if len(counts) > keep:
        values = values.where(values.isin(counts.index[:keep - 1]), "other")
    return values


def _sort_levels(index) -> list:
    """Levels in numeric order when they all read as numbers, else as text; "other" last."""
    levels = [x for x in index if x != "other"]
    try:
        levels = sorted(levels, key=float)
    except (TypeError, ValueError):
        levels = sorted(levels)
    return levels + (["other"] if "other" in index else [])


def contingency_figure(rows: pd.Series, cols: pd.Series, row_name: str, col_name: str, title: str) -> str:
    """A heat map of the counts of ``rows`` against ``cols`` (each lumped to at most MAX_LEVELS levels),
    coloured by each row's shares and annotated with the counts when small enough."""
    counts = pd.crosstab(_lump(rows).rename(row_name), _lump(cols).rename(col_name))
    counts = counts.loc[_sort_levels(counts.index), _sort_levels(counts.columns)]
    n_rows, n_cols = counts.shape
    with figure(min(max(4.2, 2.0 + 0.42 * n_cols), 9.0), min(max(2.8, 1.6 + 0.32 * n_rows), 7.0)) as (fig, ax):
        # coloured by the share of each row's items (so a large "other" row does not wash out the rest)
        shares = counts.to_numpy() / np.maximum(counts.to_numpy().sum(axis=1, keepdims=True), 1)
        image = ax.imshow(shares, cmap="Blues", aspect="auto", vmin=0, vmax=1)
        ax.set_xticks(range(n_cols), [str(c)[:14] for c in counts.columns], fontsize=7,
                      rotation=45 if n_cols > 8 else 0, ha="right" if n_cols > 8 else "center")
        ax.set_yticks(range(n_rows), [str(r)[:14] for r in counts.index], fontsize=7)
        ax.set_xlabel(col_name, fontsize=8)
        ax.set_ylabel(row_name, fontsize=8)
        ax.set_title(title, fontsize=9)
        if n_rows * n_cols <= 300:
            for (i, j), value in np.ndenumerate(counts.to_numpy()):
                if value:
                    ax.text(j, i, str(int(value)), ha="center", va="center", fontsize=6,
                            color="white" if shares[i, j] > 0.5 else "black")
        bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
        bar.ax.tick_params(labelsize=7)
        bar.set_label(f"share of the {row_name}'s items", fontsize=7)
        return svg(fig)


def _palette(levels) -> dict:
    from deepmine.report.figures import pyplot

    plt = pyplot()
    cmap = plt.get_cmap("tab10" if len(levels) <= 10 else "tab20")
    colours, k = {}, 0
    for level in levels:
        if str(level) in ("-1", "-1.0"):  # noise points of density clusterers
            colours[level] = NOISE
        else:
            colours[level] = cmap(k % cmap.N)
            k += 1
    return colours


def _best_column(run, frame: pd.DataFrame, prefix: str = "") -> str | None:
    """The column of the best model (``prefix + best``), or the first model's column present."""
    names = [run.best] + [str(m) for m in run.leaderboard["model"]]
    for name in names:
        if name is not None and f"{prefix}{name}" in frame.columns:
            return f"{prefix}{name}"
    return None


# ---------------------------------------------------------------------------------------- clustering

def _cluster_map(run) -> Section | None:
    coords = run.table("coordinates.csv")
    if coords is None or not {"x", "y", "cluster"} <= set(coords.columns) or coords.empty:
        return None
    shown = coords.sample(MAX_POINTS, random_state=0) if len(coords) > MAX_POINTS else coords
    levels = _sort_levels(pd.unique(shown["cluster"].astype(str)))
    colours = _palette(levels)
    labels = shown["cluster"].astype(str)
    with figure(6.4, 4.6) as (fig, ax):
        for level in levels:
            part = shown[labels == level]
            ax.scatter(part["x"], part["y"], s=7, alpha=0.75, linewidths=0, rasterized=len(shown) > 300,
                       color=colours[level], label="noise" if colours[level] == NOISE else f"cluster {level}")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{run.best}: the rows on a 2-D map, coloured by cluster", fontsize=9)
        if len(levels) <= 15:
            ax.legend(fontsize=7, markerscale=2, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
        picture = svg(fig)
    caption = (f"{len(shown):,} of {len(coords):,} rows (a random sample)" if len(shown) < len(coords)
               else f"all {len(coords):,} rows")
    return Section("Clusters on a map", figure_html(picture, caption))


def _cluster_vs_label(run) -> Section | None:
    assignments = run.table("assignments.csv")
    if assignments is None or "label" not in assignments.columns:
        return None
    column = _best_column(run, assignments, "cluster_")
    if column is None:
        return None
    label = run.info.get("label") or "label"
    picture = contingency_figure(assignments[column], assignments["label"], f"{column[len('cluster_'):]} cluster",
                                 str(label), f"clusters of {column[len('cluster_'):]} against {label}")
    return Section(f"Clusters against {label}", figure_html(picture, "rows counted in each cluster and label"))


def _cluster_profiles(run) -> Section | None:
    profiles = run.table("profiles.csv")
    if profiles is None or profiles.empty:
        return None
    table = profiles.drop(columns=[c for c in ("features",) if c in profiles.columns])
    coords = run.table("coordinates.csv")
    if "cluster" not in table.columns and coords is not None and "cluster" in coords.columns:
        ids = np.unique(coords["cluster"].to_numpy())  # profiles are written one per cluster, in this order
        if len(ids) == len(table):
            table.insert(0, "cluster", ids)
    if "share" in table.columns:
        table["share"] = (table["share"] * 100).round(1).astype(str) + "%"
    return Section(f"What sets each cluster of {run.best} apart",
                   table_html(table) + note("distinctive: features furthest from the overall mean, "
                                            "in standard deviations"))


@view("clustering")
def clustering_views(run) -> list[Section]:
    sections = [s for s in (_cluster_map(run), _cluster_vs_label(run), _cluster_profiles(run)) if s is not None]
    if not sections:
        return [Section("Clusters", note("this run folder holds no coordinates.csv, assignments.csv or "
                                         "profiles.csv to draw the clusters from"))]
    return sections


# ------------------------------------------------------------------------------------------- anomaly

def _score_histogram(run) -> Section | None:
    scores = run.table("scores.csv")
    if scores is None or scores.empty:
        return None
    column = _best_column(run, scores, "score_")
    if column is None:
        return None
    model = column[len("score_"):]
    values = pd.to_numeric(scores[column], errors="coerce").dropna().to_numpy()
    if not len(values):
        return None
    flags = scores.get(f"flag_{model}")
    threshold = None
    if flags is not None:
        flagged = pd.to_numeric(scores.loc[flags.astype(float) > 0, column], errors="coerce").dropna()
        threshold = float(flagged.min()) if len(flagged) else None
    counts, edges = np.histogram(values, bins=50)
    long_tail = counts.max() > 20 * max(np.median(counts[counts > 0]), 1) or (
        threshold is not None and (values >= threshold).mean() < 0.05)
    with figure(6.4, 3.6) as (fig, ax):
        left = edges[:-1]
        colours = ["#c44e52" if threshold is not None and lo + (edges[1] - edges[0]) > threshold else "#4c72b0"
                   for lo in left]
        ax.bar(left, counts, width=np.diff(edges), align="edge", color=colours, linewidth=0)
        if long_tail:
            ax.set_yscale("log")
        if threshold is not None:
            n_flagged = int((flags.astype(float) > 0).sum())
            ax.axvline(threshold, color="black", linestyle="--", linewidth=1,
                       label=f"threshold {threshold:.3g} ({n_flagged:,} rows flagged)")
            ax.legend(fontsize=7, frameon=False)
        ax.set_xlabel(f"anomaly score of {model} (higher: more anomalous)", fontsize=8)
        ax.set_ylabel("rows (log scale)" if long_tail else "rows", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_title(f"{model}: the distribution of anomaly scores", fontsize=9)
        picture = svg(fig)
    return Section("Anomaly scores", figure_html(picture, f"{len(values):,} rows; the threshold is the lowest score "
                                                   "among the flagged rows"))


def _top_anomalies(run) -> Section | None:
    top = run.table("anomalies.csv")
    if top is None or top.empty:
        return None
    top = top.head(20)
    if "score" in top.columns:
        top = top[["score"] + [c for c in top.columns if c != "score"]]
    if top.shape[1] > 16:  # very wide data: the first columns only
        top = top.iloc[:, :16]
    return Section(f"The {len(top)} most anomalous rows of {run.best}", table_html(top))


@view("anomaly")
def anomaly_views(run) -> list[Section]:
    sections = [s for s in (_score_histogram(run), _top_anomalies(run)) if s is not None]
    if not sections:
        return [Section("Anomalies", note("this run folder holds no scores.csv or anomalies.csv to draw the "
                                          "anomalies from"))]
    return sections


__all__ = ["anomaly_views", "clustering_views", "contingency_figure"]
