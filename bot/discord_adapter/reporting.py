"""One worker process for the /kb reports (bot/rendering/reports.py), started at the first
report and kept: a report never holds up answers, whatever it costs."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from bot.knowledge.model import StoreError

T = TypeVar("T")
_workers: list[ProcessPoolExecutor] = []


class ReportFailed(StoreError):
    """The worker process died (out of memory, killed); the next report starts a new one."""


async def off_the_loop(report: Callable[..., T], *args: object) -> T:
    if not _workers:  # spawn, not fork: the bot has threads, and the child needs no discord
        _workers.append(
            ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        )
    try:
        return await asyncio.get_running_loop().run_in_executor(_workers[0], report, *args)
    except BrokenProcessPool:
        _workers.pop().shutdown(wait=False)
        raise ReportFailed("The report could not be made this time; please try again.") from None


def stop_workers() -> None:
    while _workers:
        _workers.pop().shutdown(wait=False, cancel_futures=True)
