"""`deepmine explain MODEL_DIR DATA`: why a saved model predicts what it does, as tables and plots."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Optional

import typer

from deepmine.cli.common import FORCE_OPTION, QUERY_OPTION, TABLE_OPTION, friendly, model_folder, out
from deepmine.errors import ColumnError, OutputExistsError


def _run_target(run: Path | None) -> str | None:
    """The target column recorded by the run that saved the model, if MODEL_DIR is a run folder."""
    if run is None or not (run / "metrics.json").exists():
        return None
    return json.loads((run / "metrics.json").read_text(encoding="utf-8")).get("info", {}).get("target")


@friendly
def explain_command(model_dir: Path = typer.Argument(..., help="A saved model folder, or a run folder holding model/."),
                    data: str = typer.Argument(..., help="Rows with the model's columns: CSV/TSV, Parquet, JSON "
                                                         "lines, a SQLAlchemy URL, or dataset:NAME."),
                    rows: int = typer.Option(10, "--rows", "-n", help="How many rows (the first) to explain one by "
                                                                      "one."),
                    feature: Optional[str] = typer.Option(None, "--feature", "-f", help="The column whose effect to "
                                                          "plot (default: the most important)."),
                    target: Optional[str] = typer.Option(None, "--target", "-t", help="The true target column in "
                                                         "DATA, for permutation importance and calibration (default: "
                                                         "the run's target when present)."),
                    explain_class: Optional[str] = typer.Option(None, "--class", help="Classifiers: the class whose "
                                                                "probability is explained."),
                    method: str = typer.Option("auto", "--method", help="auto, integrated_gradients or "
                                                                        "kernel_shap."),
                    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for the tables and "
                                                           "plots (default: explain/ in the run folder, or "
                                                           "./explain)."),
                    seed: int = typer.Option(0, "--seed", help="Seed of the shuffles and samples."),
                    table: Optional[str] = TABLE_OPTION, query: Optional[str] = QUERY_OPTION,
                    force: bool = FORCE_OPTION):
    """Explain a saved model on DATA: per-row contributions (integrated gradients for deep models, Kernel
    SHAP for the others), permutation importance, the effect of one feature (partial dependence and ICE),
    and calibration for classifiers.

    Writes explanations.csv, importance.csv/.png, effects.csv, ice.csv, effects.png and, with a target,
    calibration.csv and reliability.png, plus summary.json."""
    import numpy as np
    import pandas as pd
    from sklearn.base import is_classifier

    from deepmine.data import read_table
    from deepmine.errors import check_positive_int
    from deepmine.explain import explain, partial_dependence, permutation_importance
    from deepmine.explain.calibration import calibration_report
    from deepmine.explain.columns import rows_for
    from deepmine.explain.plots import plot_effects, plot_importance, plot_reliability
    from deepmine.persist import load
    from deepmine.persist.atomic import atomic_folder

    check_positive_int("--rows", rows)
    model_path, run = model_folder(model_dir)
    if out_dir is None:
        out_dir = (run / "explain") if run is not None else Path("explain")
    if out_dir.exists() and not force:
        raise OutputExistsError(f"'{out_dir}' exists already; pass --force to replace it or choose another --out")
    model = load(model_path)
    frame = read_table(data, table=table, query=query)
    target = target or _run_target(run)
    y = None
    if target is not None and target in frame.columns:
        y, frame = frame[target], frame.drop(columns=[target])
        keep = y.notna().to_numpy()
        y, frame = y[keep].reset_index(drop=True), frame[keep].reset_index(drop=True)
    elif target is not None and run is None:
        raise ColumnError(f"target column {target!r} is not in the data; the columns are: "
                          f"{', '.join(map(str, frame.columns))}")
    summary: dict = {"model": type(model).__name__, "rows": int(len(frame)), "target": target}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        X = rows_for(model, frame)
        attribution = explain(model, X.head(rows), method=method, target=explain_class, background=X)
        importance = attribution.importance().rename(columns={"importance": "mean_abs_contribution"})
        importance = importance.rename(columns={"std": "contribution_std"})
        if y is not None:
            permuted = permutation_importance(model, X, y, random_state=seed)
            importance = permuted.merge(importance, on="feature", how="left")
            ranked = importance.rename(columns={})
            title = f"permutation importance ({permuted['scoring'].iloc[0]} drop when shuffled)"
        else:
            ranked = importance.rename(columns={"mean_abs_contribution": "importance", "contribution_std": "std"})
            title = f"mean |contribution| over {min(rows, len(X))} explained rows"
        feature = feature or str(ranked["feature"].iloc[0])
        pd_table, ice = partial_dependence(model, X, feature, target=explain_class, random_state=seed)
        report = calibration_report(model, X, y) if y is not None and is_classifier(model) else None
    base = attribution.base_value
    summary.update(method=attribution.method, explained=attribution.target,
                   base_value=base.tolist() if isinstance(base, np.ndarray) else base,  # per row, or one number
                   top_features=[str(f) for f in ranked["feature"].head(5)], effect_feature=feature)
    with atomic_folder(out_dir, replace=True) as tmp:
        tidy = attribution.to_frame()
        tidy["output"] = pd.Series(attribution.output).reindex(tidy["row"]).to_numpy()
        tidy["base_value"] = pd.Series(attribution.baseline_output).reindex(tidy["row"]).to_numpy()
        if attribution.target_classes is not None:  # the class each row's contributions explain
            tidy["explained_class"] = pd.Series(attribution.target_classes).reindex(tidy["row"]).to_numpy()
        tidy.to_csv(tmp / "explanations.csv", index=False)
        importance.to_csv(tmp / "importance.csv", index=False)
        plot_importance(ranked if y is None else importance, tmp / "importance.png", title)
        pd_table.to_csv(tmp / "effects.csv", index=False)
        ice.to_csv(tmp / "ice.csv", index=False)
        plot_effects(pd_table, ice, tmp / "effects.png")
        if report is not None:
            report["curve"].to_csv(tmp / "calibration.csv", index=False)
            plot_reliability(report["curve"], tmp / "reliability.png", report["ece"])
            summary.update(ece=report["ece"], brier=report.get("brier"))
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    out.print(f"{summary['model']}: {attribution.method} explains {attribution.target}; base value "
              f"{attribution.base_value if isinstance(attribution.base_value, float) else 'per row'}", highlight=False)
    out.print(f"most important: {', '.join(summary['top_features'])}"
              + (f"; ECE {summary['ece']:.3f}" if "ece" in summary else ""), highlight=False)
    out.print(f"wrote {out_dir}/ (explanations.csv, importance.csv, effects of {feature!r})", highlight=False)
