"""InFlight holds exactly the tasks an interaction starts, and leaves the loop as it found it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from bot.discord_adapter.inflight import InFlight


def client_whose_parser_starts(work: list) -> SimpleNamespace:
    """A stand-in for discord.Client: its INTERACTION_CREATE parser starts the tasks in
    `work` (as discord.py dispatches a command and the listeners)."""

    def parse(data: dict) -> None:
        for coroutine in work:
            asyncio.get_running_loop().create_task(coroutine())

    return SimpleNamespace(_connection=SimpleNamespace(parsers={"INTERACTION_CREATE": parse}))


async def test_the_tasks_an_interaction_starts_are_held_until_they_end():
    release = asyncio.Event()
    unrelated = asyncio.create_task(release.wait())  # in flight before: not the interaction's

    async def command() -> None:
        await release.wait()

    async def listener() -> None:
        await release.wait()

    client = client_whose_parser_starts([command, listener])
    in_flight = InFlight(client)
    client._connection.parsers["INTERACTION_CREATE"]({"id": "7"})
    held = in_flight.running["7"]
    assert {t.get_coro().__name__ for t in held} == {"command", "listener"}
    assert unrelated not in held
    release.set()
    await asyncio.wait(held | {unrelated})
    await asyncio.sleep(0)  # the done callbacks run
    assert in_flight.running == {}


async def test_a_task_factory_already_set_is_used_and_put_back():
    loop = asyncio.get_running_loop()
    made = []

    def factory(loop, coro, **kwargs):
        task = asyncio.Task(coro, loop=loop, **kwargs)
        made.append(task)
        return task

    loop.set_task_factory(factory)
    try:

        async def command() -> None:
            return None

        client = client_whose_parser_starts([command])
        in_flight = InFlight(client)
        client._connection.parsers["INTERACTION_CREATE"]({"id": "8"})
        assert loop.get_task_factory() is factory
        assert made and in_flight.running["8"] == set(made)
        await asyncio.wait(made)
    finally:
        loop.set_task_factory(None)


async def test_a_parser_that_raises_leaves_no_factory_behind():
    def parse(data: dict) -> None:
        raise ValueError("a payload discord.py cannot read")

    client = SimpleNamespace(_connection=SimpleNamespace(parsers={"INTERACTION_CREATE": parse}))
    InFlight(client)
    with pytest.raises(ValueError):
        client._connection.parsers["INTERACTION_CREATE"]({"id": "9"})
    assert asyncio.get_running_loop().get_task_factory() is None
