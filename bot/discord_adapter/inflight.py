"""Interactions in flight when the bot stops: new ones are no longer taken, those running
get a grace period to finish, and any that cannot are counted in one log line and cancelled
before the HTTP session closes (never a "Task exception was never retrieved"). A stop before
the bot was ready also ends discord.py's wait for the servers, which would call on_ready."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

log = logging.getLogger(__name__)
INTERACTION_GRACE = 3.0  # seconds; a first reply is due within 3 anyway


class InFlight:
    """Wraps discord.py's INTERACTION_CREATE parser to hold the tasks each interaction starts
    (its command, view or form handler and the listeners), by interaction id."""

    def __init__(self, client: discord.Client) -> None:
        self.closing = False
        self.refused = 0  # interactions that arrived while stopping
        self.running: dict[str, set[asyncio.Task[Any]]] = {}
        self._state = client._connection
        parsers = client._connection.parsers
        self._parse = parsers["INTERACTION_CREATE"]
        parsers["INTERACTION_CREATE"] = self._interaction_create

    def _interaction_create(self, data: Any) -> None:
        if self.closing:
            self.refused += 1
            return
        started = {t for t in self._tasks_made_by(self._parse, data) if not t.done()}
        if not started:
            return
        key = str(data.get("id"))
        self.running[key] = started
        for task in started:
            task.add_done_callback(lambda done, key=key: self._done(key, done))

    @staticmethod
    def _tasks_made_by(parse: Any, data: Any) -> list[asyncio.Task[Any]]:
        """The tasks `parse(data)` creates, seen by the loop's task factory for its duration
        (comparing `asyncio.all_tasks()` before and after walked every task in flight twice
        per interaction: a few percent of a burst's CPU)."""
        loop = asyncio.get_running_loop()
        previous = loop.get_task_factory()
        made: list[asyncio.Task[Any]] = []

        def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
            task = (
                previous(loop, coro, **kwargs)
                if previous
                else asyncio.Task(coro, loop=loop, **kwargs)
            )
            made.append(task)
            return task

        loop.set_task_factory(factory)
        try:
            parse(data)
        finally:
            loop.set_task_factory(previous)
        return made

    def _done(self, key: str, task: asyncio.Task[Any]) -> None:
        tasks = self.running.get(key)
        if tasks is not None:
            tasks.discard(task)
            if not tasks:
                del self.running[key]

    async def finish(self, grace: float = INTERACTION_GRACE) -> None:
        """Take no new interaction; wait `grace` seconds for the running ones, then cancel
        the rest, said in one line."""
        self.closing = True
        if not self.running:
            return
        log.info("stopping: no new interactions; %d in flight", len(self.running))
        tasks = {t for group in self.running.values() for t in group}
        await asyncio.wait(tasks, timeout=grace)
        left = dict(self.running)
        if not left:
            return
        log.warning(
            "stopping: %d interactions could not finish within %.0f s and were cancelled "
            "(their members may see 'This interaction failed')",
            len(left),
            grace,
        )
        tasks = {t for group in left.values() for t in group}
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=1.0)

    async def stop_ready_wait(self) -> None:
        """discord.py's wait for the servers' GUILD_CREATEs outlives a close: end it, so no
        on_ready (nor forum catch-up) comes mid-close or after. Python 3.11's wait_for can
        swallow a cancel that lands as a server arrives: cancel until the wait has ended."""
        waiting = self._state._ready_task
        while waiting is not None and not waiting.done():
            waiting.cancel()
            await asyncio.wait({waiting}, timeout=0.1)
