"""`deepmine series ...`: classify time series, and forecast one."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from deepmine.cli.common import (ENSEMBLE_OPTION, STORAGE_OPTION, STUDY_OPTION, TUNE_OPTION, WORKERS_OPTION, CHECKPOINT_OPTION, RESUME_OPTION, FORCE_OPTION, KEEP_OPTION, MODELS_OPTION, OUT_OPTION, QUERY_OPTION, SEED_OPTION,
                                 TABLE_OPTION, TEST_OPTION, friendly, out, run_compare)

series_app = typer.Typer(help="Time series: classify series (FCN, ResNet, InceptionTime, ... vs 1-NN-DTW, "
                              "ROCKET) and forecast one (N-BEATS, LSTM, MLP vs seasonal naive, ETS, ARIMA).",
                         no_args_is_help=True)

DATA_ARGUMENT = typer.Argument(..., help="A .ts file (UCR/UEA), CSV/TSV, Parquet, JSON lines, a SQLAlchemy URL, "
                                         "or dataset:NAME.")


@series_app.command("classify")
@friendly
def classify(data: str = DATA_ARGUMENT,
             label: Optional[str] = typer.Option(None, "--label", "-l",
                                                 help="The class column (not needed for a .ts file)."),
             id_column: Optional[str] = typer.Option(None, "--id", help="Long table: the column naming each "
                                                     "series (one row per series and time step)."),
             time: Optional[str] = typer.Option(None, "--time", help="Long table: orders each series' rows."),
             split_column: Optional[str] = typer.Option(None, "--split-column",
                                                        help="A column saying 'train' or 'test' (official split)."),
             test: Optional[str] = typer.Option(None, "--test", help="A separate test set in the same form."),
             models: Optional[str] = MODELS_OPTION, test_size: float = TEST_OPTION, seed: int = SEED_OPTION,
             max_epochs: Optional[int] = typer.Option(None, "--max-epochs", help="Cap the deep models' epochs."),
             out_dir: Optional[Path] = OUT_OPTION, table: Optional[str] = TABLE_OPTION,
             query: Optional[str] = QUERY_OPTION, keep_all: bool = KEEP_OPTION, force: bool = FORCE_OPTION,
             checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION, resume: bool = RESUME_OPTION,
             budget: Optional[str] = TUNE_OPTION, ensemble: Optional[bool] = ENSEMBLE_OPTION,
             workers: int = WORKERS_OPTION, storage: Optional[str] = STORAGE_OPTION,
             study: Optional[str] = STUDY_OPTION):
    """Compare deep series classifiers with 1-NN (Euclidean, DTW), MiniRocket and a summary-feature forest.

    Writes the leaderboard and predictions.csv (each test series' true and predicted class, best model)."""
    options = {"max_epochs": max_epochs} if max_epochs else None
    kwargs = dict(target=label, id_column=id_column, time_column=time, split_column=split_column, test=test,
                  models=models, test_size=test_size, random_state=seed, table=table, query=query, options=options,
                  budget=budget, ensemble=ensemble, workers=workers, storage=storage, study=study)

    def title(board):
        info = board.info
        low, high = info["train_length"]
        length = f"length {high}" if low == high else f"lengths {low}-{high}"
        return (f"series classification: {data}  ({info['train_series']} train / {info['test_series']} test series, "
                f"{info['channels']} channel(s), {length}, {info['split']} split, seed {seed})")


    command = {k: v for k, v in kwargs.items() if k not in ("table", "query")}
    run_compare("series_classification", data, out_dir, force, keep_all, command, kwargs, title,
                checkpoint_dir=checkpoint_dir, resume=resume, checkpoints=True)


@series_app.command("forecast")
@friendly
def forecast(data: str = DATA_ARGUMENT,
             time: Optional[str] = typer.Option(None, "--time", help="The time column (dates or numbers)."),
             target: str = typer.Option(..., "--target", "-t", help="The column to forecast."),
             horizon: int = typer.Option(..., "--horizon", "-h", help="Steps ahead to forecast."),
             season: Optional[str] = typer.Option("auto", "--season",
                                                  help="Season length in steps (auto: from the frequency)."),
             origins: int = typer.Option(3, "--origins", help="Rolling origins of the backtest."),
             models: Optional[str] = MODELS_OPTION, seed: int = SEED_OPTION, out_dir: Optional[Path] = OUT_OPTION,
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
    kwargs = dict(target=target, time_column=time, horizon=horizon, season=season_value, n_origins=origins,
                  models=models, random_state=seed, table=table, query=query, budget=budget, ensemble=ensemble,
                  workers=workers, storage=storage, study=study)

    def title(board):
        info = board.info
        return (f"forecasting: {data} -> {target}  ({info['rows']} steps, horizon {info['horizon']}, season "
                f"{info['season']}, {info['n_origins']} rolling origins, seed {seed})")


    command = {k: v for k, v in kwargs.items() if k not in ("table", "query")}
    board = run_compare("forecasting", data, out_dir, force, keep_all, command, kwargs, title, checkpoint_dir=checkpoint_dir, resume=resume, checkpoints=True)
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
