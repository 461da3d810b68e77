"""RunData: what a run folder holds, read once, for the report's views."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from deepmine.errors import DataError

# Files every run folder has; the report refuses a folder without them.
REQUIRED = ("metrics.json", "leaderboard.csv")


class RunFolderError(DataError):
    """A run folder is missing or lacks what a report needs."""


@dataclass
class RunData:
    """A run folder's contents: ``metrics`` (metrics.json: task, primary, best, verdict, info, models,
    command), ``leaderboard`` (leaderboard.csv), ``history`` (history.csv: model, epoch, train_loss,
    valid_loss, ...; None without deep models) and any other CSV of the folder through :meth:`table`."""

    folder: Path
    metrics: dict
    leaderboard: pd.DataFrame
    history: pd.DataFrame | None = None
    _tables: dict = field(default_factory=dict, repr=False)

    @property
    def task(self) -> str:
        return str(self.metrics.get("task", ""))

    @property
    def info(self) -> dict:
        return dict(self.metrics.get("info") or {})

    @property
    def primary(self) -> str | None:
        return self.metrics.get("primary")

    @property
    def best(self) -> str | None:
        return self.metrics.get("best")

    def table(self, name: str) -> pd.DataFrame | None:
        """The CSV ``name`` (e.g. "test_predictions.csv") of the run folder, or None when it has none."""
        if name not in self._tables:
            path = self.folder / name
            self._tables[name] = pd.read_csv(path) if path.is_file() else None
        return self._tables[name]

    def file(self, name: str) -> Path | None:
        """The path of the file ``name`` in the run folder (e.g. "network.png"), or None."""
        path = self.folder / name
        return path if path.is_file() else None

    @classmethod
    def from_folder(cls, folder) -> "RunData":
        """Read a run folder; a missing folder or one without metrics.json and leaderboard.csv is a
        RunFolderError saying what is missing."""
        folder = Path(folder)
        if not folder.is_dir():
            raise RunFolderError(f"there is no run folder '{folder}'; give the folder a deepmine command wrote "
                                 f"(runs/<task>-<time>/)")
        missing = [name for name in REQUIRED if not (folder / name).is_file()]
        if missing:
            raise RunFolderError(f"'{folder}' is not a complete run folder: it lacks {', '.join(missing)}; run the "
                                 f"command again to write it")
        try:
            metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
            leaderboard = pd.read_csv(folder / "leaderboard.csv")
        except (json.JSONDecodeError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise RunFolderError(f"'{folder}' holds a damaged metrics.json or leaderboard.csv ({exc}); run the "
                                 f"command again to write it") from exc
        if not isinstance(metrics, dict) or "task" not in metrics or "model" not in leaderboard.columns:
            raise RunFolderError(f"'{folder}' does not hold a deepmine leaderboard (metrics.json has no task or "
                                 f"leaderboard.csv no model column)")
        history = pd.read_csv(folder / "history.csv") if (folder / "history.csv").is_file() else None
        return cls(folder, metrics, leaderboard, history)


__all__ = ["REQUIRED", "RunData", "RunFolderError"]
