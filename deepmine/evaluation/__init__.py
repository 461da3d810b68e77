"""Evaluation: metrics per task, the task registry, `compare` and its Leaderboard."""

from deepmine.evaluation.compare import compare
from deepmine.evaluation.leaderboard import Leaderboard
from deepmine.evaluation.metrics import classification_scores, regression_scores
from deepmine.evaluation.tasks import TASKS, Candidate, Task, get_task, register_task

__all__ = ["Candidate", "Leaderboard", "TASKS", "Task", "classification_scores", "compare", "get_task",
           "register_task", "regression_scores"]
