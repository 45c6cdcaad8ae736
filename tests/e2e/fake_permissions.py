"""The fake Discord's channels and the bot's permissions in them, as state a test changes
(`await fake.deny(channel, "send_messages")`): GUILD_CREATE carries them as the bot's member
overwrites (so discord.py's `permissions_for` agrees), a change while connected is a
CHANNEL_UPDATE, and every channel route refuses as Discord does:

- topics/opcodes-and-status-codes#json: 10003 Unknown Channel, 50001 Missing Access (cannot
  view), 50013 Missing Permissions, 40058 a message into a forum channel itself, 160002 a reply
  without Read Message History, 160005 a message in a locked thread without Manage Threads,
  50083 reacting in or editing an archived thread;
- resources/message#create-message: Send Messages (Send Messages in Threads in a thread),
  Embed Links for embeds, Attach Files for files, Read Message History for a reply;
- resources/message#create-reaction: Read Message History and Add Reactions;
- resources/message#get-channel-messages: without Read Message History, no messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .answers import refusal
from .fake_forum import FORUM_ID
from .objects import (
    ANSWER_CHANNEL_ID,
    APPLICATION_ID,
    CHANNEL_ID,
    GUILD_ID,
    MANAGE_THREADS,
    MOD_LOG_CHANNEL_ID,
    OTHER_GUILD_ID,
)

if TYPE_CHECKING:
    from .fake_discord import FakeDiscord

# topics/permissions#permissions-bitwise-permission-flags
BITS = {
    "add_reactions": 1 << 6,
    "view_channel": 1 << 10,
    "send_messages": 1 << 11,
    "embed_links": 1 << 14,
    "attach_files": 1 << 15,
    "read_message_history": 1 << 16,
    "manage_threads": MANAGE_THREADS,
    "send_messages_in_threads": 1 << 38,
}
TEXT_CHANNELS = {CHANNEL_ID, ANSWER_CHANNEL_ID, MOD_LOG_CHANNEL_ID, OTHER_GUILD_ID + 1}


class Permissions:
    """Mixed into FakeDiscord."""

    denied: dict[int, int]  # channel id -> the permission bits the bot lacks there
    threads: dict[int, dict[str, Any]]
    may_tag: bool

    def init_permissions(self) -> None:
        self.denied = {}

    def channel_type(self, channel_id: int) -> int | None:
        """0 text, 15 forum, 11 a thread; None: no such channel."""
        if channel_id in TEXT_CHANNELS:
            return 0
        if channel_id == FORUM_ID:
            return 15
        return 11 if channel_id in self.threads else None

    def lacks(self, channel_id: int, *names: str) -> list[str]:
        """The permissions among `names` the bot lacks in the channel (a thread inherits its
        parent's; Manage Threads also follows `may_tag`, the server-wide role setting)."""
        denied = self.denied.get(channel_id, 0)
        thread = self.threads.get(channel_id)
        if thread is not None:
            denied |= self.denied.get(int(thread["parent_id"]), 0)
        if not self.may_tag:
            denied |= MANAGE_THREADS
        return [n for n in names if denied & BITS[n]]

    def overwrites(self, channel_id: int) -> list[dict[str, Any]]:
        """channel#overwrite-object: the bot's member overwrite denying what it lacks."""
        bits = self.denied.get(channel_id, 0)
        if not bits:
            return []
        return [{"id": str(APPLICATION_ID), "type": 1, "allow": "0", "deny": str(bits)}]

    async def deny(self: FakeDiscord, channel_id: int, *names: str) -> None:
        for name in names:
            self.denied[channel_id] = self.denied.get(channel_id, 0) | BITS[name]
        await self._permissions_changed(channel_id)

    async def allow(self: FakeDiscord, channel_id: int, *names: str) -> None:
        for name in names:
            self.denied[channel_id] = self.denied.get(channel_id, 0) & ~BITS[name]
        await self._permissions_changed(channel_id)

    async def _permissions_changed(self: FakeDiscord, channel_id: int) -> None:
        if self.socket is None or channel_id in self.threads:
            return
        guild = self.guild(OTHER_GUILD_ID if channel_id == OTHER_GUILD_ID + 1 else GUILD_ID)
        channel = next((c for c in guild["channels"] if c["id"] == str(channel_id)), None)
        if channel is not None:
            await self.dispatch("CHANNEL_UPDATE", channel)

    def channel_refuses(self, channel_id: int, *needs: str) -> web.Response | None:
        """Unknown channel (10003), not visible (50001), or a permission in `needs` missing
        (50013)."""
        if self.channel_type(channel_id) is None:
            return refusal(10003)
        if self.lacks(channel_id, "view_channel"):
            return refusal(50001)
        if self.lacks(channel_id, *needs):
            return refusal(50013)
        return None

    def send_refuses(
        self, channel_id: int, body: dict[str, Any], files: list[dict[str, Any]]
    ) -> web.Response | None:
        """What Discord checks before it takes a message into a channel."""
        kind = self.channel_type(channel_id)
        send = "send_messages_in_threads" if kind == 11 else "send_messages"
        if refused := self.channel_refuses(channel_id, send):
            return refused
        if kind == 15:
            return refusal(40058)
        thread = self.threads.get(channel_id) or {"thread_metadata": {}}
        locked = thread["thread_metadata"].get("locked")
        if locked and self.lacks(channel_id, "manage_threads"):
            return refusal(160005)
        if body.get("message_reference") and self.lacks(channel_id, "read_message_history"):
            return refusal(160002)
        needs = ["embed_links"] if body.get("embeds") else []
        needs += ["attach_files"] if files else []
        return refusal(50013) if self.lacks(channel_id, *needs) else None

    def archived(self, channel_id: int) -> bool:
        thread = self.threads.get(channel_id)
        return bool(thread and thread["thread_metadata"]["archived"])
