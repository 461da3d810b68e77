"""The comparisons tracked in MLflow, read back: ``deepmine runs [URI]`` lists them, ``deepmine runs compare A B`` puts
two of them side by side. Both read only what :func:`deepmine.track.track_run` wrote (the comparison runs' tags
and their leaderboard.csv artefacts), through MLflow's client, so they work on a file store, a database or a
tracking server alike."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deepmine.errors import DataError
from deepmine.track.mlflow_log import (BEST_DEEP_TAG, BEST_TRADITIONAL_TAG, DATA_TAG, EXPERIMENT, PRIMARY_TAG,
                                       TASK_TAG, WINNER_TAG, _tracking)


def _comparisons(client, experiment: str):
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    runs = client.search_runs([found.experiment_id], filter_string=f"tags.`{TASK_TAG}` != ''",
                              order_by=["attributes.start_time DESC"], max_results=10000)
    return [run for run in runs if "mlflow.parentRunId" not in run.data.tags]


def list_runs(uri: str, experiment: str = EXPERIMENT) -> pd.DataFrame:
    """One row per tracked comparison, newest first: run (its id), date, task, data, best deep, best traditional
    (each with its primary score), the metric, and the winner."""
    with _tracking(uri, create=False) as mlflow:
        runs = _comparisons(mlflow.MlflowClient(), experiment)
    rows = [{"run": run.info.run_id, "date": pd.Timestamp(run.info.start_time, unit="ms").strftime("%Y-%m-%d %H:%M"),
             "task": run.data.tags.get(TASK_TAG, ""), "data": run.data.tags.get(DATA_TAG, ""),
             "best_deep": run.data.tags.get(BEST_DEEP_TAG, ""),
             "best_traditional": run.data.tags.get(BEST_TRADITIONAL_TAG, ""),
             "metric": run.data.tags.get(PRIMARY_TAG, ""), "winner": run.data.tags.get(WINNER_TAG, "")}
            for run in runs]
    return pd.DataFrame(rows, columns=["run", "date", "task", "data", "best_deep", "best_traditional", "metric",
                                       "winner"])


def _resolve(runs, given: str):
    matches = [run for run in runs if run.info.run_id.startswith(given) or run.info.run_name == given]
    if len(matches) != 1:
        what = "no tracked comparison" if not matches else f"{len(matches)} tracked comparisons"
        raise DataError(f"{what} matches {given!r}; give a run id (or its first characters) from `deepmine runs`")
    return matches[0]


def compare_runs(uri: str, first: str, second: str, experiment: str = EXPERIMENT) -> pd.DataFrame:
    """Two tracked comparisons' leaderboards side by side: one row per model, its kind and every metric the
    two share, as ``<metric>_a`` and ``<metric>_b`` (a model in one run only has gaps in the other).
    ``attrs["primary"]`` is the first run's primary metric."""
    import tempfile

    with _tracking(uri, create=False) as mlflow:
        client = mlflow.MlflowClient()
        runs = _comparisons(client, experiment)
        chosen = [_resolve(runs, given) for given in (first, second)]
        boards = []
        with tempfile.TemporaryDirectory() as tmp:
            for index, run in enumerate(chosen):
                path = client.download_artifacts(run.info.run_id, "leaderboard.csv", str(Path(tmp) / str(index)))
                boards.append(pd.read_csv(path))
    a, b = boards
    shared = [c for c in a.columns if c in b.columns and c not in ("model", "kind")]
    merged = a[["model", "kind", *shared]].merge(b[["model", "kind", *shared]], on=["model", "kind"], how="outer",
                                                 suffixes=("_a", "_b"))
    table = merged[["model", "kind", *[f"{c}_{side}" for c in shared for side in ("a", "b")]]]
    table.attrs["primary"] = chosen[0].data.tags.get(PRIMARY_TAG)
    return table
