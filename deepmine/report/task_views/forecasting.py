"""Views of forecasting: the series with the best model's forecast and interval (series.csv,
forecasts.csv), and the rolling-origin backtest of the best deep and best traditional model against
the actuals (backtests.csv)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepmine.report.figures import svg
from deepmine.report.task_views.supervised import kind_shades, subplots
from deepmine.report.views import Section, figure_html, model_kinds, note, view

MAX_SERIES_POINTS = 1500  # history points drawn (the most recent)


def _parse_times(*columns: pd.Series) -> list:
    """The time columns as dates when they all parse, as numbers when numeric, else as positions."""
    present = [c for c in columns if c is not None]
    joined = pd.concat(present, ignore_index=True) if present else pd.Series([], dtype=object)
    if pd.api.types.is_numeric_dtype(joined):
        return [pd.to_numeric(c) if c is not None else None for c in columns]
    try:
        pd.to_datetime(joined, errors="raise", format="mixed")
        return [pd.to_datetime(c, format="mixed") if c is not None else None for c in columns]
    except (ValueError, TypeError, OverflowError):
        pass
    numbers = pd.to_numeric(joined, errors="coerce")
    if numbers.notna().all():
        return [pd.to_numeric(c) if c is not None else None for c in columns]
    order = {t: i for i, t in enumerate(dict.fromkeys(joined.astype(str)))}
    return [c.astype(str).map(order) if c is not None else None for c in columns]


def _target(series: pd.DataFrame, run) -> str | None:
    target = run.info.get("target")
    if target in series.columns and target != "time":
        return target
    others = [c for c in series.columns if c != "time" and pd.api.types.is_numeric_dtype(series[c])]
    return others[0] if others else None


def _ranked(run, present) -> list[str]:
    board = [str(m) for m in run.leaderboard["model"]]
    return [m for m in board if m in present] + [m for m in present if m not in board]


def _best_by_kind(run, present) -> list[str]:
    """The best deep and the best traditional model (leaderboard order) among ``present``."""
    kind = model_kinds(run)
    chosen, seen = [], set()
    for name in _ranked(run, present):
        k = kind.get(name, "traditional")
        if k not in seen:
            seen.add(k)
            chosen.append(name)
    return chosen


def _score(run, model) -> str:
    primary = run.primary
    board = run.leaderboard
    if primary and primary in board.columns:
        value = board.loc[board["model"].astype(str) == model, primary]
        if len(value) and pd.notna(value.iloc[0]):
            return f" ({primary}={float(value.iloc[0]):.3f})"
    return ""


@view("forecasting")
def forecast(run) -> list[Section]:
    """The series and the best model's forecast of the next steps with its prediction interval."""
    series, forecasts = run.table("series.csv"), run.table("forecasts.csv")
    if series is None or forecasts is None or "time" not in series.columns or forecasts.empty:
        return [Section("Forecast", note("no series.csv or forecasts.csv in the run folder"))]
    target = _target(series, run)
    if target is None or not {"model", "forecast"} <= set(forecasts.columns):
        return [Section("Forecast", note("series.csv or forecasts.csv lacks the target or forecast column"))]
    forecasts = forecasts.assign(model=forecasts["model"].astype(str))
    present = list(dict.fromkeys(forecasts["model"]))
    ranked = _ranked(run, present)
    best = str(run.best) if run.best is not None and str(run.best) in present else ranked[0]
    others = [m for m in _best_by_kind(run, present) if m != best]
    series = series.tail(MAX_SERIES_POINTS)
    shown = [best] + others[:1]
    parts = {m: forecasts[forecasts["model"] == m] for m in shown}
    times = _parse_times(series["time"], *[parts[m]["time"] for m in shown])
    colours = kind_shades(run, shown)
    kind = model_kinds(run)
    with subplots(1, 1, 7.0, 3.8) as (fig, axes):
        ax = axes[0, 0]
        ax.plot(times[0], series[target].to_numpy(dtype=float), color="#333333", lw=1.1, label=f"{target} (observed)")
        for m, t in zip(shown, times[1:]):
            part = parts[m]
            is_best = m == best
            label = f"{m} ({kind.get(m, '?')}){_score(run, m)}" + (", best" if is_best else "")
            ax.plot(t, part["forecast"].to_numpy(dtype=float), color=colours[m], lw=1.8 if is_best else 1.1,
                    ls="-" if is_best else "--", label=label)
            if is_best and {"lower", "upper"} <= set(part.columns) and part["lower"].notna().any():
                ax.fill_between(t, part["lower"].to_numpy(dtype=float), part["upper"].to_numpy(dtype=float),
                                color=colours[m], alpha=0.2, lw=0, label=f"{m} prediction interval")
        ax.set_xlabel("time")
        ax.set_ylabel(target)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
        ax.set_title(f"forecast of the next {len(parts[best])} steps", fontsize=10)
        fig.autofmt_xdate() if pd.api.types.is_datetime64_any_dtype(times[0]) else None
        drawing = svg(fig)
    caption = (f"The observed series and {best}'s forecast, refitted on the whole series, with its prediction "
               f"interval (shaded)")
    caption += f"; dashed: {others[0]}, the best {kind.get(others[0], 'other')} model." if others else "."
    return [Section("Forecast", figure_html(drawing, caption))]


