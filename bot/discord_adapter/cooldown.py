"""A per-member sliding-window limit on answers (ANSWER_COOLDOWN, default 5 per 30 s)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class Cooldown:
    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.per = per
        self.clock = clock
        self._hits: dict[int, deque[float]] = {}

    def retry_after(self, member_id: int) -> float:
        """Count an answer for the member; 0 if allowed, else seconds until the next one is."""
        now = self.clock()
        hits = self._hits.setdefault(member_id, deque())
        while hits and now - hits[0] >= self.per:
            hits.popleft()
        if len(hits) >= self.rate:
            return self.per - (now - hits[0])
        hits.append(now)
        if len(self._hits) > 10_000:  # forget members whose window has passed
            self._hits = {k: v for k, v in self._hits.items() if v and now - v[-1] < self.per}
        return 0.0
