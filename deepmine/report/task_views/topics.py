"""The view of topic modelling: the best model's topics (sizes labelled with their top words) and a
side-by-side table of every model's first topics."""

from __future__ import annotations

import textwrap

import pandas as pd

from deepmine.report.figures import figure, svg
from deepmine.report.views import Section, figure_html, note, table_html, view

MAX_TOPICS = 25  # topics drawn as bars at most (the largest)
TOP_WORDS = 6  # words beside each bar
COMPARED = 5  # topics per model in the comparison table


def _words(text, n: int) -> str:
    words = [w.strip() for w in str(text if isinstance(text, str) else "").split(",") if w.strip()]
    return ", ".join(words[:n])


def _topic_bars(run, topics: pd.DataFrame, model: str) -> Section | None:
    mine = topics[topics["model"].astype(str) == model] if "model" in topics.columns else topics
    if mine.empty or "topic" not in mine.columns:
        return None
    size = "size" if "size" in mine.columns else None
    shown = mine.sort_values(size, ascending=False) if size else mine
    shown = shown.head(MAX_TOPICS).iloc[::-1]  # largest at the top
    n = len(shown)
    labels = [f"{t}: " + textwrap.shorten(_words(w, TOP_WORDS), 60, placeholder="…")
              for t, w in zip(shown["topic"], shown.get("words", pd.Series([""] * n)))]
    values = shown[size].to_numpy() if size else [1] * n
    with figure(7.2, min(1.2 + 0.32 * n, 9.0)) as (fig, ax):
        ax.barh(range(n), values, color="#4c72b0")
        ax.set_yticks(range(n), labels, fontsize=7)
        ax.set_xlabel("texts whose main topic it is" if size else "", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(f"{model}: topics by size, with their top words", fontsize=9)
        if size and "share" in shown.columns:
            for i, (v, s) in enumerate(zip(values, shown["share"])):
                ax.text(v, i, f" {s:.0%}", va="center", fontsize=6)
        picture = svg(fig)
    caption = f"the {n} largest of {len(mine)} topics" if n < len(mine) else f"all {n} topics"
    table = mine.copy()
    if "share" in table.columns:
        table["share"] = (table["share"] * 100).round(1).astype(str) + "%"
    table = table.drop(columns=["model"], errors="ignore")
    if size:
        table = table.sort_values(size, ascending=False)
    return Section(f"The topics of {model}", figure_html(picture, caption) + table_html(table.head(MAX_TOPICS)))


def _comparison(topics: pd.DataFrame, order: list) -> Section | None:
    if "model" not in topics.columns or topics["model"].nunique() < 2 or "words" not in topics.columns:
        return None
    columns = {}
    for model in order:
        mine = topics[topics["model"].astype(str) == model]
        if "size" in mine.columns:
            mine = mine.sort_values("size", ascending=False)
        cells = [f"{_words(w, 5)} ({int(s)})" if "size" in mine.columns else _words(w, 5)
                 for w, s in zip(mine["words"].head(COMPARED), mine.get("size", mine["words"]).head(COMPARED))]
        if cells:
            columns[model] = cells + [""] * (COMPARED - len(cells))
    if len(columns) < 2:
        return None
    frame = pd.DataFrame(columns)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return Section("The models' topics side by side",
                   table_html(frame) + note(f"each model's {COMPARED} largest topics: top words (texts)"))


@view("topics")
def topics_views(run) -> list[Section]:
    topics = run.table("topics.csv")
    if topics is None or topics.empty:
        return [Section("Topics", note("this run folder holds no topics.csv to show the topics from"))]
    present = [str(m) for m in pd.unique(topics["model"].astype(str))] if "model" in topics.columns else []
    order = [str(m) for m in run.leaderboard["model"] if str(m) in present] + \
        [m for m in present if m not in set(map(str, run.leaderboard["model"]))]
    best = run.best if run.best in present else (order[0] if order else str(run.best))
    sections = [s for s in (_topic_bars(run, topics, best), _comparison(topics, order)) if s is not None]
    return sections or [Section("Topics", note("topics.csv holds no topics to show"))]


__all__ = ["topics_views"]
