"""What the matcher asks of a scorer (lexical.py, semantic.py)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Protocol

import numpy as np


class Scorer(Protocol):
    name: str
    costly: bool  # the encoder: run on what a post asks, not on its whole text
    busy: bool  # a costly scorer with questions waiting: spare it if the cheap ones are sure

    def prepare(self, questions: list[str]) -> list[Future[np.ndarray]]:
        """Start the slow work `score` will need for these; what to wait for."""
        ...

    def score(self, question: str) -> np.ndarray:
        """A score in [0, 1] for every indexed entry, in index order."""
        ...
