"""Channels in the fake Discord: the bot's messages (normalised as Discord returns them),
channel messages and replies, uploads, reactions, and members posting."""

from __future__ import annotations

import urllib.parse
from typing import Any

from aiohttp import web

from . import rules
from .objects import (
    BOT_USER,
    CHANNEL_ID,
    GUILD_ID,
    member_message,
    message_object,
    normalized,
)


class Channels:
    """Mixed into FakeDiscord."""

    def message(
        self, channel_id: int, payload: dict[str, Any], files: list | None = None, flags: int = 0
    ) -> dict[str, Any]:
        message_id = self.snowflake()
        attachments = [
            {
                "id": str(self.snowflake()),
                "filename": f["filename"],
                "size": len(f["data"]),
                "url": f"http://127.0.0.1/{f['filename']}",
                "proxy_url": "",
                "content_type": f["content_type"],
            }
            for f in files or []
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
        return message

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
        unknown = reference and int(reference.get("message_id", 0)) not in self.messages
        if unknown and reference.get("fail_if_not_exists", True):
            problems.append("message_reference: REPLIES_UNKNOWN_MESSAGE (no such message)")
        if rules.too_large(files):
            return self.json({"message": "Request entity too large", "code": 40005}, 413)
        if bad := self.reject("channel message", problems):
            return bad
        if refused := await self.thread_refuses(channel_id):
            return refused
        await self.hold_reply(channel_id, kept=False)
        if self.hold_replies == "drop" and channel_id in self.threads:
            return self.json({"message": "the sender is gone", "code": 0}, 500)
        message = self.message(channel_id, body, files)
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
        self.channel_messages.append(message)
        self.counted(channel_id)
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
        if emoji.isascii():  # a custom emoji (name:id) this server does not have
            return self.json({"message": "Unknown Emoji", "code": 10014}, 400)
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
