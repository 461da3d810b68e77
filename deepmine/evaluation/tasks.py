"""Tasks: what the user wants done, with its metrics, its split and its candidate models.

This module gathers the names a user of tasks needs: :class:`Task` (the base of every task family,
in :mod:`~deepmine.evaluation.task`), :class:`Candidate`, and the registry (:func:`get_task`,
:func:`register_task`, ``TASKS``).
"""

from deepmine.evaluation.candidates import Candidate
from deepmine.evaluation.registry import TASKS, get_task, register_task
from deepmine.evaluation.task import Fitting, Prepared, Task

__all__ = ["Candidate", "Fitting", "Prepared", "TASKS", "Task", "get_task", "register_task"]
