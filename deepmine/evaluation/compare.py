"""compare: fit every candidate of a task on one split, score all on the same held-out part, time each."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from deepmine.evaluation.fitting import predict_with_proba, set_matching_params
from deepmine.evaluation.leaderboard import Leaderboard
from deepmine.evaluation.loop import run
from deepmine.evaluation.registry import get_task
from deepmine.evaluation.tuning import parse_budget


def compare(task: str, data: Any, target: str | None = None, models=None, test_size: float | None = None,
            cv: int | None = None, random_state: int = 0, *,
            options: Mapping[str, Any] | None = None, progress: Callable[[str], None] | None = None,
            budget=None, ensemble: bool | None = None, workers: int = 1, storage: str | None = None,
            study: str | None = None, track: str | None = None, **task_options) -> Leaderboard:
    """Fit every candidate model of ``task`` on the same split of ``data`` and rank them.

    Parameters
    ----------
    task : "classification", "regression", "text_classification", "clustering", "anomaly", "topics",
        "recommendation", "series_classification", "forecasting", "series_anomaly", "image_classification",
        "communities" or "link_prediction"
    data : DataFrame, path (CSV, Parquet, JSON lines), SQLAlchemy URL (with ``table`` or ``query``),
        or ``"dataset:NAME"``; for series and image classification also a pair ``(cases, labels)`` of
        arrays, for forecasting a Series with a time index, for networks a networkx graph.
    target : the column to predict (the rating column for recommendation, the endpoint column for networks).
    models : names of candidates to fit (list or comma-separated string); "all" for every one; the
        default set when None.
    test_size : the share held out for scoring (each task's own default: 0.25 of the rows, 0.2 of the ratings,
        0.1 of the edges); tasks without a split (forecasting, communities) do not take it.
    cv : for the table tasks, k-fold cross-validation of the training part as well.
    random_state : seed of the split and of every model.
    options : parameters set on every candidate that has them, e.g. ``{"n_clusters": 10}``,
        ``{"contamination": 0.05}`` or ``{"max_epochs": 5}``.
    progress : called with a short message before each model is fitted.
    budget : tune every candidate that declares a search space before its final fit: a number of trials per
        model (``50``) or a wall-clock time for the whole comparison (``"10m"``, ``"90s"``, ``"1h"``). Trials
        are scored on a fifth of the training part, held out (never the test part; with ensembles another
        fifth is held out to weight them); trial 0 is the default setting. The leaderboard gains ``trials``
        and ``tune_s``; ``info["trials"]`` holds every trial and ``info["tuned"]`` the winning values. None
        or 0: every model at its defaults, as without it. See :mod:`deepmine.evaluation.tuning`.
    ensemble : add three rows, greedy weighted ensembles (Caruana et al. 2004) of all the candidates, of the
        deep ones and of the traditional ones: of class probabilities or predictions (tables, text, series
        and images), anomaly scores (as ranks; needs ``label``) and predicted ratings, weighted on a fifth of
        the training part that no trial was scored on, and of forecasts, weighted on the tuning backtest
        (a series has no points to spare); by default when there is a budget. See
        :mod:`deepmine.evaluation.ensembles`.
    workers, storage, study : run each candidate's trials in ``workers`` processes that share one Optuna
        storage: a database URL (``postgresql+psycopg://user@host/db`` when the workers are on several
        machines, each running the same comparison with the same ``storage`` and ``study``), else a journal
        file in a temporary folder. Parallel trials see each other's results in another order than one
        process would, so the same seed gives a leaderboard within noise of one worker's, not the same one.
    track : log the comparison to MLflow (the ``track`` extra): a folder (a local store), ``sqlite:///mlflow.db``
        or an ``http://`` tracking server. Its run folder is written to a temporary folder and logged by
        :func:`deepmine.track.track_run`: a run with a nested run per candidate and per tuning trial, the
        artefacts, and the best model as an MLflow model; ``info["mlflow_run_id"]`` is the run's id.
    **task_options : the task's own options; a keyword the task does not take is an error naming those it
        does (``get_task(name).OPTIONS`` lists them with their defaults):

        - classification, regression: ``test_size`` (0.25), ``cv`` (k-fold cross-validation of the
          training part as well: ``cv_<metric>`` and ``cv_<metric>_std``), ``roles`` (column roles that
          override inference, e.g. ``{"zip": "categorical"}``), ``time_column`` / ``group_column`` (split by
          time, the latest rows held out, or keep groups apart), ``split_column`` (a column saying "train"
          or "test" per row: an official split), ``table`` / ``query`` (for a SQL URL), ``calibrate``
          (True or "auto", "temperature", "isotonic", "sigmoid": calibrate every classifier's probabilities
          on a fifth of its training rows; the ``ece`` column shows the effect) and ``stream`` (True, False,
          or "auto": read a file or database table larger than the memory budget as a stream, never whole;
          see :mod:`deepmine.evaluation.streamed`).
        - text_classification: as classification, with ``text`` (the column holding the text, found by
          itself when only one column holds prose) instead of ``roles`` and ``stream``.
        - clustering, anomaly, topics: ``label`` (a column used only to evaluate, never to fit: true groups,
          or 1 for known anomalies and 0 for normal rows; a bundled dataset's own target by default),
          ``roles``; anomaly also ``test_size``; topics ``text`` instead of ``roles``.
        - recommendation: ``user``, ``item`` (the id columns), ``target`` (the rating; leave it out for
          implicit feedback), ``time_column`` (orders each user's interactions for the leave-last-out
          ranking split), ``item_features`` / ``user_features`` (side features for the models that use
          them: tags such as "Drama|Comedy", a category, or a number), ``k`` (10: the list length),
          ``test_size`` (0.2 of the ratings).
        - series_classification: ``target`` (the label column), ``id_column`` (names each series of a long
          table, ordered by ``time_column``; without it each row is one series), ``split_column``, ``test``
          (a separate test set, same form as ``data``), ``test_size``. ``data`` may be a UCR/UEA ``.ts`` file.
        - image_classification: ``target`` (of a pixel table), ``split_column``, ``test``, ``test_size``;
          ``data`` is a folder with one sub-folder per class, an ``.npz`` file (arrays X and y) or a table of
          pixel columns (``dataset:digits``, ``dataset:mnist``).
        - forecasting: ``target`` and ``time_column`` (the series and its time), ``horizon`` (steps ahead),
          ``season`` ("auto" from the frequency: 12 for monthly data, 52 weekly, ...), ``n_origins`` (3
          rolling origins of the backtest), ``step`` (between origins; the horizon by default).
        - series_anomaly: one series of one or several channels (a wide table, a long one with ``id_column``
          naming each row's channel, or an array): ``time_column`` (orders the steps), ``channels`` (the
          channel columns; every other column by default), ``label`` (0/1 per step, to evaluate only),
          ``train_until`` (a time or position: the steps before it, known to be normal, are learned from and
          the rest scored) or ``split_column`` ("train" on those first steps), ``tolerance`` (100: the UCR
          score's steps either side of a labelled anomaly). See :mod:`deepmine.evaluation.series_anomaly`.
        - communities, link_prediction: ``data`` is an edge table (or a networkx graph) and ``source``,
          ``target`` name its endpoint columns (default "source" and "target"), ``weight`` its weight column
          (default "weight" when present; False for none); communities take ``truth`` (the ground-truth
          communities used only to evaluate: a (node, community) table or its path, a Series or dict by
          node, or a node attribute; ``dataset:NAME`` graphs bring their own); link prediction holds out
          ``test_size`` of the edges (0.1) and as many non-edges.
    """
    task_obj = get_task(task)
    budget = parse_budget(budget)  # a bad budget is refused before the data is read
    if track:
        from deepmine.track.mlflow_log import check_tracking

        check_tracking(track)  # MLflow installed and a server reached before anything is fitted
    settings = task_obj.check_options({"target": target, "test_size": test_size, "cv": cv, **task_options})
    prepared = task_obj.prepare(data, random_state=random_state, progress=progress, options=dict(options or {}),
                                **settings)
    board = run(task_obj, prepared, models, random_state, options, progress, budget=budget, ensemble=ensemble,
                workers=workers, storage=storage, study=study)
    if track:
        _track(board, track, task, data)
    return board


def _track(board: Leaderboard, uri: str, task: str, data) -> None:
    """Log a comparison made in Python: its run folder, written to a temporary folder (the one writer every face
    uses), then to MLflow."""
    import tempfile
    from pathlib import Path

    from deepmine.report.build import write_run
    from deepmine.track import track_run

    source = data if isinstance(data, (str, Path)) else type(data).__name__
    with tempfile.TemporaryDirectory(prefix="deepmine-track-") as tmp:
        folder = write_run(board, Path(tmp) / "run", command={"task": task, "data": str(source)})
        board.info["mlflow_run_id"] = track_run(folder, uri, board=board, record_folder=False)


__all__ = ["compare", "predict_with_proba", "set_matching_params"]
