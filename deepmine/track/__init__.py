"""Experiment tracking with MLflow (the ``track`` extra): a face beside the CLI and the server, reading the run
folders they write, never a second store of results.

- :func:`track_run` logs a run folder: the comparison, a nested run per candidate and per tuning trial, the
  artefacts, and the best model as an MLflow model (models from code, no pickle).
- :func:`list_runs` and :func:`compare_runs` read the tracked comparisons back (``deepmine runs``).
"""

from deepmine.track.mlflow_log import track_run, tracking_uri, winner
from deepmine.track.runs import compare_runs, list_runs

__all__ = ["compare_runs", "list_runs", "track_run", "tracking_uri", "winner"]
