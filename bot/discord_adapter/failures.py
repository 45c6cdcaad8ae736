"""How a failure reaches a member: one private sentence, never a traceback."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.knowledge.model import KnowledgeBaseError, StoreError
from bot.knowledge.store import entry_problems
from bot.rendering import replies

log = logging.getLogger(__name__)

KNOWLEDGE_BROKEN = "The knowledge base files on disk have problems a moderator must fix first:"


# A file path on the bot's host (two or more segments, POSIX or Windows), not a URL's path.
_HOST_PATH_RE = re.compile(r"(?<![\w:/.])(?:[A-Za-z]:\\|/)(?:[^\s/\\()'\"]+[/\\])+[^\s()'\",;:]*")
HOST_PATH = "a path on the bot's host"


def without_host_paths(text: str) -> str:
    """`text` with every file path on the bot's host said as such (it is not Discord's)."""
    return _HOST_PATH_RE.sub(HOST_PATH, text)


def failure_text(
    heading: str, error: KnowledgeBaseError | StoreError, entry_id: str | None = None
) -> str:
    """Why something was refused: the store's sentence, or every validation problem
    (`entry_id`'s first), under `heading`. Paths on the host are not shown in Discord."""
    if isinstance(error, StoreError):
        text = f"{heading} {error}".lstrip()
    else:
        text = f"{heading}\n{replies.bullets(entry_problems(error, entry_id))}"
    return replies.clip(without_host_paths(text), 2000)


def error_text(error: BaseException) -> str | None:
    """What a person can act on, for errors the core explains itself; None for the rest."""
    if isinstance(error, StoreError):
        return failure_text("", error)
    if isinstance(error, KnowledgeBaseError):
        return failure_text(KNOWLEDGE_BROKEN, error)
    return None


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the member one sentence, ephemerally: the core's own explanation, or for a bug a
    short reference that is logged with the traceback."""
    text = error_text(error)
    if text is None:
        reference = secrets.token_hex(3)
        log.error("error %s in interaction %s", reference, interaction.id, exc_info=error)
        text = (
            f"Sorry, something went wrong on my side (reference `{reference}`). "
            "Please try again; if it keeps happening, tell a moderator."
        )
    try:
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            # The first follow-up after "thinking…" replaces that message and keeps its
            # visibility: a public one would show the error to the channel. Take it away
            # first, so the error goes to the member alone.
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the member about an error: %s", error)


def reports_errors(
    callback: Callable[[Any, discord.Interaction], Awaitable[None]],
) -> Callable[[Any, discord.Interaction], Awaitable[None]]:
    """For component callbacks, which have no tree error handler: report like one."""

    @functools.wraps(callback)
    async def reporting(item: Any, interaction: discord.Interaction) -> None:
        try:
            await callback(item, interaction)
        except Exception as exc:
            await report_error(interaction, exc)

    return reporting
