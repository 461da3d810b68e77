"""The report page: one self-contained HTML5 document for a run folder.

:func:`render` turns a :class:`~deepmine.report.run.RunData` into the page: inline CSS, inline SVG
figures and one small inline script (the sortable leaderboard); nothing is fetched from the network,
so the page opens from disk, by e-mail or from an archive. Its sections are the data summary, the
leaderboard, the primary metric beside the time to fit, the deep models' learning curves and then
every section of the task's views (:func:`deepmine.report.views.run_views`). A part that cannot be
drawn becomes a note in its place: rendering never raises for a readable run folder.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any, Callable

import numpy as np
import pandas as pd

from deepmine.evaluation.metrics import greater_is_better
from deepmine.report.figures import KIND_COLOURS
from deepmine.report.run import RunData
from deepmine.report.views import Section, note, run_views

# what the data summary shows first, in this order, with these labels
_FACTS = (
    ("rows", "rows"), ("train_rows", "train rows"), ("test_rows", "test rows"), ("target", "target"),
    ("label", "label"), ("split", "split"), ("test_size", "test share"), ("cv", "cross-validation folds"),
    ("horizon", "horizon"), ("season", "season"), ("random_state", "seed"), ("calibration", "calibration"),
)
_SHOWN_ELSEWHERE = {"features", "roles", "skipped_columns"}
_MAX_ITEMS = 40          # list items / dict entries shown before "… and N more"
_MAX_TEXT = 300          # characters of one value shown
_MAX_DEPTH = 3           # nested dicts shown this deep, then summarised
_MAX_CURVE_POINTS = 300  # epochs drawn per curve (longer histories are thinned evenly)
_MAX_CURVE_PANELS = 12   # deep models drawn in the learning curves


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def render(run: RunData) -> str:
    """The whole page for ``run`` as a string (UTF-8 HTML5, self-contained)."""
    task = run.task or "run"
    command = run.metrics.get("command") if isinstance(run.metrics.get("command"), dict) else {}
    data = command.get("data")
    title = f"{task.replace('_', ' ')}: {data}" if data else task.replace("_", " ")

    sections = [
        _safe_section("Data summary", _data_summary, run),
        _safe_section("Leaderboard", _leaderboard, run),
        _safe_section("Primary metric and time", _primary_and_time, run),
        _safe_section("Learning curves", _learning_curves, run),
    ]
    if run.table("trials.csv") is not None:
        from deepmine.report.tuning_view import tuning_section

        sections.append(_safe_section("Tuning and ensembles", tuning_section, run))
    try:
        sections.extend(run_views(run))
    except Exception as exc:  # noqa: BLE001 - the page is written whatever a view does
        sections.append(Section("Task views", note(f"the task's views could not be drawn ({_describe(exc)})")))

    anchors = _anchors([s.title for s in sections])
    body = [f'<section id="{a}">\n<h2>{esc(s.title)}</h2>\n{s.html}\n</section>' for s, a in zip(sections, anchors)]
    nav = "".join(f'<li><a href="#{a}">{esc(s.title)}</a></li>' for s, a in zip(sections, anchors))

    verdict = run.metrics.get("verdict")
    facts = []
    if run.primary:
        facts.append(f"primary metric <strong>{esc(run.primary)}</strong>")
    if run.best:
        facts.append(f"best model <strong>{esc(run.best)}</strong>")
    facts.append(f"{len(run.leaderboard)} model{'s' if len(run.leaderboard) != 1 else ''} compared")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="deepmine">',
        '<link rel="icon" href="data:,">',
        f"<title>{esc(title)} — deepmine report</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        '<p class="kicker">deepmine report</p>',
        f"<h1>{esc(title)}</h1>",
        f'<p class="verdict">{esc(_sentence(verdict))}</p>' if verdict else "",
        f'<p class="facts">{" · ".join(facts)}</p>',
        f'<nav aria-label="sections"><ol>{nav}</ol></nav>',
        "</header>",
        "<main>",
        *body,
        "</main>",
        f'<footer>Written by deepmine from the run folder <code>{esc(run.folder.name)}</code>. '
        "Deep models are marked <span class=\"badge deep\">deep</span>, traditional ones "
        "<span class=\"badge traditional\">traditional</span>; the best value of each metric is "
        "<mark class=\"best-sample\">highlighted</mark>. Click a column heading to sort.</footer>",
        f"<script>{_SCRIPT}</script>",
        "</body>",
        "</html>",
        "",
    ])


# ---------------------------------------------------------------------------------------- helpers

def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _safe_section(title: str, fn: Callable[[RunData], str], run: RunData) -> Section:
    try:
        return Section(title, fn(run))
    except Exception as exc:  # noqa: BLE001 - a part that fails becomes a note
        return Section(title, note(f"this part could not be drawn ({_describe(exc)})"))


def _safe_figure(fn: Callable[[], str], caption: str | None = None) -> str:
    """A figure's inline SVG inside ``<figure class="figure">``, or a note when it cannot be drawn."""
    try:
        svg = fn()
    except Exception as exc:  # noqa: BLE001
        return note(f"this figure could not be drawn ({_describe(exc)})")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="figure">{svg}{cap}</figure>'


