"""Views of the graph tasks: communities (the drawn network, community sizes, best vs truth) and link
prediction (every model's ROC curve, the best model's suggested links)."""

from __future__ import annotations

import html

import pandas as pd

from deepmine.report.figures import KIND_COLOURS, figure, png_data_uri, svg
from deepmine.report.task_views.unsupervised import contingency_figure
from deepmine.report.views import Section, figure_html, model_kinds, note, table_html, view

MAX_BARS = 40  # community bars drawn at most (the largest)
MAX_PNG = 1_500_000  # network.png larger than this is not inlined (keeps the page small)
SUGGESTED = 10


def _model_columns(run, frame: pd.DataFrame) -> list[str]:
    """The models' columns of ``frame`` in leaderboard order (best first)."""
    return [str(m) for m in run.leaderboard["model"] if str(m) in frame.columns]


# --------------------------------------------------------------------------------------- communities

def _network(run) -> Section | None:
    path = run.file("network.png")
    if path is None:
        return None
    if path.stat().st_size > MAX_PNG:
        return Section("The network", note(f"network.png ({path.stat().st_size / 1e6:.1f} MB) is too large to "
                                           f"inline; open it from the run folder"))
    alt = html.escape(f"the graph coloured by the communities of {run.best}")
    picture = f'<img src="{png_data_uri(path)}" alt="{alt}" style="max-width:100%;height:auto">'
    return Section("The network", figure_html(picture, f"nodes coloured by the communities of {run.best}"))


def _community_sizes(run, table: pd.DataFrame, model: str) -> Section:
    sizes = table[model].value_counts()
    n_all = len(sizes)
    sizes = sizes.head(MAX_BARS)
    n = len(sizes)
    with figure(min(2.0 + 0.3 * n, 8.0), 3.2) as (fig, ax):
        ax.bar(range(n), sizes.to_numpy(), color=KIND_COLOURS.get(model_kinds(run).get(model), "#4c72b0"))
        ax.set_xticks(range(n), [str(c) for c in sizes.index], fontsize=7, rotation=90 if n > 15 else 0)
        ax.set_xlabel("community (largest first)", fontsize=8)
        ax.set_ylabel("nodes", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(f"{model}: community sizes", fontsize=9)
        picture = svg(fig)
    caption = (f"the {n} largest of {n_all} communities" if n < n_all
               else f"{n_all} communities of {len(table):,} nodes")
    return Section("Community sizes", figure_html(picture, caption))


@view("communities")
def communities_views(run) -> list[Section]:
    sections = []
    network = _network(run)
    if network is not None:
        sections.append(network)
    table = run.table("communities.csv")
    models = _model_columns(run, table) if table is not None else []
    if models:
        best = run.best if run.best in models else models[0]
        sections.append(_community_sizes(run, table, best))
        if "truth" in table.columns and table["truth"].notna().any():
            known = table[table["truth"].notna()]
            picture = contingency_figure(known[best], known["truth"], f"{best} community", "true community",
                                         f"communities of {best} against the true ones")
            sections.append(Section("Communities against the truth",
                                    figure_html(picture, "nodes counted in each found and true community")))
    if not sections:
        return [Section("Communities", note("this run folder holds no network.png or communities.csv to draw "
                                            "the communities from"))]
    return sections


# ------------------------------------------------------------------------------------ link prediction

def _roc(run, scores: pd.DataFrame, models: list[str]) -> Section | None:
    from sklearn.metrics import roc_auc_score, roc_curve

    truth = pd.to_numeric(scores["edge"], errors="coerce")
    if truth.nunique() < 2:
        return None
    kinds = model_kinds(run)
    styles = ["-", "--", ":", "-."]
    counters: dict = {}
    with figure(5.2, 4.4) as (fig, ax):
        for model in models:
            values = pd.to_numeric(scores[model], errors="coerce")
            ok = truth.notna() & values.notna()
            if ok.sum() < 2 or truth[ok].nunique() < 2:
                continue
            fpr, tpr, _ = roc_curve(truth[ok], values[ok])
            auc = roc_auc_score(truth[ok], values[ok])
            kind = kinds.get(model, "traditional")
            k = counters.get(kind, 0)
            counters[kind] = k + 1
            ax.plot(fpr, tpr, color=KIND_COLOURS.get(kind, "#555555"), linestyle=styles[k % len(styles)],
                    linewidth=1.6 if model == run.best else 1.1, label=f"{model} ({kind}) AUC {auc:.3f}")
        ax.plot([0, 1], [0, 1], color="#999999", linewidth=0.8, linestyle=":")
        ax.set_xlabel("false positive rate (non-edges scored as links)", fontsize=8)
        ax.set_ylabel("true positive rate (held-out edges found)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.01)
        ax.set_title("ROC curves on the held-out pairs", fontsize=9)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        picture = svg(fig)
    n_pos = int((truth == 1).sum())
    return Section("ROC curves", figure_html(picture, f"{n_pos:,} held-out edges and {int((truth == 0).sum()):,} "
                                               f"non-edges; deep models in red, traditional in blue"))


def _suggested(run, scores: pd.DataFrame, model: str) -> Section | None:
    negatives = scores[pd.to_numeric(scores["edge"], errors="coerce") == 0]
    if negatives.empty:
        return None
    cols = [c for c in ("source", "target") if c in negatives.columns]
    top = negatives.sort_values(model, ascending=False).head(SUGGESTED)[cols + [model]]
    top = top.rename(columns={model: f"score ({model})"})
    return Section(f"Suggested links ({model})",
                   table_html(top, 4) + note("the non-edges among the held-out pairs that the best model scores "
                                             "highest: links the graph may be missing"))


@view("link_prediction")
def link_prediction_views(run) -> list[Section]:
    scores = run.table("scores.csv")
    if scores is None or "edge" not in scores.columns:
        return [Section("Links", note("this run folder holds no scores.csv to draw the link predictions from"))]
    models = _model_columns(run, scores)
    if not models:
        return [Section("Links", note("scores.csv holds no model's scores"))]
    best = run.best if run.best in models else models[0]
    sections = [s for s in (_roc(run, scores, models), _suggested(run, scores, best)) if s is not None]
    return sections or [Section("Links", note("scores.csv has too few pairs to draw"))]


__all__ = ["communities_views", "link_prediction_views"]