@view("forecasting")
def backtest(run) -> list[Section]:
    """The rolling-origin backtest of the best deep and best traditional model against the actuals."""
    tests = run.table("backtests.csv")
    needed = {"model", "origin", "time", "actual", "forecast"}
    if tests is None or not needed <= set(tests.columns) or tests.empty:
        return [Section("Backtest", note("no backtests.csv in the run folder"))]
    tests = tests.assign(model=tests["model"].astype(str))
    shown = _best_by_kind(run, list(dict.fromkeys(tests["model"])))
    series = run.table("series.csv")
    target = _target(series, run) if series is not None and "time" in series.columns else None
    parsed = _parse_times(tests["time"], tests["origin"], series["time"] if target else None)
    tests = tests.assign(_t=parsed[0].to_numpy(), _o=parsed[1].to_numpy())
    first = tests["_o"].min()
    colours = kind_shades(run, shown)
    kind = model_kinds(run)
    with subplots(len(shown), 1, 7.0, 2.6 * len(shown) + 0.6, sharex=True) as (fig, axes):
        for ax, m in zip(axes[:, 0], shown):
            if target:
                # the actuals from a little before the first origin on, from the series itself
                st = pd.Series(parsed[2].to_numpy())
                keep = st >= first
                before = np.flatnonzero(keep.to_numpy())
                horizon = int(tests.groupby(["model", "origin"]).size().max())
                start = max(0, (before[0] if len(before) else len(st)) - 3 * horizon)
                ax.plot(st.iloc[start:], series[target].iloc[start:].to_numpy(dtype=float), color="#333333",
                        lw=1.1, label="actual")
            else:
                actual = tests.drop_duplicates("_t").sort_values("_t")
                ax.plot(actual["_t"], actual["actual"].to_numpy(dtype=float), color="#333333", lw=1.1,
                        label="actual")
            part = tests[tests["model"] == m]
            for k, (origin, one) in enumerate(part.groupby("_o", sort=True)):
                one = one.sort_values("_t")
                ax.plot(one["_t"], one["forecast"].to_numpy(dtype=float), color=colours[m], lw=1.6,
                        label=f"{m} forecasts" if k == 0 else None)
                if {"lower", "upper"} <= set(one.columns) and one["lower"].notna().any():
                    ax.fill_between(one["_t"], one["lower"].to_numpy(dtype=float), one["upper"].to_numpy(dtype=float),
                                    color=colours[m], alpha=0.15, lw=0, label="interval" if k == 0 else None)
                ax.axvline(origin, color="#999999", lw=0.7, ls=":")
            ax.set_title(f"{m} ({kind.get(m, '?')}){_score(run, m)}", fontsize=9)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="upper left")
            if target:
                ax.set_ylabel(target, fontsize=8)
        if pd.api.types.is_datetime64_any_dtype(tests["_t"]):
            fig.autofmt_xdate()
        drawing = svg(fig)
    origins = tests["origin"].nunique()
    which = " and ".join(f"{m} (best {kind.get(m, 'other')})" for m in shown)
    caption = (f"Rolling-origin backtest over {origins} origins (dotted lines): each origin's forecast of "
               f"{which} against the actual values; shaded, the prediction intervals.")
    return [Section("Backtest", figure_html(drawing, caption))]


__all__ = ["backtest", "forecast"]
