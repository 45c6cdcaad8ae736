"""A forum post as Discord delivers it: its first message can come seconds after the thread
(always later when it has attachments), and until it exists Discord refuses a reply in the
thread (403 `40058`) and fetching it is `10008` (discord-api-docs#6340). These helpers wait
for it with backoff, tell a bot's post by its owner, and read what is already in a thread."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

import discord

log = logging.getLogger(__name__)
STARTER_WAITS = (1.0, 2.0, 4.0, 8.0)  # seconds between tries while the first message is missing
UNKNOWN_MESSAGE = 10008  # Discord: fetching a message that does not exist (yet)
NO_STARTER_YET = 40058  # Discord: "Cannot message this thread until after the post author..."
SHUTDOWN_GRACE = 10.0  # seconds a closing bot waits for posts it is answering
CATCH_UP_PACE = 0.25  # seconds at least between posts answered at start-up (rate limits)
THREAD_READ = 50  # messages read to see who has replied in a post


class StarterMissing(Exception):
    """The post's first message never came within STARTER_WAITS: left unanswered."""


@dataclasses.dataclass(slots=True)
class Replies:
    """Who has written in a post after its first message."""

    bot: bool = False  # this bot
    people: bool = False  # members other than the post's author


class Backoff:
    """One post's budget of waits for its first message, shared by fetching it and replying."""

    def __init__(self, client: discord.Client, thread: discord.Thread) -> None:
        self.client, self.thread = client, thread
        self._waits: Iterator[float] = iter(STARTER_WAITS)
        self.waited = 0.0

    async def wait(self) -> None:
        """Wait for the first message to arrive (or the next pause to end); raises
        StarterMissing once the waits are used up."""
        pause = next(self._waits, None)
        if pause is None:
            raise StarterMissing
        self.waited += pause
        if self.thread.starter_message is not None:  # here, yet Discord refused the reply
            await asyncio.sleep(pause)
            return
        with contextlib.suppress(TimeoutError):
            await self.client.wait_for("message", check=self._is_starter, timeout=pause)

    def _is_starter(self, message: discord.Message) -> bool:
        return message.id == self.thread.id

    async def starter(self) -> discord.Message | None:
        """The post's first message (its id is the thread's), cached or fetched, waited for
        while Discord has not made it yet. None when it cannot be read for another reason
        (a missing permission): the title is matched alone. Raises StarterMissing."""
        thread = self.thread
        while True:
            if thread.starter_message is not None:
                return thread.starter_message
            try:
                return await thread.fetch_message(thread.id)
            except discord.HTTPException as exc:
                if exc.code == UNKNOWN_MESSAGE:  # not made yet (or deleted: the waits end)
                    await self.wait()
                    continue
                log.info("forum post %s: no first message (%s); matching its title", thread.id, exc)
                return None

    async def send(self, **kwargs: Any) -> discord.Message:
        """Reply in the post, retried while Discord says its first message is missing.
        Raises StarterMissing, or HTTPException for any other refusal."""
        while True:
            try:
                return await self.thread.send(**kwargs)
            except discord.Forbidden as exc:
                if exc.code != NO_STARTER_YET:
                    raise
                await self.wait()


async def by_a_bot(
    client: discord.Client, thread: discord.Thread, starter: discord.Message | None
) -> bool:
    """Whether a bot opened the post: its first message's author, else the thread's owner
    (cached, or fetched by id when neither is at hand)."""
    if starter is not None:
        return starter.author.bot
    if thread.owner is not None:
        return thread.owner.bot
    if thread.owner_id is None:
        return False
    user = client.get_user(thread.owner_id)
    if user is None:
        try:
            user = await client.fetch_user(thread.owner_id)
        except discord.HTTPException as exc:
            log.info("forum post %s: could not look up its author (%s)", thread.id, exc)
            return False
    return user.bot


async def replies_in(
    client: discord.Client, thread: discord.Thread, trust_count: bool = True
) -> Replies:
    """Who has replied in the post (its first THREAD_READ messages). With `trust_count`, a
    thread whose count says nobody wrote after the first message is not read."""
    found = Replies()
    if trust_count and thread.message_count == 0:
        return found
    me = client.user.id if client.user else None
    try:
        async for message in thread.history(limit=THREAD_READ, oldest_first=True):
            if message.id == thread.id:
                continue
            if message.author.id == me:
                found.bot = True
            elif not message.author.bot and message.author.id != thread.owner_id:
                found.people = True
    except discord.HTTPException as exc:
        log.info("forum post %s: could not read it back (%s)", thread.id, exc)
    return found