def _anchor(title: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"
    anchor, n = base, 1
    while anchor in used:
        n += 1
        anchor = f"{base}-{n}"
    used.add(anchor)
    return anchor


def _anchors(titles: list[str]) -> list[str]:
    used: set[str] = set()
    return [_anchor(t, used) for t in titles]


def _sentence(text: str) -> str:
    text = str(text).strip()
    return (text[:1].upper() + text[1:]) if text else text


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _fmt_value(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if _is_number(v):
        if isinstance(v, (float, np.floating)):
            if not math.isfinite(v):
                return "—"
            if float(v).is_integer() and abs(v) < 1e15:
                return f"{int(v):,}"
            return f"{v:.4g}"
        return f"{int(v):,}"
    text = str(v)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


def _compact(value, depth: int = 0) -> str:
    """A value of ``info`` as compact HTML: scalars as text, lists inline, dicts as small tables."""
    if isinstance(value, dict):
        if not value:
            return '<span class="muted">none</span>'
        if depth >= _MAX_DEPTH:
            return esc(f"{len(value)} entries")
        items = list(value.items())
        rows = "".join(f"<tr><th>{esc(k)}</th><td>{_compact(v, depth + 1)}</td></tr>" for k, v in items[:_MAX_ITEMS])
        more = (f'<tr><td colspan="2" class="muted">… and {len(items) - _MAX_ITEMS} more</td></tr>'
                if len(items) > _MAX_ITEMS else "")
        return f'<table class="kv">{rows}{more}</table>'
    if isinstance(value, (list, tuple)):
        if not value:
            return '<span class="muted">none</span>'
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            shown = ", ".join(esc(_fmt_value(v)) for v in value[:_MAX_ITEMS])
            more = f' <span class="muted">… and {len(value) - _MAX_ITEMS} more</span>' if len(value) > _MAX_ITEMS else ""
            return shown + more
        if depth >= _MAX_DEPTH:
            return esc(f"{len(value)} items")
        shown = "".join(f"<li>{_compact(v, depth + 1)}</li>" for v in value[:8])
        more = f'<li class="muted">… and {len(value) - 8} more</li>' if len(value) > 8 else ""
        return f'<ul class="compact">{shown}{more}</ul>'
    return esc(_fmt_value(value))


def _column_list(columns: list, limit: int = _MAX_ITEMS) -> str:
    shown = ", ".join(f"<code>{esc(c)}</code>" for c in columns[:limit])
    if len(columns) > limit:
        shown += f' <span class="muted">… and {len(columns) - limit} more</span>'
    return shown


# ---------------------------------------------------------------------------------- data summary

def _data_summary(run: RunData) -> str:
    info = run.info
    parts = []
    cards = []
    for key, label in _FACTS:
        if key in info and info[key] is not None and not isinstance(info[key], (dict, list)):
            cards.append(f'<div class="card"><span class="label">{esc(label)}</span>'
                         f'<span class="value">{esc(_fmt_value(info[key]))}</span></div>')
    if cards:
        parts.append(f'<div class="cards">{"".join(cards)}</div>')

    roles = info.get("roles")
    features = info.get("features")
    if isinstance(roles, dict) and roles:
        by_role: dict[str, list] = {}
        for column, role in roles.items():
            by_role.setdefault(str(role), []).append(column)
        rows = "".join(f"<tr><th>{esc(role)} <span class=\"muted\">({len(cols)})</span></th>"
                       f"<td>{_column_list(cols)}</td></tr>" for role, cols in by_role.items())
        parts.append(f'<h3>Columns by role</h3><table class="kv">{rows}</table>')
    elif isinstance(features, (list, tuple)) and features:
        parts.append(f"<h3>Feature columns ({len(features)})</h3><p>{_column_list(list(features))}</p>")

    skipped = info.get("skipped_columns")
    if isinstance(skipped, dict) and skipped:
        rows = "".join(f"<tr><th><code>{esc(c)}</code></th><td>{_compact(why, 1)}</td></tr>"
                       for c, why in list(skipped.items())[:_MAX_ITEMS])
        more = (f'<tr><td colspan="2" class="muted">… and {len(skipped) - _MAX_ITEMS} more</td></tr>'
                if len(skipped) > _MAX_ITEMS else "")
        parts.append(f'<h3>Skipped columns</h3><table class="kv">{rows}{more}</table>')
    elif isinstance(skipped, (list, tuple)) and skipped:
        parts.append(f"<h3>Skipped columns</h3><p>{_column_list(list(skipped))}</p>")
    elif "skipped_columns" in info:
        parts.append('<p class="muted">No column was skipped.</p>')

    shown = {key for key, _ in _FACTS if key in info and not isinstance(info[key], (dict, list))}
    rest = {k: v for k, v in info.items() if k not in shown and k not in _SHOWN_ELSEWHERE
            and v is not None and v != {} and v != []}
    if rest:
        parts.append(f"<h3>Details</h3>{_compact(rest)}")

    command = run.metrics.get("command")
    if isinstance(command, dict) and command:
        options = {k: v for k, v in command.items() if v is not None and v != {} and v is not False}
        parts.append(f"<details><summary>Command options</summary>{_compact(options)}</details>")
    if not parts:
        return note("the run folder says nothing about its data")
    return "\n".join(parts)


# ----------------------------------------------------------------------------------- leaderboard

def _metric_direction(column: str) -> bool | None:
    direction = greater_is_better(column)
    if direction is None and column.startswith("cv_") and not column.endswith("_std"):
        direction = greater_is_better(column[3:])
    return direction


def _cell_text(column: str, v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v)}"
    if isinstance(v, (float, np.floating)):
        if column.endswith("_s"):
            return f"{v:.2f}"
        if abs(v) >= 1e5:
            return f"{v:.4g}"
        return f"{v:.4f}"
    return str(v)


def _leaderboard(run: RunData) -> str:
    frame = run.leaderboard
    if frame.empty:
        return note("the leaderboard is empty")
    best: dict[str, float] = {}
    for column in frame.columns:
        if column in ("model", "kind") or not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        direction = _metric_direction(str(column))
        values = pd.to_numeric(frame[column], errors="coerce")
        if direction is None or not values.notna().any() or values.nunique() < 1:
            continue
        best[column] = values.max() if direction else values.min()

    head = []
    for i, column in enumerate(frame.columns):
        numeric = column not in ("model", "kind") and pd.api.types.is_numeric_dtype(frame[column])
        direction = _metric_direction(str(column)) if numeric else None
        hint = {True: " (higher is better)", False: " (lower is better)"}.get(direction, "")
        arrow = {True: ' <span class="dir" aria-hidden="true">↑</span>',
                 False: ' <span class="dir" aria-hidden="true">↓</span>'}.get(direction, "")
        head.append(f'<th scope="col" data-col="{i}" data-type="{"num" if numeric else "text"}" tabindex="0" '
                    f'title="sort by {esc(column)}{esc(hint)}" aria-sort="none">{esc(column)}{arrow}</th>')
    rows = []
    for _, row in frame.iterrows():
        model = str(row["model"])
        kind = str(row.get("kind", "")) if "kind" in frame.columns else ""
        classes = [f"kind-{_css_token(kind)}"] if kind else []
        if run.best is not None and model == str(run.best):
            classes.append("best-model")
        cells = []
        for column in frame.columns:
            v = row[column]
            if column == "model":
                cells.append(f'<th scope="row" data-value="{esc(model)}">{esc(model)}</th>')
            elif column == "kind":
                cells.append(f'<td data-value="{esc(kind)}"><span class="badge {_css_token(kind)}">{esc(kind)}</span></td>')
            else:
                is_num = _is_number(v)
                raw = "" if not is_num or (isinstance(v, float) and not math.isfinite(v)) else repr(float(v))
                is_best = column in best and is_num and math.isfinite(float(v)) and float(v) == float(best[column])
                cls = ' class="num best"' if is_best else (' class="num"' if is_num else "")
                cells.append(f'<td{cls} data-value="{esc(raw if is_num else v)}">{esc(_cell_text(column, v))}</td>')
        rows.append(f'<tr data-model="{esc(model)}" data-kind="{esc(kind)}" class="{" ".join(classes)}">'
                    f'{"".join(cells)}</tr>')
    legend = ('<p class="legend">Best value of each metric highlighted; seconds to 2 decimals, metrics to 4. '
              "↑ higher is better, ↓ lower is better. Click a heading to sort.</p>")
    return (f'<div class="table-wrap"><table id="leaderboard" class="leaderboard sortable">'
            f'<thead><tr>{"".join(head)}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>{legend}')


def _css_token(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", str(text).lower()) or "other"


# ----------------------------------------------------------------------------- primary and time

def _kind_colour(kind) -> str:
    return KIND_COLOURS.get(str(kind), "#8c8c8c")


def _kind_legend(ax, kinds) -> None:
    from matplotlib.patches import Patch

    seen = [k for k in ("deep", "traditional") if k in set(map(str, kinds))]
    seen += sorted({str(k) for k in kinds} - set(seen))
    # above the axes, so that it never covers a bar
    ax.legend(handles=[Patch(color=_kind_colour(k), label=k) for k in seen], loc="lower left", fontsize=8,
              frameon=False, bbox_to_anchor=(0.0, 1.0), ncol=len(seen), borderaxespad=0.2, handlelength=1.2)


def _primary_and_time(run: RunData) -> str:
    frame = run.leaderboard
    primary = run.primary
    parts = []
    if primary is None:
        parts.append(note("no primary metric ranks these models (for example no label was given), so only the "
                          "time to fit is drawn"))
    elif primary not in frame.columns:
        parts.append(note(f"the leaderboard has no column '{primary}', so the primary metric is not drawn"))
        primary = None
    has_time = "fit_s" in frame.columns and pd.to_numeric(frame["fit_s"], errors="coerce").notna().any()
    if primary is None and not has_time:
        return "\n".join(parts + [note("the leaderboard has no fit times either")])
    direction = greater_is_better(primary) if primary else None
    caption = []
    if primary:
        caption.append(f"{primary} of each model on the held-out data"
                       + {True: " (higher is better)", False: " (lower is better)"}.get(direction, ""))
    if has_time:
        caption.append("seconds to fit (log scale)")
    parts.append(_safe_figure(lambda: _primary_svg(frame, primary if primary else None, has_time),
                              "; ".join(caption).capitalize() + "."))
    return "\n".join(parts)


def _primary_svg(frame: pd.DataFrame, primary: str | None, has_time: bool) -> str:
    from deepmine.report.figures import pyplot, svg

    plt = pyplot()
    models = [str(m) for m in frame["model"]]
    kinds = list(frame["kind"]) if "kind" in frame.columns else ["other"] * len(models)
    colours = [_kind_colour(k) for k in kinds]
    n = len(models)
    panels = int(primary is not None) + int(has_time)
    height = min(1.2 + 0.32 * n, 12.0)
    fig, axes = plt.subplots(1, panels, figsize=(4.6 * panels, height), squeeze=False, sharey=True)
    axes = list(axes[0])
    y = np.arange(n)
    try:
        k = 0
        if primary is not None:
            ax = axes[k]
            k += 1
            values = pd.to_numeric(frame[primary], errors="coerce").to_numpy(dtype=float)
            shown = np.where(np.isfinite(values), values, 0.0)
            ax.barh(y, shown, color=colours, height=0.65)
            finite = values[np.isfinite(values)]
            span = (finite.max() - min(finite.min(), 0.0)) if finite.size else 1.0
            for yi, v in zip(y, values):
                label = f"{v:.4f}" if np.isfinite(v) else "n/a"
                ax.text((v if np.isfinite(v) else 0.0) + 0.01 * (span or 1.0), yi, label, va="center", fontsize=7)
            if finite.size and finite.min() < 0:
                ax.axvline(0, color="#555", linewidth=0.8)
            if finite.size:
                ax.set_xlim(min(finite.min() * 1.1, 0.0), max(finite.max() + 0.18 * (span or 1.0), 0.0) or 1.0)
            ax.set_xlabel(primary)
            _kind_legend(ax, kinds)
        if has_time:
            ax = axes[k]
            fit = pd.to_numeric(frame["fit_s"], errors="coerce").to_numpy(dtype=float)
            positive = fit[np.isfinite(fit) & (fit > 0)]
            floor = max(positive.min() / 2, 1e-4) if positive.size else 1e-3
            shown = np.where(np.isfinite(fit) & (fit > 0), fit, floor)
            ax.barh(y, shown, color=colours, height=0.65)
            ax.set_xscale("log")
            for yi, v, s in zip(y, fit, shown):
                ax.text(s * 1.08, yi, f"{v:.2f}s" if np.isfinite(v) else "n/a", va="center", fontsize=7)
            ax.set_xlim(floor / 1.5, shown.max() * 6)
            ax.set_xlabel("seconds to fit (log scale)")
            if primary is None:
                _kind_legend(ax, kinds)
        axes[0].set_yticks(y)
        axes[0].set_yticklabels(models, fontsize=8)
        axes[0].invert_yaxis()  # best model at the top, as in the leaderboard
        for ax in axes:
            ax.spines[["top", "right"]].set_visible(False)
            ax.tick_params(axis="x", labelsize=8)
        return svg(fig)
    finally:
        plt.close(fig)


# ------------------------------------------------------------------------------- learning curves

def _learning_curves(run: RunData) -> str:
    frame = run.leaderboard
    deep = [str(m) for m, k in zip(frame["model"], frame.get("kind", pd.Series([""] * len(frame)))) if k == "deep"]
    history = run.history
    if not deep:
        return note("no deep model was compared, so there are no learning curves")
    if history is None or history.empty or "model" not in history.columns:
        return note("the run folder has no training history (history.csv), so there are no learning curves")
    present = set(history["model"].astype(str))
    drawn = [m for m in deep if m in present]
    missing = [m for m in deep if m not in present]
    parts = []
    if not drawn:
        return note("history.csv holds no epochs of the deep models, so there are no learning curves")
    if len(drawn) > _MAX_CURVE_PANELS:
        parts.append(note(f"{len(drawn)} deep models: the first {_MAX_CURVE_PANELS} in leaderboard order are drawn"))
        drawn = drawn[:_MAX_CURVE_PANELS]
    parts.append(_safe_figure(lambda: _curves_svg(history, drawn),
                              "Training and validation loss per epoch of each deep model."))
    if missing:
        parts.append(note(f"no history was recorded for {', '.join(missing)}"))
    return "\n".join(parts)


def _thin(x: np.ndarray, limit: int = _MAX_CURVE_POINTS) -> np.ndarray:
    if len(x) <= limit:
        return np.arange(len(x))
    return np.unique(np.linspace(0, len(x) - 1, limit).round().astype(int))


def _curves_svg(history: pd.DataFrame, models: list[str]) -> str:
    from deepmine.report.figures import pyplot, svg

    plt = pyplot()
    n = len(models)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols + 0.4, 2.7 * rows + 0.3), squeeze=False)
    try:
        for i, ax in enumerate(axes.flat):
            if i >= n:
                ax.set_visible(False)
                continue
            name = models[i]
            h = history[history["model"].astype(str) == name]
            epoch = (pd.to_numeric(h["epoch"], errors="coerce").to_numpy(dtype=float) if "epoch" in h.columns
                     else np.arange(1, len(h) + 1, dtype=float))
            keep = _thin(epoch)
            drew = False
            for column, colour, label in (("train_loss", KIND_COLOURS["deep"], "train"),
                                          ("valid_loss", "#333333", "validation")):
                if column in h.columns:
                    values = pd.to_numeric(h[column], errors="coerce").to_numpy(dtype=float)
                    if np.isfinite(values).any():
                        ax.plot(epoch[keep], values[keep], color=colour, linewidth=1.4, label=label,
                                linestyle="-" if column == "train_loss" else "--")
                        drew = True
            if not drew:
                ax.text(0.5, 0.5, "no loss recorded", transform=ax.transAxes, ha="center", va="center", fontsize=8)
            else:
                ax.legend(fontsize=7, frameon=False)
            ax.set_title(name, fontsize=9)
            ax.set_xlabel("epoch", fontsize=8)
            ax.set_ylabel("loss", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.spines[["top", "right"]].set_visible(False)
        return svg(fig)
    finally:
        plt.close(fig)


# ------------------------------------------------------------------------------------ CSS and JS

_CSS = """
:root{--fg:#1f2328;--muted:#656d76;--bg:#ffffff;--panel:#f6f8fa;--line:#d0d7de;--accent:#0969da;
--deep:%(deep)s;--traditional:%(traditional)s;--best:#dafbe1;--best-fg:#116329;color-scheme:light}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
header,main,footer{max-width:1120px;margin:0 auto;padding:0 20px}
header{padding-top:28px;padding-bottom:8px;border-bottom:1px solid var(--line)}
.kicker{margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.08em;font-size:12px}
h1{margin:4px 0 8px;font-size:28px;line-height:1.25;word-break:break-word}
h2{font-size:21px;margin:0 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:18px 0 8px}
.verdict{font-size:17px;margin:8px 0;padding:10px 14px;background:var(--panel);border-left:4px solid var(--accent);
border-radius:4px}
.facts{color:var(--muted);margin:6px 0 10px}
nav ol{list-style:none;padding:0;margin:8px 0 12px;display:flex;flex-wrap:wrap;gap:6px 14px;font-size:14px}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
section{margin:28px 0 36px}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--panel);padding:0 3px;
border-radius:3px}
.muted{color:var(--muted)}
.note{color:var(--muted);font-style:italic;background:var(--panel);border:1px dashed var(--line);padding:8px 12px;
border-radius:4px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:10px;margin:4px 0 8px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.card .label{display:block;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .value{display:block;font-size:18px;font-weight:600;word-break:break-word}
table{border-collapse:collapse}
table.kv{font-size:14px;margin:2px 0}
table.kv th,table.kv td{text-align:left;vertical-align:top;padding:3px 12px 3px 0;border-bottom:1px solid var(--panel)}
table.kv th{font-weight:600;white-space:nowrap}
table.kv table.kv{font-size:13px}
ul.compact{margin:0;padding-left:18px}
details{margin-top:14px}summary{cursor:pointer;color:var(--muted)}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:6px}
table.leaderboard{width:100%%;font-size:14px;font-variant-numeric:tabular-nums}
.leaderboard th,.leaderboard td{padding:6px 9px;border-bottom:1px solid var(--line);white-space:nowrap;text-align:left}
.leaderboard td.num{text-align:right}
.leaderboard thead th{background:var(--panel);position:sticky;top:0;cursor:pointer;user-select:none}
.leaderboard thead th:hover,.leaderboard thead th:focus{background:#eaeef2;outline:none}
.leaderboard thead th[aria-sort=ascending]::after{content:" ▲";font-size:10px}
.leaderboard thead th[aria-sort=descending]::after{content:" ▼";font-size:10px}
.leaderboard .dir{color:var(--muted);font-weight:400}
.leaderboard tbody tr:last-child>*{border-bottom:none}
.leaderboard tbody tr:hover{background:#f3f6f9}
.leaderboard tbody th{font-weight:600}
.leaderboard tr.kind-deep>th:first-child{box-shadow:inset 4px 0 0 var(--deep)}
.leaderboard tr.kind-traditional>th:first-child{box-shadow:inset 4px 0 0 var(--traditional)}
.leaderboard tr.best-model>th::after{content:" ★";color:#bf8700}
.leaderboard td.best,mark.best-sample{background:var(--best);color:var(--best-fg);font-weight:700}
mark.best-sample{padding:0 3px;border-radius:3px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;
background:#8c8c8c}
.badge.deep{background:var(--deep)}.badge.traditional{background:var(--traditional)}
.legend{color:var(--muted);font-size:13px;margin:6px 0 0}
figure.figure{margin:12px 0;padding:8px;background:#fff;border:1px solid var(--line);border-radius:6px;
overflow-x:auto;max-width:100%%}
figure.figure svg{display:block;max-width:100%%;height:auto;margin:0 auto}
figure.figure img{display:block;max-width:100%%;height:auto;margin:0 auto}
figcaption{color:var(--muted);font-size:13px;margin-top:6px;text-align:center}
section table:not(.leaderboard):not(.kv){font-size:14px;margin:6px 0}
section table:not(.leaderboard):not(.kv) th,section table:not(.leaderboard):not(.kv) td{padding:4px 10px;
border-bottom:1px solid var(--line);text-align:left}
footer{color:var(--muted);font-size:13px;padding-top:16px;padding-bottom:32px;border-top:1px solid var(--line)}
@media (max-width:640px){body{font-size:14px}h1{font-size:22px}header,main,footer{padding:0 12px}
header{padding-top:16px}.cards{grid-template-columns:repeat(auto-fill,minmax(110px,1fr))}}
@media print{nav{display:none}.leaderboard thead th{position:static}section{break-inside:avoid-page}}
""" % KIND_COLOURS

# Sorts any table.sortable by the clicked heading: numbers by value (blanks last), text alphabetically;
# a second click reverses. Cells carry their raw value in data-value.
_SCRIPT = """
(function(){
  function key(cell, numeric){
    var v = cell ? cell.getAttribute('data-value') : null;
    if (v === null) { v = cell ? cell.textContent : ''; }
    if (!numeric) { return v.toLowerCase(); }
    var x = parseFloat(v);
    return isNaN(x) ? null : x;
  }
  function sort(table, th){
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute('data-type') === 'num';
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function(a, b){
      var x = key(a.children[col], numeric), y = key(b.children[col], numeric);
      if (x === y) { return 0; }
      if (x === null) { return 1; }
      if (y === null) { return -1; }
      return (x < y ? -1 : 1) * (asc ? 1 : -1);
    });
    rows.forEach(function(r){ body.appendChild(r); });
    Array.prototype.forEach.call(th.parentNode.children, function(h){ h.setAttribute('aria-sort', 'none'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function(table){
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function(th){
      th.addEventListener('click', function(){ sort(table, th); });
      th.addEventListener('keydown', function(e){
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(table, th); }
      });
    });
  });
})();
"""

__all__ = ["render"]
