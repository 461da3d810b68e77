"""`deepmine series ...`: classify time series, and forecast one."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from deepmine.cli.common import (tracked, parse_contamination, ENSEMBLE_OPTION, STORAGE_OPTION, STUDY_OPTION, TUNE_OPTION, WORKERS_OPTION, CHECKPOINT_OPTION, RESUME_OPTION, FORCE_OPTION, KEEP_OPTION, MODELS_OPTION, OUT_OPTION, QUERY_OPTION, SEED_OPTION,
                                 MAX_EPOCHS_OPTION, TABLE_OPTION, TEST_OPTION, friendly, from_dataset,
                                 network_options, noted, out, run_compare)

series_app = typer.Typer(help="Time series: classify series (FCN, ResNet, InceptionTime, ... vs 1-NN-DTW, "
                              "ROCKET), forecast one (N-BEATS, LSTM, MLP vs seasonal naive, ETS, ARIMA) and find "
                              "its anomalies (EncDec-AD, LSTM forecast error vs matrix profile, Isolation Forest, STL).",
                         no_args_is_help=True)

DATA_ARGUMENT = typer.Argument(..., help="A .ts file (UCR/UEA), CSV/TSV, Parquet, JSON lines, a SQLAlchemy URL, "
                                         "or dataset:NAME.")


@series_app.command("classify")
@friendly
@tracked
def classify(data: str = DATA_ARGUMENT,
             label: Optional[str] = typer.Option(None, "--label", "-l", help="The class column (not needed for a .ts "
                                                 "file; default: a bundled dataset's own)."),
             id_column: Optional[str] = typer.Option(None, "--id", help="Long table: the column naming each "
                                                     "series (one row per series and time step)."),
             time: Optional[str] = typer.Option(None, "--time", help="Long table: orders each series' rows."),
             split_column: Optional[str] = typer.Option(None, "--split-column",
                                                        help="A column saying 'train' or 'test' (official split)."),
             test: Optional[str] = typer.Option(None, "--test", help="A separate test set in the same form."),
             models: Optional[str] = MODELS_OPTION, test_size: float = TEST_OPTION, seed: int = SEED_OPTION,
             max_epochs: Optional[int] = MAX_EPOCHS_OPTION, out_dir: Optional[Path] = OUT_OPTION,
             table: Optional[str] = TABLE_OPTION,
             query: Optional[str] = QUERY_OPTION, keep_all: bool = KEEP_OPTION, force: bool = FORCE_OPTION,
             checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION, resume: bool = RESUME_OPTION,
             budget: Optional[str] = TUNE_OPTION, ensemble: Optional[bool] = ENSEMBLE_OPTION,
             workers: int = WORKERS_OPTION, storage: Optional[str] = STORAGE_OPTION,
             study: Optional[str] = STUDY_OPTION):
    """Compare deep series classifiers with 1-NN (Euclidean, DTW), MiniRocket and a summary-feature forest.

    Writes the leaderboard and predictions.csv (each test series' true and predicted class, best model)."""
    (label, id_column, time, split_column), note = from_dataset(
        data, "series_classification", ("--label", label, "target"), ("--id", id_column, "id"),
        ("--time", time, "time"), ("--split-column", split_column, "split"))
    options = network_options(max_epochs)
    kwargs = dict(target=label, id_column=id_column, time_column=time, split_column=split_column, test=test,
                  models=models, test_size=test_size, random_state=seed, table=table, query=query, options=options,
                  budget=budget, ensemble=ensemble, workers=workers, storage=storage, study=study)

    def title(board):
        info = board.info
        low, high = info["train_length"]
        length = f"length {high}" if low == high else f"lengths {low}-{high}"
        return (f"series classification: {data}  ({noted(note)}{info['train_series']} train / "
                f"{info['test_series']} test series, {info['channels']} channel(s), {length}, {info['split']} split, "
                f"seed {seed})")


    command = {k: v for k, v in kwargs.items() if k not in ("table", "query")}
    run_compare("series_classification", data, out_dir, force, keep_all, command, kwargs, title,
                checkpoint_dir=checkpoint_dir, resume=resume, checkpoints=True, note=note)


@series_app.command("forecast")
@friendly
@tracked
def forecast(data: str = DATA_ARGUMENT,
             time: Optional[str] = typer.Option(None, "--time", help="The time column (dates or numbers; default: a "
                                                "bundled dataset's own, else the rows are in time order)."),
             target: Optional[str] = typer.Option(None, "--target", "-t", help="The column to forecast (default: a "
                                                  "bundled dataset's own)."),
             horizon: int = typer.Option(..., "--horizon", "-h", help="Steps ahead to forecast."),
             season: Optional[str] = typer.Option("auto", "--season",
                                                  help="Season length in steps (auto: from the frequency)."),
             origins: int = typer.Option(3, "--origins", help="Rolling origins of the backtest."),
             models: Optional[str] = MODELS_OPTION, seed: int = SEED_OPTION,
             max_epochs: Optional[int] = MAX_EPOCHS_OPTION, out_dir: Optional[Path] = OUT_OPTION,
             table: Optional[str] = TABLE_OPTION, query: Optional[str] = QUERY_OPTION, keep_all: bool = KEEP_OPTION,
             force: bool = FORCE_OPTION, checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION, resume: bool = RESUME_OPTION,
             budget: Optional[str] = TUNE_OPTION, ensemble: Optional[bool] = ENSEMBLE_OPTION,
             workers: int = WORKERS_OPTION, storage: Optional[str] = STORAGE_OPTION,
             study: Optional[str] = STUDY_OPTION):
    """Backtest neural forecasters beside naive, seasonal naive, ETS and ARIMA on the series in DATA.

    Writes the leaderboard and forecasts.csv: every model's forecast of the next HORIZON steps, refitted
    on the whole series, with its prediction interval. With --budget every forecaster is tuned first on the
    points before the backtest, and ensembles of the forecasts (weighted by MASE there) join the leaderboard."""
    season_value = season if season in (None, "auto") else _season(season)
    (target, time), note = from_dataset(data, "forecasting", ("--target", target, "target"), ("--time", time, "time"),
                                        required={"--target": "the column to forecast"})
    kwargs = dict(target=target, time_column=time, horizon=horizon, season=season_value, n_origins=origins,
                  models=models, random_state=seed, table=table, query=query, budget=budget, ensemble=ensemble,
                  workers=workers, storage=storage, study=study)
    options = network_options(max_epochs)
    if options:
        kwargs["options"] = options

    def title(board):
        info = board.info
        return (f"forecasting: {data} -> {target}  ({noted(note)}{info['rows']} steps, horizon {info['horizon']}, "
                f"season {info['season']}, {info['n_origins']} rolling origins, seed {seed})")


    command = {k: v for k, v in kwargs.items() if k not in ("table", "query")}
    board = run_compare("forecasting", data, out_dir, force, keep_all, command, kwargs, title,
                        checkpoint_dir=checkpoint_dir, resume=resume, checkpoints=True, note=note)
    best = board.predictions.get(board.best)
    if best is not None:
        out.print(f"forecast of {board.best} ({board.info.get('interval', 0.9):.0%} interval):", highlight=False)
        for when, row in best.iterrows():
            out.print(f"  {when}  {row['forecast']:.4g}  [{row['lower']:.4g}, {row['upper']:.4g}]", highlight=False)


def _season(text: str) -> int:
    from deepmine.errors import ParameterError

    try:
        return int(text)
    except ValueError:
        raise ParameterError(f"--season must be a whole number of steps or 'auto', got {text!r}") from None


@series_app.command("detect")
@friendly
@tracked
def detect(data: str = DATA_ARGUMENT,
           label: Optional[str] = typer.Option(None, "--label", "-l", help="A 0/1 column marking anomalous steps, "
                                               "to evaluate only (a bundled series brings its own)."),
           time: Optional[str] = typer.Option(None, "--time", help="The time column (orders the steps); without it "
                                              "the rows are in time order."),
           id_column: Optional[str] = typer.Option(None, "--id", help="Long table: the column naming each row's "
                                                   "channel (sensor); its values are pivoted to one column per channel."),
           channels: Optional[str] = typer.Option(None, "--channels", help="The channel columns, comma-separated "
                                                  "(default: every column but the time, label and split)."),
           train_until: Optional[str] = typer.Option(None, "--train-until", help="Learn from the steps before this "
                                                     "time (or position), known to be normal; score the rest."),
           split_column: Optional[str] = typer.Option(None, "--split-column", help="A column saying 'train' on the "
                                                      "first, normal steps and 'test' on the rest."),
           contamination: str = typer.Option("auto", "--contamination", "-c", help="Share of the training steps "
                                             "flagged, in (0, 0.5], or 'auto' (robust z-score above 3)."),
           window: Optional[int] = typer.Option(None, "--window", help="Steps per window (default: the series' "
                                                "dominant period)."),
           max_epochs: Optional[int] = MAX_EPOCHS_OPTION,
           models: Optional[str] = MODELS_OPTION, seed: int = SEED_OPTION, out_dir: Optional[Path] = OUT_OPTION,
           table: Optional[str] = TABLE_OPTION, query: Optional[str] = QUERY_OPTION, keep_all: bool = KEEP_OPTION,
           force: bool = FORCE_OPTION, checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION,
           resume: bool = RESUME_OPTION):
    """Find the anomalous stretches of one series (one or several sensor channels): EncDec-AD and an LSTM's
    forecast error beside the matrix-profile discord, Isolation Forest on windows and STL residuals.

    Writes scores.csv (every detector's score and flag per step), anomalies.csv (the best detector's flagged
    intervals) and, with --label, the per-step ROC-AUC and average precision, range-based F1 and the UCR
    archive's score (is the highest score within 100 steps of a labelled anomaly)."""
    # a bundled series' own time and split columns, as the task itself takes them: not with --id or --train-until
    (label, time, split_column), note = from_dataset(
        data, "series_anomaly", ("--label", label, "target"), ("--time", time, None if id_column else "time"),
        ("--split-column", split_column, None if train_until else "split"))
    options = network_options(max_epochs, contamination=parse_contamination(contamination), window=window)
    kwargs = dict(label=label, time_column=time, id_column=id_column, channels=channels, train_until=train_until,
                  split_column=split_column, models=models, random_state=seed, table=table, query=query,
                  options=options)

    def title(board):
        info = board.info
        return (f"series anomalies: {data}  ({noted(note)}{info['steps']} steps x {len(info['channels'])} "
                f"channel(s), windows of {info['window']}, {info['split']}, contamination={contamination}, "
                f"seed {seed})")

    command = {k: v for k, v in kwargs.items() if k not in ("table", "query", "options")}
    command.update(contamination=contamination, window=window, max_epochs=max_epochs)
    board = run_compare("series_anomaly", data, out_dir, force, keep_all, command, kwargs, title,
                        checkpoint_dir=checkpoint_dir, resume=resume, checkpoints=True, note=note)
    if board.best_kept is not None:
        from deepmine.report.artifacts import series_anomaly_intervals

        found = series_anomaly_intervals(board, board.best_kept)
        found = found[found["part"] == "scored"]
        out.print(f"{board.best_kept} flags {len(found)} interval(s) in the scored part"
                  + (":" if len(found) else "."), highlight=False)
        for _, row in found.sort_values("peak_score", ascending=False).head(10).iterrows():
            where = (f"{row['start']} .. {row['end']}" if "start" in row else f"steps {row['first_step']} .. "
                     f"{row['last_step']}")
            out.print(f"  {where}  ({row['steps']} steps, peak score {row['peak_score']:.3g})", highlight=False)
