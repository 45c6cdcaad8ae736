"""Channels in the fake Discord: the bot's messages (normalised as Discord returns them),
channel messages and replies, uploads, reactions, and members posting."""

from __future__ import annotations

import urllib.parse
from typing import Any

from aiohttp import web

from . import rules
from .answers import refusal
from .objects import (
    APPLICATION_ID,
    BOT_USER,
    CHANNEL_ID,
    EPHEMERAL_FLAG,
    GUILD_ID,
    member,
    member_message,
    message_object,
    normalized,
)

# topics/gateway-events#message-create: a guild message's author as a member, without `user`.
BOT_MEMBER = {k: v for k, v in member(APPLICATION_ID).items() if k not in ("user", "permissions")}


class Channels:
    """Mixed into FakeDiscord."""

    def message(
        self, channel_id: int, payload: dict[str, Any], files: list | None = None, flags: int = 0
    ) -> dict[str, Any]:
        message_id = self.snowflake()
        ids = [self.snowflake() for _ in files or []]
        attachments = [
            {
                "id": str(n),
                "filename": f["filename"],
                "size": len(f["data"]),
                "url": f"http://127.0.0.1:{self.port}/attachments/{n}/{f['filename']}",
                "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{n}/{f['filename']}",
                "content_type": f["content_type"],
            }
            for n, f in zip(ids, files or [], strict=True)
        ]
        message = {
            **message_object(message_id, channel_id, GUILD_ID, BOT_USER),
            "content": payload.get("content") or "",
            "attachments": attachments,
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "flags": flags | (payload.get("flags") or 0),
            "allowed_mentions": payload.get("allowed_mentions"),
            "files": files or [],
        }
        self.messages[message_id] = message
        self.uploads.update({str(n): f["data"] for n, f in zip(ids, files or [], strict=True)})
        return message

    def visible(self, channel_id: int, message_id: int) -> dict[str, Any] | None:
        """A message as GET and history see it: in that channel, not deleted, not ephemeral
        (an ephemeral message exists only for its member: resources/message)."""
        message = self.messages.get(message_id)
        if message is None or message.get("deleted") or message["channel_id"] != str(channel_id):
            return None
        return None if int(message.get("flags") or 0) & EPHEMERAL_FLAG else message

    async def announce(self, event: str, message: dict[str, Any]) -> None:
        """topics/gateway-events#message-create (…-update, …-delete): the bot hears of its own
        messages too; ephemeral ones are never sent on the gateway."""
        if self.socket is None or self.socket.closed:
            return
        if int(message.get("flags") or 0) & EPHEMERAL_FLAG:
            return
        if event == "MESSAGE_DELETE":
            data = {k: message[k] for k in ("id", "channel_id", "guild_id")}
        else:
            data = {**self.public(message), "member": BOT_MEMBER}
        await self.dispatch(event, data)

    @staticmethod
    def public(message: dict[str, Any]) -> dict[str, Any]:
        """A message as Discord returns it (see objects.normalized)."""
        return normalized(
            {k: v for k, v in message.items() if k not in ("allowed_mentions", "files", "deleted")}
        )

    def shown(self, message: dict[str, Any]) -> dict[str, Any]:
        """A stored message as the bot reads it: a member's as received, the bot's public."""
        return self.as_received(message) if "author_bot_id" in message else self.public(message)

    async def _channel_message(self, request: web.Request) -> web.Response:
        body, files = await self.body(request)
        channel_id = int(request.match_info["channel"])
        problems = rules.message_problems(body, files, require_body=not files)
        problems += rules.channel_flag_problems(body)
        reference = body.get("message_reference") or {}
        unknown = reference and not self.visible(
            int(reference.get("channel_id") or channel_id), int(reference.get("message_id", 0))
        )
        if unknown and reference.get("fail_if_not_exists", True):
            problems.append("message_reference: REPLIES_UNKNOWN_MESSAGE (no such message)")
        if rules.too_large(files):
            return refusal(40005)
        if refused := self.send_refuses(channel_id, body, files):
            return refused
        if bad := self.reject("channel message", problems):
            return bad
        if refused := await self.thread_refuses(channel_id):
            return refused
        await self.hold_reply(channel_id, kept=False)
        if self.hold_replies == "drop" and channel_id in self.threads:
            return self.json({"message": "the sender is gone", "code": 0}, 500)
        message = self.message(channel_id, body, files)
        if reference and not unknown:  # a reply to nothing, allowed, is a plain message
            message["message_reference"] = reference
        self.channel_messages.append(message)
        self.counted(channel_id)
        await self.announce("MESSAGE_CREATE", message)
        await self.notify()
        await self.hold_reply(channel_id, kept=True)
        return self.json(self.public(message))

    async def _download(self, request: web.Request) -> web.Response:
        data = self.uploads.get(request.match_info["id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    def upload(self, filename: str, data: bytes) -> tuple[str, dict[str, Any]]:
        """A file a member attaches to a command: its id and `resolved` attachment object."""
        attachment_id = str(self.snowflake())
        self.uploads[attachment_id] = data
        return attachment_id, {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}",
            "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}",
            "content_type": "application/x-yaml",
        }

    async def _react(self, request: web.Request) -> web.Response:
        info = request.match_info
        emoji = urllib.parse.unquote(info["emoji"])
        channel_id = int(info["channel"])
        needs = ("read_message_history", "add_reactions")
        if refused := self.channel_refuses(channel_id, *needs):
            return refused
        if self.archived(channel_id):
            return refusal(50083)
        if emoji.isascii():  # a custom emoji (name:id) this server does not have
            return refusal(10014)
        if not self.visible(channel_id, int(info["message"])):
            return refusal(10008)

        self.reactions.append((int(info["channel"]), int(info["message"]), info["emoji"]))
        await self.notify()
        return web.Response(status=204)

    async def post(
        self,
        content: str,
        *,
        user_id: int = 400_000_000_000_000_001,
        channel_id: int = CHANNEL_ID,
        guild_id: int = GUILD_ID,
        mentions: list[dict[str, Any]] = (),
        bot: bool = False,
        reply_to: int | None = None,
    ) -> int:  # type: ignore
        """A member's message; `reply_to`: as a Discord reply to that message (type 19, with
        the replied message as `referenced_message`, null once it is deleted)."""
        message_id = self.snowflake()
        message = member_message(message_id, channel_id, guild_id, user_id, content, bot)
        message.update(mentions=list(mentions), mention_everyone="@everyone" in content)
        if reply_to is not None:
            replied = self.messages.get(reply_to)
            gone = replied is None or replied.get("deleted")
            message.update(
                type=19,
                message_reference={
                    "type": 0,
                    "message_id": str(reply_to),
                    "channel_id": str(channel_id),
                    "guild_id": str(guild_id),
                },
                referenced_message=None if gone else self.shown(replied),
            )
        self.messages[message_id] = message
        self.counted(channel_id)
        await self.dispatch("MESSAGE_CREATE", self.as_received(message))
        return message_id
