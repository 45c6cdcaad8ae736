"""The fake Discord's gateway: HELLO, IDENTIFY, READY, GUILD_CREATE with complete objects,
heartbeat ACKs, and events checked against Discord's API description.

discord.py calls a client ready once no GUILD_CREATE came for `guild_ready_timeout` (2 s by
default, for real Discord's pace). The fake checks every payload first, then sends READY, all
the GUILD_CREATEs and what `connecting` adds in one burst, so the tests' bots wait READY_WAIT
instead (quick_ready): each start is 1.75 s shorter, and no guild comes after the wait."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import discord.state
from aiohttp import WSMsgType, web

from .fake_forum import forum_channel
from .objects import (
    ANSWER_CHANNEL_ID,
    APPLICATION_ID,
    BOT_USER,
    CHANNEL_ID,
    EVERYONE_PERMISSIONS,
    GUILD_ID,
    MANAGE_GUILD,
    MANAGE_THREADS,
    MANAGER_ROLE_ID,
    MOD_LOG_CHANNEL_ID,
    MODERATOR_ROLE_ID,
    TIMESTAMP,
    guild_channel,
    member,
    role,
)
from .spec import gateway_problems

READY_WAIT = 0.25  # seconds after the last GUILD_CREATE before the tests' bots are ready


def quick_ready(init: Callable[..., None]) -> Callable[..., None]:
    """discord.py's ConnectionState.__init__ with guild_ready_timeout READY_WAIT."""

    @functools.wraps(init)
    def __init__(self: discord.state.ConnectionState, *args: Any, **options: Any) -> None:
        init(self, *args, **{**options, "guild_ready_timeout": READY_WAIT})

    return __init__


class Gateway:
    """Mixed into FakeDiscord."""

    burst: list[str] | None  # frames held back while the bot connects
    connecting: list[Callable[[], Awaitable[object]]]  # what happens as the bot connects

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.socket = socket
        await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            if message["op"] == 1:
                await socket.send_str(json.dumps({"op": 11}))
            elif message["op"] == 2:
                self.identify = message["d"]
                ready = {
                    "v": 10,
                    "user": BOT_USER,
                    "session_id": "fake-session",
                    "resume_gateway_url": self.gateway_url,
                    "shard": [0, 1],
                    "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
                    "application": {"id": str(APPLICATION_ID), "flags": 0},
                }
                self.burst = []  # checked, all of it, before any is sent
                await self.dispatch("READY", ready)
                for guild_id in self.guilds:
                    await self.dispatch("GUILD_CREATE", self.guild(guild_id))
                for connecting in self.connecting:  # in the same burst: before on_ready
                    await connecting()
                self.connecting = []
                burst, self.burst = self.burst, None
                for frame in burst:
                    await socket.send_str(frame)
                self.identified.set()
        self.close_codes.append(socket.close_code)  # None: the connection just dropped
        await self.notify()
        return socket

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self.socket is not None, "the bot has not connected"
        if self.spec is not None:
            self.violations += gateway_problems(self.spec, event, data)
        self.sequence += 1
        frame = json.dumps({"op": 0, "t": event, "s": self.sequence, "d": data})
        if self.burst is not None:
            self.burst.append(frame)
        else:
            await self.socket.send_str(frame)

    def guild(self, guild_id: int) -> dict[str, Any]:
        channels = (
            [
                guild_channel(CHANNEL_ID, guild_id, "general"),
                guild_channel(ANSWER_CHANNEL_ID, guild_id, "ask-here"),
                guild_channel(MOD_LOG_CHANNEL_ID, guild_id, "mod-log"),
                forum_channel(guild_id),
            ]
            if guild_id == GUILD_ID
            else [guild_channel(guild_id + 1, guild_id, "general")]
        )
        for channel in channels:  # what the bot may do there (fake_permissions.py)
            channel["permission_overwrites"] = self.overwrites(int(channel["id"]))
        everyone = int(EVERYONE_PERMISSIONS) | (MANAGE_THREADS if self.may_tag else 0)
        roles = [
            role(guild_id, "@everyone", everyone, 0),
            role(MODERATOR_ROLE_ID, "moderators", int(EVERYONE_PERMISSIONS), 1),
            role(MANAGER_ROLE_ID, "admins", int(EVERYONE_PERMISSIONS) | MANAGE_GUILD, 2),
        ]
        return {
            "id": str(guild_id),
            "name": f"guild {guild_id % 1000}",
            "icon": None,
            "owner_id": "1",
            "roles": roles,
            "channels": channels,
            "threads": self.active_threads(guild_id),
            "members": [{**member(APPLICATION_ID), "user": BOT_USER}],
            "member_count": 3,
            "features": [],
            "emojis": [],
            "stickers": [],
            "unavailable": False,
            "large": False,
            "joined_at": TIMESTAMP,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],  # topics/gateway-events#guild-create
            "system_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "description": None,
            "home_header": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "application_id": None,
            "region": "deprecated",
            "system_channel_flags": 0,
            "widget_enabled": False,
            "widget_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "max_stage_video_channel_users": 50,
            "max_video_channel_users": 25,
            "vanity_url_code": None,
            "premium_subscription_count": 0,
            "rules_channel_id": None,
            "safety_alerts_channel_id": None,
            "public_updates_channel_id": None,
            "premium_progress_bar_enabled": False,
            "nsfw": False,
            "incidents_data": None,
        }
