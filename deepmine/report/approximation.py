"""The universal-approximation page of the tour: the fits in one variable, the error against the width (inside and
outside the domain), the two-variable fits, and what the theorem promises beside what was measured."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from deepmine.report.figures import KIND_COLOURS, svg
from deepmine.report.task_views.supervised import subplots
from deepmine.report.views import figure_html, table_html

CAP = 1e6  # the error axis's top

_STYLE = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;
color:#222;padding:0 1rem;line-height:1.45} figure{margin:1rem 0} figcaption{color:#555;font-size:.9rem}
table{border-collapse:collapse;font-size:.85rem} th,td{border-bottom:1px solid #e3e3e3;padding:.3rem .5rem}
svg{max-width:100%;height:auto}"""


def _shades(base: str, n: int) -> list:
    from matplotlib.colors import to_rgb

    rgb = np.array(to_rgb(base))
    return [tuple(rgb + (1 - rgb) * (0.65 * (1 - k / max(n - 1, 1)))) for k in range(n)]


def _one_variable_fits(errors: pd.DataFrame, curves: dict) -> str:
    targets = [t for t in dict.fromkeys(errors["target"]) if errors.loc[errors.target == t, "dims"].iloc[0] == 1]
    widths = sorted(errors["width"].unique())
    chosen = sorted({widths[0], widths[len(widths) // 2], widths[-1]})
    with subplots(1, len(targets), 4.0 * len(targets), 3.4) as (fig, axes):
        for ax, name in zip(axes[0], targets):
            curve = curves[name]
            x, truth = curve["x"][:, 0], curve["truth"]
            ax.axvspan(x.min(), -1, color="#eeeeee", lw=0)
            ax.axvspan(1, x.max(), color="#eeeeee", lw=0)
            ax.plot(x, truth, color="#222222", lw=2.2, label="target")
            for colour, width in zip(_shades(KIND_COLOURS["deep"], len(chosen)), chosen):
                ax.plot(x, curve["fits"][("network", width)], color=colour, lw=1.3, label=f"network, width {width}")
            poly = errors[(errors.target == name) & (errors.model == "polynomial") & (errors.width == chosen[-1])]
            ax.plot(x, curve["fits"][("polynomial", chosen[-1])], color=KIND_COLOURS["traditional"], lw=1.2, ls="--",
                    label=f"polynomial, degree {int(poly['degree'].iloc[0])}")
            span = truth.max() - truth.min() or 1.0
            ax.set_ylim(truth.min() - 0.6 * span, truth.max() + 0.6 * span)
            ax.set_title(name.replace("_", " "), fontsize=10)
            ax.grid(alpha=0.3)
        axes[0, 0].legend(fontsize=7, loc="lower left")
        return svg(fig)


def _error_against_width(errors: pd.DataFrame) -> str:
    dims = sorted(errors["dims"].unique())
    styles = {"smooth": "-", "kinked": "--", "discontinuous": ":"}
    with subplots(2, len(dims), 4.6 * len(dims), 6.4, sharex="col") as (fig, axes):
        for col, d in enumerate(dims):
            part = errors[errors.dims == d]
            for row, (column, where) in enumerate((("rmse", "on the domain [-1, 1]"),
                                                   ("rmse_outside", "outside it (1 < |x| <= 1.5)"))):
                ax = axes[row, col]
                for (kind, model), one in part.groupby(["kind", "model"], sort=False):
                    one = one.sort_values("width")
                    ax.plot(one["width"], np.maximum(one[column], 1e-16), marker="o", ms=3, ls=styles.get(kind, "-"),
                            color=KIND_COLOURS["deep" if model == "network" else "traditional"],
                            label=f"{model}, {kind}")
                ax.set_xscale("log", base=2)
                ax.set_yscale("log")
                values = part[column].to_numpy(dtype=float)
                if (values > CAP).any():  # a polynomial outside the domain: keep the networks' curves readable
                    ax.set_ylim(top=CAP)
                    finite = values[np.isfinite(values)]
                    beyond = ("past float64's range" if not np.isfinite(values).all()
                              else f"up to {finite.max():.1g}")
                    ax.text(0.02, 0.95, f"polynomials off the top, {beyond}", transform=ax.transAxes,
                            fontsize=7, va="top", color=KIND_COLOURS["traditional"])
                ax.set_title(f"{d} variable{'s' if d > 1 else ''}: RMSE {where}", fontsize=9)
                ax.grid(alpha=0.3, which="both")
            axes[1, col].set_xlabel("hidden units (polynomial: as many parameters)")
        axes[0, 0].legend(fontsize=7)
        return svg(fig)


def _two_variable_fits(errors: pd.DataFrame, curves: dict) -> str | None:
    targets = [t for t in dict.fromkeys(errors["target"]) if errors.loc[errors.target == t, "dims"].iloc[0] == 2]
    if not targets:
        return None
    widest = int(errors["width"].max())
    with subplots(3, len(targets), 3.2 * len(targets), 8.4) as (fig, axes):
        for col, name in enumerate(targets):
            curve = curves[name]
            side = int(round(np.sqrt(len(curve["x"]))))
            panels = (("target", curve["truth"]), (f"network, width {widest}", curve["fits"][("network", widest)]),
                      ("polynomial, as many parameters", curve["fits"][("polynomial", widest)]))
            low, high = curve["truth"].min(), curve["truth"].max()
            for row, (title, values) in enumerate(panels):
                ax = axes[row, col]
                ax.imshow(np.asarray(values).reshape(side, side).T, origin="lower", extent=(-1, 1, -1, 1),
                          vmin=low, vmax=high, cmap="viridis")
                ax.set_title(f"{name.replace('_', ' ')}: {title}", fontsize=8)
                ax.set_xticks([])
                ax.set_yticks([])
        return svg(fig)


def summary(errors: pd.DataFrame) -> str:
    """What the theorem promises and what it does not, with this run's numbers."""
    def value(target, model, width, column="rmse"):
        row = errors[(errors.target == target) & (errors.model == model) & (errors.width == width)]
        return float(row[column].iloc[0]) if len(row) else float("nan")

    def shown(number: float) -> str:
        return f"{number:.2g}" if np.isfinite(number) else "past float64's range"

    narrow, wide = int(errors["width"].min()), int(errors["width"].max())
    targets = set(errors["target"])
    parts = ["<p><b>What the theorem promises</b> (Cybenko 1989, Hornik 1991; for ReLU Leshno et al. 1993): one hidden "
             "layer, wide enough, approximates any continuous function on a bounded domain as closely as asked."]
    if "smooth_1d" in targets:
        parts.append(f" Here the error on the smooth function fell from {value('smooth_1d', 'network', narrow):.3g} "
                     f"with {narrow} hidden unit(s) to {value('smooth_1d', 'network', wide):.3g} with {wide}.")
    parts.append("</p><p><b>What it does not promise</b>: how wide (the width it needs can grow exponentially with "
                 "the number of variables), that training finds the weights (these are Adam's, after a fixed number "
                 "of steps, and the error stops falling once the optimiser, not the width, is the limit), or anything "
                 "outside the domain.")
    if "smooth_1d" in targets:
        parts.append(f" A polynomial with as many parameters is far better on the smooth function "
                     f"({value('smooth_1d', 'polynomial', wide):.2g}), as Weierstrass promises, and far worse just "
                     f"outside the domain ({shown(value('smooth_1d', 'polynomial', wide, 'rmse_outside'))} against "
                     f"the network's {shown(value('smooth_1d', 'network', wide, 'rmse_outside'))}).")
    widest = errors[errors.width == wide].pivot(index="target", columns="model", values=["rmse", "rmse_outside"])
    if {"network", "polynomial"} <= set(errors["model"]):
        inside = int((widest["rmse"]["polynomial"] < widest["rmse"]["network"]).sum())
        outside = int((widest["rmse_outside"]["network"] < widest["rmse_outside"]["polynomial"]).sum())
        parts.append(f" At width {wide}, the polynomial was the closer fit on the domain for {inside} of the "
                     f"{len(widest)} functions and the network the closer one just outside it for {outside}: with "
                     f"as many parameters, one hidden layer is not the more economical approximator here, only the "
                     f"tamer one beyond the data.")
    if "discontinuous_1d" in targets:
        parts.append(f" The jump is covered by neither theorem: the widest network's error stays at "
                     f"{value('discontinuous_1d', 'network', wide):.2g}.")
    parts.append("</p>")
    return "".join(parts)


def approximation_sections(errors: pd.DataFrame, curves: dict) -> list[tuple[str, str]]:
    """``(title, html)`` for each part of the page: the figures with their captions, the sentence, the table."""
    sections = [("What the theorem says, and what it does not", summary(errors)),
                ("Fits in one variable", figure_html(_one_variable_fits(errors, curves),
                 "The target (black), networks of three widths (red, darker is wider) and the polynomial with as many "
                 "parameters as the widest network (blue, dashed); shaded: outside the domain the fits were trained "
                 "on.")),
                ("Error against width", figure_html(_error_against_width(errors),
                 "RMSE on an even grid of the domain (top) and of the band just outside it (bottom), against the "
                 "hidden units; the polynomial beside each network has at most as many coefficients as the network "
                 "has parameters (3w + 1 in one variable, 4w + 1 in two)."))]
    two = _two_variable_fits(errors, curves)
    if two is not None:
        sections.append(("Fits in two variables", figure_html(two, "Each target in two variables (top), the widest "
                                                              "network (middle) and the polynomial with as many "
                                                              "parameters (bottom), on one colour scale.")))
    table = errors.assign(rmse=errors["rmse"].map(lambda v: f"{v:.3g}"),
                          rmse_outside=errors["rmse_outside"].map(lambda v: f"{v:.3g}"))
    sections.append(("Every fit", table_html(table.drop(columns=["model_kind"]))))
    return sections


def render_page(errors: pd.DataFrame, curves: dict) -> str:
    """The stop's own self-contained page."""
    body = "".join(f"<h2>{html.escape(title)}</h2>{content}" for title, content in approximation_sections(errors,
                                                                                                        curves))
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>deepmine: universal approximation"
            f"</title><style>{_STYLE}</style></head><body><h1>Can one hidden layer approximate any function?</h1>"
            f"{body}</body></html>")


__all__ = ["approximation_sections", "render_page", "summary"]
