"""The report's views: each task registers functions that turn a run folder into sections.

A view is ``fn(run: RunData) -> list[Section]``, registered with ``@view("classification")`` (or
several task names). A view that fails, or a figure that cannot be drawn, never fails the report:
the page shows a note in its place. Views read only the run folder (through ``run``), so
``deepmine report RUN_DIR`` can redraw any past run.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Callable

from deepmine.report.run import RunData


@dataclass
class Section:
    """One part of the page: a heading and its HTML (figures as inline SVG, tables as HTML)."""

    title: str
    html: str


ViewFn = Callable[[RunData], list]
_VIEWS: dict[str, list[ViewFn]] = {}


def view(*tasks: str):
    """Register the decorated function as a view of ``tasks``."""

    def register(fn: ViewFn) -> ViewFn:
        for task in tasks:
            _VIEWS.setdefault(task, []).append(fn)
        return fn

    return register


def views_for(task: str) -> list[ViewFn]:
    """The views registered for ``task`` (the task modules are imported first, so they register)."""
    from deepmine.report import task_views  # noqa: F401 - importing registers the views

    return list(_VIEWS.get(task, []))


def figure_html(content: str, caption: str | None = None) -> str:
    """``content`` (an <svg> or <img>) in the report's ``<figure class="figure">`` with an escaped caption."""
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="figure">{content}{cap}</figure>'


def table_html(frame, digits: int = 3) -> str:
    """A small DataFrame as an HTML table, floats rounded, text escaped."""
    import pandas as pd

    frame = frame.copy()
    for c in frame.columns:
        if pd.api.types.is_float_dtype(frame[c]):
            frame[c] = frame[c].round(digits)
    return frame.to_html(index=False, classes="table", border=0, escape=True)


def model_kinds(run: RunData) -> dict:
    """Each model's kind ("deep" / "traditional") from the run's leaderboard."""
    board = run.leaderboard
    if board is None or "kind" not in board.columns:
        return {}
    return dict(zip(board["model"].astype(str), board["kind"].astype(str)))


def note(text: str) -> str:
    """A short note in place of a figure that could not be drawn."""
    return f'<p class="note">{html.escape(text)}</p>'


def run_views(run: RunData) -> list[Section]:
    """Every section of the run's task; a view that raises becomes a note naming the error."""
    sections: list[Section] = []
    for fn in views_for(run.task):
        try:
            sections.extend(fn(run) or [])
        except Exception as exc:  # a report never fails the run that produced it
            name = fn.__name__.replace("_", " ")
            sections.append(Section(name, note(f"this view could not be drawn ({type(exc).__name__}: {exc})")))
    return sections


__all__ = ["Section", "figure_html", "model_kinds", "note", "run_views", "table_html", "view", "views_for"]
