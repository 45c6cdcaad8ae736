"""The worker process for the /kb reports (bot/rendering/report_worker.py), started at the
first report and kept: a report never holds up answers, whatever it costs.

Each report has a time limit (REPORT_SECONDS): past it the worker is killed (it is started
afresh for the next one) and the moderator is asked to try again. A worker that cannot be
started or dies gets the same sentence. Closing the bot kills the worker, whatever it is doing,
so the bot exits on time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bot.knowledge.model import StoreError
from bot.rendering.report_worker import HEADER, REPORTS

log = logging.getLogger(__name__)
T = TypeVar("T")
REPORT_SECONDS = 60.0
CLOSE_SECONDS = 2.0  # what closing waits for the killed worker to be gone
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds bot/
# `-c`, not `-m` or multiprocessing: the worker must not import the caller's main module.
WORKER_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "import bot.rendering.report_worker as worker; worker.main()"
)
TRY_AGAIN = "The report could not be made this time; please try again."
STOPPING = "The bot is restarting; please try the report again in a minute."
TOO_LONG = (
    "The report took more than {seconds:.0f} seconds and was stopped; please try again "
    "(with fewer days if it keeps happening)."
)


class ReportFailed(StoreError):
    """The worker could not be started, died, or ran out of time; the next report starts a
    new one."""


class RemoteTraceback(Exception):
    """The worker's traceback, chained to an error it raised."""


class ReportWorker:
    def __init__(self, time_limit: float = REPORT_SECONDS) -> None:
        self.time_limit = time_limit
        self._process: asyncio.subprocess.Process | None = None
        self._lock: asyncio.Lock | None = None
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The running worker's process id, if one runs."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    async def run(self, report: Callable[..., T], *args: object) -> T:
        """`report(*args)` in the worker. Raises ReportFailed, or what the report raised."""
        if self._closed:
            raise ReportFailed(STOPPING)
        if REPORTS.get(report.__name__) is not report:
            raise ValueError(f"{report.__name__} is not a report the worker knows")
        try:
            return await asyncio.wait_for(self._run(report.__name__, args), self.time_limit)
        except TimeoutError:
            log.warning("a report ran over %.0f s; its worker was stopped", self.time_limit)
            raise ReportFailed(TOO_LONG.format(seconds=self.time_limit)) from None

    async def _run(self, name: str, args: tuple[object, ...]) -> Any:
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:  # one report at a time: the worker answers in order
            process = await self._started()
            try:
                assert process.stdin is not None and process.stdout is not None
                data = pickle.dumps((name, args), protocol=pickle.HIGHEST_PROTOCOL)
                process.stdin.write(HEADER.pack(len(data)) + data)
                await process.stdin.drain()
                (size,) = HEADER.unpack(await process.stdout.readexactly(HEADER.size))
                status, value, remote = pickle.loads(await process.stdout.readexactly(size))
            except (asyncio.IncompleteReadError, ConnectionError, pickle.UnpicklingError) as exc:
                self.stop()
                if self._closed:
                    raise ReportFailed(STOPPING) from None
                log.warning("the report worker died (%s); a new one starts with the next", exc)
                raise ReportFailed(TRY_AGAIN) from None
            except BaseException:  # the time limit, or the bot closing: its reply is unwanted
                self.stop()
                raise
        if status == "error":
            value.__cause__ = RemoteTraceback(remote)
            raise value
        return value

    async def _started(self) -> asyncio.subprocess.Process:
        if self._process is not None and self._process.returncode is None:
            return self._process
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                WORKER_CODE,
                str(PACKAGE_ROOT),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
        except OSError as exc:  # EAGAIN (too many processes), ENOMEM, a missing interpreter
            log.warning("could not start the report worker: %s", exc)
            raise ReportFailed(TRY_AGAIN) from None
        log.info("report worker started (pid %d)", self._process.pid)
        return self._process

    def stop(self) -> asyncio.subprocess.Process | None:
        """Kill the worker, whatever it is doing (SIGKILL stops a stopped process too)."""
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        return process

    async def close(self) -> None:
        """Kill the worker and start no other; its exit is awaited (briefly) so that nothing
        of it outlives the event loop."""
        self._closed = True
        process = self.stop()
        if process is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), CLOSE_SECONDS)
