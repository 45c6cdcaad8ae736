"""MicroBatcher: one worker thread that runs a model over batches of what waits for it; and
`packed`, the passes a model makes over texts known all at once."""

from __future__ import annotations

import atexit
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from bot.knowledge.model import Overloaded

CLOSE_SECONDS = 10.0
Item = TypeVar("Item")
Result = TypeVar("Result")


class MicroBatcher(Generic[Item, Result]):
    """One worker thread running `run` over batches of what waits. An item costs `cost(item)`
    and a pass costs its size times its dearest item (padding); items dearer than `long`
    wait in a second lane, and the lanes take turns."""

    def __init__(
        self,
        run: Callable[[list[Item]], Sequence[Result]],
        max_batch: int = 32,
        max_waiting: int = 64,
        cost: Callable[[Item], int] = lambda _: 1,
        budget: int | None = None,
        long: int | None = None,
    ) -> None:
        self._run = run
        self._max_batch = max_batch
        self._max_waiting = max_waiting
        self._cost = cost
        self._budget = budget
        self._long = long
        self._lanes: tuple[deque[tuple[Item, int, Future[Result]]], ...] = (deque(), deque())
        self._turn = 0
        self._ready = threading.Condition()
        self._worker: threading.Thread | None = None
        self._closed = False

    @property
    def waiting(self) -> int:
        return len(self._lanes[0]) + len(self._lanes[1])

    def submit(self, item: Item) -> Future[Result]:
        """A future of `run([..., item, ...])`'s result for `item`; raises Overloaded when
        the queue is full."""
        future: Future[Result] = Future()
        cost = self._cost(item)
        with self._ready:
            if self._closed:
                raise Overloaded("the encoder is closing")
            if self.waiting >= self._max_waiting:
                raise Overloaded("the encoder's queue is full")
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name="encoder", daemon=True)
                self._worker.start()
                atexit.register(self.close)
            lane = self._long is not None and cost > self._long
            self._lanes[lane].append((item, cost, future))
            self._ready.notify()
        return future

    def close(self) -> None:
        """Let what waits be run, then end the worker. Run at exit: a thread cut off inside
        onnxruntime when the interpreter ends aborts the process."""
        with self._ready:
            worker, self._worker, self._closed = self._worker, None, True
            self._ready.notify()
        if worker is not None:
            worker.join(CLOSE_SECONDS)

    def _next(self) -> list[tuple[Item, int, Future[Result]]] | None:
        """The next pass: the oldest items of the lane whose turn it is; None once closed
        and empty."""
        with self._ready:
            while not self.waiting:
                if self._closed:
                    return None
                self._ready.wait()
            if not self._lanes[self._turn]:
                self._turn = 1 - self._turn
            lane = self._lanes[self._turn]
            self._turn = 1 - self._turn
            batch = [lane.popleft()]
            dearest = batch[0][1]
            while lane and len(batch) < self._max_batch:
                dearest_then = max(dearest, lane[0][1])
                if self._budget is not None and dearest_then * (len(batch) + 1) > self._budget:
                    break
                batch.append(lane.popleft())
                dearest = dearest_then
            return batch

    def _serve(self) -> None:
        while (batch := self._next()) is not None:
            try:
                results = self._run([item for item, _, _ in batch])
            except Exception as exc:  # every waiter hears of it; the worker carries on
                for _, _, future in batch:
                    future.set_exception(exc)
            else:
                for (_, _, future), result in zip(batch, results, strict=True):
                    future.set_result(result)


def packed(costs: list[int], budget: int, most: int | None = None) -> list[list[int]]:
    """The indexes of `costs` in passes, cheapest first: a pass costs its size times its
    dearest item (padding) and stays within `budget` (an item dearer than it has one of its
    own), and holds at most `most` items."""
    passes: list[list[int]] = []
    for i in sorted(range(len(costs)), key=costs.__getitem__):
        room = passes and costs[i] * (len(passes[-1]) + 1) <= budget
        if room and (most is None or len(passes[-1]) < most):
            passes[-1].append(i)
        else:
            passes.append([i])
    return passes
