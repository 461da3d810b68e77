"""The explanation plots the CLI writes: importance bars, partial dependence with ICE curves, and the
reliability diagram (matplotlib, PNG)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from deepmine.report.figures import pyplot as _pyplot


def _save(fig, path) -> Path:
    plt = _pyplot()
    try:
        fig.tight_layout()
        fig.savefig(Path(path), format="png")
    finally:
        plt.close(fig)
    return Path(path)


def plot_importance(table: pd.DataFrame, path, title: str, top: int = 20) -> Path:
    """Horizontal bars of ``importance`` (with ``std`` as error bars when present), largest on top."""
    plt = _pyplot()
    shown = table.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(shown) + 1.2), dpi=110)
    ax.barh(shown["feature"].astype(str), shown["importance"], xerr=shown.get("std"), color="#4c72b0",
            ecolor="#999999")
    ax.set_title(title, fontsize=10)
    ax.axvline(0, color="black", linewidth=0.5)
    return _save(fig, path)


def plot_effects(pd_table: pd.DataFrame, ice: pd.DataFrame, path, max_curves: int = 100) -> Path:
    """ICE curves (thin, grey) under the partial dependence (thick); bars for a categorical feature."""
    plt = _pyplot()
    feature, target = pd_table.attrs.get("feature", "feature"), pd_table.attrs.get("target", "prediction")
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    numeric = pd.api.types.is_numeric_dtype(pd_table["value"])
    if numeric:
        rows = ice["row"].unique()[:max_curves]
        for _, curve in ice[ice["row"].isin(rows)].groupby("row"):
            ax.plot(curve["value"], curve["prediction"], color="#bbbbbb", linewidth=0.6, alpha=0.6)
        ax.plot(pd_table["value"], pd_table["average"], color="#c44e52", linewidth=2.5, label="partial dependence")
        ax.legend(loc="best", fontsize=8)
    else:
        positions = np.arange(len(pd_table))
        ax.bar(positions, pd_table["average"], color="#4c72b0")
        ax.errorbar(positions, pd_table["average"], yerr=[pd_table["average"] - pd_table["p10"],
                                                            pd_table["p90"] - pd_table["average"]],
                    fmt="none", ecolor="#666666", capsize=3)
        ax.set_xticks(positions, [str(v) for v in pd_table["value"]], rotation=30, ha="right")
    ax.set_xlabel(str(feature))
    ax.set_ylabel(str(target))
    ax.set_title(f"effect of {feature} ({'ICE curves and ' if numeric else ''}partial dependence)", fontsize=10)
    return _save(fig, path)


def plot_reliability(curve: pd.DataFrame, path, ece: float) -> Path:
    """Mean predicted probability against the observed frequency per bin, beside the diagonal."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5), dpi=110)
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="perfectly calibrated")
    ax.plot(curve["mean_predicted"], curve["fraction_positive"], marker="o", color="#4c72b0", label="model")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed frequency")
    ax.set_title(f"reliability (ECE {ece:.3f})", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


__all__ = ["plot_effects", "plot_importance", "plot_reliability"]
