"""One worker thread that runs a batch function over whatever is waiting.

Questions that arrive while the encoder is busy are encoded together in its next pass, so a
burst costs one batched forward pass per round instead of a pile of threads fighting over
the cores. The queue is bounded: past `max_waiting` a caller is told at once (`Overloaded`)
and answers from the cheap scores instead of waiting.
"""

from __future__ import annotations

import atexit
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from bot.knowledge.model import Overloaded

Item = TypeVar("Item")
Result = TypeVar("Result")
STOP = None  # put in the queue to end the worker
CLOSE_SECONDS = 10.0


class MicroBatcher(Generic[Item, Result]):
    def __init__(
        self,
        run: Callable[[list[Item]], Sequence[Result]],
        max_batch: int = 32,
        max_waiting: int = 64,
    ) -> None:
        self._run = run
        self._max_batch = max_batch
        self._queue: queue.Queue[tuple[Item, Future[Result]] | None] = queue.Queue(max_waiting)
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._closed = False

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def submit(self, item: Item) -> Future[Result]:
        """A future of `run([..., item, ...])`'s result for `item`; raises Overloaded when
        the queue is full."""
        self._start()
        future: Future[Result] = Future()
        try:
            self._queue.put_nowait((item, future))
        except queue.Full:
            raise Overloaded("the encoder's queue is full") from None
        return future

    def close(self) -> None:
        """Let the batch in progress finish, then end the worker. Run at exit: a thread cut
        off inside onnxruntime when the interpreter ends aborts the process."""
        with self._lock:
            worker, self._worker, self._closed = self._worker, None, True
        if worker is not None:
            self._queue.put(STOP, timeout=CLOSE_SECONDS)
            worker.join(CLOSE_SECONDS)

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                raise Overloaded("the encoder is closing")
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name="encoder", daemon=True)
                self._worker.start()
                atexit.register(self.close)

    def _serve(self) -> None:
        while (first := self._queue.get()) is not STOP:
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    waiting = self._queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is STOP:
                    self._queue.put(STOP)  # end after this batch
                    break
                batch.append(waiting)
            try:
                results = self._run([item for item, _ in batch])
            except Exception as exc:  # every waiter hears of it; the worker carries on
                for _, future in batch:
                    future.set_exception(exc)
            else:
                for (_, future), result in zip(batch, results, strict=True):
                    future.set_result(result)
