"""The report's tuning section: each model's best validation score so far, trial by trial, the winning
values, and the ensembles' members and weights (a run under a budget: trials.csv)."""

from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd

from deepmine.evaluation.metrics import greater_is_better
from deepmine.report.figures import KIND_COLOURS
from deepmine.report.run import RunData
from deepmine.report.views import note


def best_so_far(trials: pd.DataFrame, greater: bool) -> pd.DataFrame:
    """Per model, the best score of its trials up to each one (failed trials keep the best before them)."""
    frames = []
    for model, group in trials.groupby("model", sort=False):
        scores = pd.to_numeric(group["score"], errors="coerce").to_numpy(dtype=float)
        signed = np.where(np.isfinite(scores), scores if greater else -scores, -np.inf)
        running = np.maximum.accumulate(signed)
        best = np.where(np.isfinite(running), running if greater else -running, np.nan)
        frames.append(pd.DataFrame({"model": model, "trial": group["trial"].to_numpy(), "best": best}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["model", "trial", "best"])


def tuning_section(run: RunData) -> str:
    trials = run.table("trials.csv")
    if trials is None or trials.empty:
        return note("no model was tuned (run with a budget: --budget 50, or --budget 10m)")
    primary = run.primary or "score"
    greater = greater_is_better(primary) is not False
    curves = best_so_far(trials, greater)
    kinds = dict(zip(run.leaderboard["model"].astype(str), run.leaderboard.get("kind", "")))
    parts = [_figure(curves, kinds, primary, greater),
             f"<p>{len(trials)} trials on {run.info.get('valid_rows', 'the')} validation rows held out of the "
             f"training part (budget: {html.escape(str(run.info.get('budget', '?')))}); trial 0 of each model is "
             f"its default setting. Every trial is in <code>trials.csv</code>.</p>"]
    tuned = run.info.get("tuned") or {}
    if tuned:
        items = "".join(f"<li><strong>{html.escape(m)}</strong>: {html.escape(json.dumps(v, default=str))}</li>"
                        for m, v in tuned.items())
        parts.append(f"<p>The winning values (models not listed kept their defaults):</p><ul>{items}</ul>")
    ensembles = run.info.get("ensembles") or {}
    if ensembles:
        items = "".join(
            f"<li><strong>{html.escape(name)}</strong> ({html.escape(str(e.get('kind')))}): "
            + ", ".join(f"{html.escape(m)} {w:.2f}" for m, w in e.get("weights", {}).items()) + "</li>"
            for name, e in ensembles.items())
        blend = run.info.get("blend_rows")
        where = (f"the {blend} training rows held out of tuning" if blend else
                 "the part the trials were scored on (a forecaster's tuning backtest: a series has no points to "
                 "spare)")
        parts.append(f"<p>Ensembles (bagged greedy selection with replacement on {where}; weights):</p>"
                     f"<ul>{items}</ul>")
    return "\n".join(parts)


def _figure(curves: pd.DataFrame, kinds: dict, primary: str, greater: bool) -> str:
    from deepmine.report.figures import pyplot, svg

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    try:
        styles = ["-", "--", ":", "-."]
        for i, (model, group) in enumerate(curves.groupby("model", sort=False)):
            colour = KIND_COLOURS.get(kinds.get(model), "#777777")
            ax.step(group["trial"], group["best"], where="post", color=colour, linestyle=styles[i % len(styles)],
                    linewidth=1.5, label=str(model))
        ax.set_xlabel("trial", fontsize=9)
        ax.set_ylabel(f"best validation {primary} so far", fontsize=9)
        ax.legend(fontsize=7, frameon=False, ncol=2)
        text = svg(fig)
    finally:
        plt.close(fig)
    direction = "higher" if greater else "lower"
    return (f'<figure>{text}<figcaption>Best validation {html.escape(primary)} so far ({direction} is better), '
            f'trial by trial; deep models in red, traditional in blue.</figcaption></figure>')


__all__ = ["best_so_far", "tuning_section"]
