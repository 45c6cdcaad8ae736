"""The knowledge store's own threads. A store call may wait for the writers' lock (a change
another process is making), so it never runs on the threads answers, votes, records and
forum replies use (asyncio.to_thread's pool). Each call's wait for the lock counts from when
it was asked, so saves queued behind one another say "busy" as soon as the first would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.knowledge.transaction import asked_at

T = TypeVar("T")
STORE_THREADS = 2
_pool = ThreadPoolExecutor(max_workers=STORE_THREADS, thread_name_prefix="kb-store")


async def in_store_thread(call: Callable[..., T], *args: object) -> T:
    asked = time.monotonic()

    def run() -> T:
        token = asked_at.set(asked)
        try:
            return call(*args)
        finally:
            asked_at.reset(token)

    return await asyncio.get_running_loop().run_in_executor(_pool, run)
