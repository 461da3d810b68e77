"""Candidate: one model a task can fit, deep or traditional, made by a factory that takes the seed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping


@dataclass(frozen=True)
class Candidate:
    """A model that a task can fit: a factory taking the seed, and whether it is deep or traditional."""

    name: str
    kind: str  # "deep" or "traditional"
    factory: Callable[[int], object]
    description: str = ""
    # fitted when no models are named; the others (the slowest) only when named or with models="all"
    default: bool = True
    # what a budget tunes: parameter name -> ("log", 1e-4, 1e-2), ("int", 1, 4), ("choice", [...]), ...
    # (see :mod:`deepmine.evaluation.tuning`); empty: fitted once at its defaults
    space: Mapping[str, tuple] = field(default_factory=dict)


__all__ = ["Candidate"]
