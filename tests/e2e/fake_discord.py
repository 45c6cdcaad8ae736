"""A small fake Discord on 127.0.0.1 that the real discord.py client talks to.

REST under /api/v10 and a gateway websocket at /gateway speak the real protocol: uncompressed
JSON text frames, HELLO -> IDENTIFY -> READY -> GUILD_CREATE, heartbeat ACKs, and the REST
routes the bot uses. Every payload the bot sends is checked against Discord's limits
(`limits.py`); a violation is answered 400, as Discord would, and recorded for the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import limits, rules
from .fake_forum import Forums, forum_channel
from .objects import (
    ANSWER_CHANNEL_ID,
    APPLICATION_ID,
    BOT_USER,
    CHANNEL_ID,
    EPHEMERAL_FLAG,
    EVERYONE_PERMISSIONS,
    GUILD_ID,
    LOADING,
    MANAGE_GUILD,
    MANAGE_THREADS,
    MANAGER_ROLE_ID,
    MOD_LOG_CHANNEL_ID,
    MODERATOR_ROLE_ID,
    OTHER_GUILD_ID,
    TIMESTAMP,
    application,
    guild_channel,
    member,
    member_message,
    normalized,
    role,
    user,
)
from .spec import gateway_problems, load_spec

DISCORD_EPOCH_MS = 1_420_070_400_000
CALLBACK_MESSAGE_TYPES = {4: "message", 5: "thinking", 6: "deferred update", 7: "update"}


@dataclass
class Sent:
    """What the bot did with one interaction: its callbacks, followups and edits, in order."""

    interaction_id: int
    token: str
    channel_id: int
    dispatched: float
    source: dict[str, Any] | None = None  # the message a clicked component is on
    original: dict[str, Any] | None = None  # the message the first callback created
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    first_reply_after: float | None = None  # seconds from dispatch to the first callback
    original_flags: int = 0  # the flags the first callback gave its message
    interaction_type: int = 2  # 2 command, 3 component, 4 autocomplete, 5 modal submit

    def callbacks(self) -> list[dict[str, Any]]:
        return [body for kind, body in self.events if kind == "callback"]

    def messages(self) -> list[dict[str, Any]]:
        """Every message the bot showed for this interaction (callback data, followups, edits)."""
        shown = []
        for kind, body in self.events:
            if kind == "callback" and body["type"] in (4, 7):
                shown.append(body.get("data") or {})
            elif kind in ("followup", "edit"):
                shown.append(body)
        return shown


class FakeDiscord(Forums):
    def __init__(self) -> None:
        self._last_id = 0
        self.spec = load_spec()
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global)
        self.sync_requests = 0
        self.violations: list[str] = []
        self.interactions: dict[str, Sent] = {}  # by token
        self.channel_messages: list[dict[str, Any]] = []
        self.reactions: list[tuple[int, int, str]] = []
        self.messages: dict[int, dict[str, Any]] = {}  # every message by id
        self.uploads: dict[str, bytes] = {}  # attachments members "uploaded", by id
        self.identify: dict[str, Any] | None = None
        self.identified = asyncio.Event()
        self.changed = asyncio.Condition()
        self.socket: web.WebSocketResponse | None = None
        self.sequence = 0
        self.guilds = [GUILD_ID, OTHER_GUILD_ID]
        self.threads = {}
        self.may_tag = True
        self.released = asyncio.Event()
        self.close_codes: list[int | None] = []  # how each gateway connection ended
        self.skew = 0.0  # seconds added to the fake's clock (an interaction's age)
        self.faults: list[tuple[str, re.Pattern[str], int, float]] = []
        self.failed: list[tuple[str, str, int]] = []  # the faults served
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------
    @web.middleware
    async def _checked(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Every REST answer the fake sends, checked against Discord's API description."""
        response = await handler(request)
        if (
            self.spec is not None
            and isinstance(response, web.Response)
            and response.content_type == "application/json"
            and request.path.startswith("/api/")
        ):
            body = json.loads(response.body) if response.body else None  # type: ignore[arg-type]
            self.violations += self.spec.check_response(
                request.method, request.path, response.status, body
            )
        return response

    async def start(self) -> None:
        app = web.Application(
            client_max_size=32 * 1024 * 1024, middlewares=[self._checked, self._faults]
        )
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{id}/{name}", self._download)
        api = "/api/v10"
        routes = [
            ("GET", "/users/@me", self._me),
            ("GET", "/oauth2/applications/@me", self._application),
            ("GET", "/gateway/bot", self._gateway_bot),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("POST", "/interactions/{id}/{token}/callback", self._callback),
            ("GET", "/webhooks/{app}/{token}/messages/@original", self._get_original),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message}", self._edit),
            ("DELETE", "/webhooks/{app}/{token}/messages/{message}", self._delete),
            ("POST", "/webhooks/{app}/{token}", self._followup),
            ("POST", "/channels/{channel}/messages", self._channel_message),
            ("PUT", "/channels/{channel}/messages/{message}/reactions/{emoji}/@me", self._react),
        ]
        for method, path, handler in routes + self.forum_routes():
            app.router.add_route(method, api + path, handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self.released.set()
        if self.socket is not None:
            await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- helpers ---------------------------------------------------------------------------
    def snowflake(self) -> int:
        """A new id as Discord makes them: milliseconds since 2015 above 22 bits, increasing."""
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_id = max(self._last_id + 1, now)
        return self._last_id

    @staticmethod
    def json(data: Any, status: int = 200) -> web.Response:
        # discord.py reads JSON only when Content-Type is exactly application/json.
        return web.Response(
            body=json.dumps(data).encode(),
            status=status,
            headers={"Content-Type": "application/json"},
        )

    def reject(self, where: str, problems: list[str]) -> web.Response | None:
        if not problems:
            return None
        self.violations += [f"{where}: {p}" for p in problems]
        return self.json(invalid_form_body(problems), 400)

    def elapsed(self, sent: Sent) -> float:
        """Seconds since the interaction was sent, on a clock tests may move (`skew`)."""
        return time.perf_counter() + self.skew - sent.dispatched

    def token_expired(self, sent: Sent) -> web.Response | None:
        if self.elapsed(sent) <= rules.TOKEN_SECONDS:
            return None
        return self.json({"message": "Invalid Webhook Token", "code": 50027}, 401)

    def fail_next(self, method: str, path: str, status: int, retry_after: float = 0.05) -> None:
        """The next request matching `method` and the regular expression `path` (under
        /api/v10) gets Discord's answer for `status`: 400, 403, 404 or 429."""
        self.faults.append((method, re.compile(path), status, retry_after))

    @web.middleware
    async def _faults(self, request: web.Request, handler: Any) -> web.StreamResponse:
        for fault in self.faults:
            method, path, status, retry_after = fault
            if request.method == method and path.search(request.path):
                self.faults.remove(fault)
                self.failed.append((method, request.path, status))
                return discord_error(status, retry_after)
        return await handler(request)

    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until `predicate()` is truthy; return it. Re-checked on every request, and
        every 20 ms for state the bot changes without a request (a reload)."""

        async def wait() -> Any:
            async with self.changed:
                while not (result := predicate()):
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.changed.wait(), 0.02)
                return result

        return await asyncio.wait_for(wait(), timeout)

    async def body(self, request: web.Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The JSON payload and any attached files (multipart `payload_json` + `files[n]`),
        checked against Discord's API description."""
        payload, files = await self._read_body(request)
        if self.spec is not None:
            problems = self.spec.check_request(request.method, request.path, payload)
            if problems:  # refused as Discord refuses a body its schema does not allow
                self.violations += problems
                raise web.HTTPBadRequest(
                    text=json.dumps(
                        invalid_form_body([p.split(" request: ")[-1] for p in problems])
                    ),
                    content_type="application/json",
                )
        return payload, files

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        if request.content_type != "multipart/form-data":
            raw = await request.read()
            return (json.loads(raw) if raw else {}), []
        payload: dict[str, Any] = {}
        files: list[dict[str, Any]] = []
        reader = await request.multipart()
        async for part in reader:
            data = bytes(await part.read())  # type: ignore[union-attr]
            if part.name == "payload_json":  # type: ignore[union-attr]
                payload = json.loads(data)
            else:
                files.append(
                    {
                        "name": part.name,
                        "filename": part.filename,  # type: ignore
                        "content_type": part.headers.get("Content-Type"),
                        "data": data,
                    }
                )
        return payload, files

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
            "id": str(message_id),
            "channel_id": str(channel_id),
            "guild_id": str(GUILD_ID),
            "author": BOT_USER,
            "content": payload.get("content") or "",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "type": 0,
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

    # -- REST ------------------------------------------------------------------------------
    async def _me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bot fake-token":
            return self.json({"message": "401: Unauthorized", "code": 0}, 401)
        return self.json({**BOT_USER, "mfa_enabled": False, "locale": "en-US"})

    async def _application(self, request: web.Request) -> web.Response:
        return self.json(application())

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return self.json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        commands, _ = await self.body(request)
        self.sync_requests += 1
        if bad := self.reject("command sync", limits.check_commands(commands)):
            return bad
        guild = request.match_info.get("guild")
        if guild and int(guild) not in self.guilds:  # Discord: the bot is not in that server
            return self.json({"message": "Missing Access", "code": 50001}, status=403)
        stored = [
            {
                **c,
                "id": str(self.snowflake()),
                "application_id": str(APPLICATION_ID),
                "version": str(self.snowflake()),
                "default_member_permissions": _permissions(c.get("default_member_permissions")),
                "integration_types": c.get("integration_types") or [0],
                "contexts": c.get("contexts"),
                **({"guild_id": guild} if guild else {}),
            }
            for c in commands
        ]
        self.commands[int(guild) if guild else None] = stored
        await self.notify()
        return self.json(stored)

    async def _callback(self, request: web.Request) -> web.Response:
        body, files = await self.body(request)
        sent = self.interactions.get(request.match_info["token"])
        if sent is None or request.match_info["id"] != str(sent.interaction_id):
            return self.json({"message": "Unknown interaction", "code": 10062}, 404)
        if not sent.callbacks() and self.elapsed(sent) > rules.FIRST_REPLY_SECONDS:
            self.violations.append(f"interaction {sent.interaction_id}: no reply within 3 s")
            return self.json({"message": "Unknown interaction", "code": 10062}, 404)
        if sent.callbacks():
            self.violations.append(f"interaction {sent.interaction_id} acknowledged twice")
            return self.json(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, 400
            )
        kind, data = body.get("type"), body.get("data") or {}
        problems = rules.callback_problems(sent.interaction_type, kind, sent.source is not None)
        if kind == 4:
            problems += limits.check_message(data, require_body=not files)
        elif kind == 7:
            problems += limits.check_message(data, require_body=False)
        elif kind == 8:
            problems += limits.check_autocomplete(data)
        elif kind == 9:
            problems += limits.check_modal(data)
            problems += rules.component_problems(data.get("components") or [], in_modal=True)
        elif kind not in (5, 6):
            problems.append(f"unknown callback type {kind}")
        if kind in (4, 7):
            problems += rules.component_problems(data.get("components") or [])
            problems += rules.allowed_mentions_problems(data) + rules.file_problems(files)
        if bad := self.reject(f"interaction callback type {kind}", problems):
            return bad
        sent.first_reply_after = time.perf_counter() - sent.dispatched
        sent.events.append(("callback", {**body, "files": files}))
        response: dict[str, Any] = {
            "interaction": {
                "id": str(sent.interaction_id),
                "type": sent.interaction_type,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            }
        }
        if kind in (4, 5):
            message = self.message(sent.channel_id, data, files, flags=LOADING if kind == 5 else 0)
            sent.original = message
            sent.original_flags = message["flags"]
            response["interaction"]["response_message_id"] = message["id"]
            if kind == 4:  # a deferred reply's message is not shown yet
                response["resource"] = {"type": kind, "message": self.public(message)}
        elif kind in (6, 7) and sent.source is not None:
            sent.original = sent.source  # a component's @original is the message it is on
        if kind == 7 and sent.source is not None:
            sent.source.update(
                {k: data[k] for k in ("content", "embeds", "components") if k in data}
            )
        await self.notify()
        return self.json(response)

    async def _get_original(self, request: web.Request) -> web.Response:
        sent = self.interactions.get(request.match_info["token"])
        if sent is None or sent.original is None:
            return self.json({"message": "Unknown Message", "code": 10008}, 404)
        return self.json(self.public(sent.original))

    async def _edit(self, request: web.Request) -> web.Response:
        body, files = await self.body(request)
        sent = self.interactions.get(request.match_info["token"])
        if sent is None:
            return self.json({"message": "Unknown Webhook", "code": 10015}, 404)
        if expired := self.token_expired(sent):
            return expired
        problems = limits.check_message(body, require_body=False)
        problems += rules.component_problems(body.get("components") or [])
        if bad := self.reject("message edit", problems + rules.allowed_mentions_problems(body)):
            return bad
        sent.events.append(("edit", {**body, "files": files}))
        target = request.match_info["message"]
        original = sent.original if target == "@original" else self.messages.get(int(target))
        if original is None:
            return self.json({"message": "Unknown Message", "code": 10008}, 404)
        original.update({k: body[k] for k in ("content", "embeds", "components") if k in body})
        original["flags"] &= ~LOADING
        await self.notify()
        return self.json(self.public(original))

    async def _delete(self, request: web.Request) -> web.Response:
        sent = self.interactions.get(request.match_info["token"])
        target = request.match_info["message"]
        original = sent.original if sent and target == "@original" else None
        message = original or self.messages.get(int(target) if target.isdigit() else 0)
        if sent is None or message is None or message.get("deleted"):
            return self.json({"message": "Unknown Message", "code": 10008}, 404)
        message["deleted"] = True
        sent.events.append(("delete", {"message": message["id"]}))
        if message is sent.original:
            sent.original = None  # later follow-ups are messages of their own
        await self.notify()
        return web.Response(status=204)

    async def _followup(self, request: web.Request) -> web.Response:
        body, files = await self.body(request)
        sent = self.interactions.get(request.match_info["token"])
        if sent is None:
            return self.json({"message": "Unknown Webhook", "code": 10015}, 404)
        if expired := self.token_expired(sent):
            return expired
        if not sent.callbacks():
            self.violations.append("followup before the interaction was acknowledged")
        problems = limits.check_message(body, require_body=not files)
        problems += rules.component_problems(body.get("components") or [])
        problems += rules.allowed_mentions_problems(body) + rules.file_problems(files)
        if rules.too_large(files):
            return self.json({"message": "Request entity too large", "code": 40005}, 413)
        if bad := self.reject("followup", problems):
            return bad
        sent.events.append(("followup", {**body, "files": files}))
        loading = sent.original
        if loading is not None and loading["flags"] & LOADING:
            # Discord: the first follow-up after a "thinking…" defer replaces that message,
            # which keeps the defer's visibility whatever the follow-up's flags say.
            fresh = self.message(sent.channel_id, body, files)
            del self.messages[int(fresh["id"])]
            kept = {k: loading[k] for k in ("id", "timestamp")}
            loading.update(fresh, **kept, flags=loading["flags"] & ~LOADING & ~EPHEMERAL_FLAG)
            loading["flags"] |= sent.original_flags & EPHEMERAL_FLAG
            await self.notify()
            return self.json(self.public(loading))
        message = self.message(sent.channel_id, body, files)
        await self.notify()
        return self.json(self.public(message))

    async def _channel_message(self, request: web.Request) -> web.Response:
        body, files = await self.body(request)
        channel_id = int(request.match_info["channel"])
        problems = limits.check_message(body, require_body=not files)
        problems += rules.component_problems(body.get("components") or [])
        problems += rules.channel_message_problems(body, files)
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

    # -- gateway ---------------------------------------------------------------------------
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
                await self.dispatch(
                    "READY",
                    {
                        "v": 10,
                        "user": BOT_USER,
                        "session_id": "fake-session",
                        "resume_gateway_url": self.gateway_url,
                        "shard": [0, 1],
                        "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
                        "application": {"id": str(APPLICATION_ID), "flags": 0},
                    },
                )
                for guild_id in self.guilds:
                    await self.dispatch("GUILD_CREATE", self.guild(guild_id))
                self.identified.set()
        self.close_codes.append(socket.close_code)  # None: the connection just dropped
        await self.notify()
        return socket

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self.socket is not None, "the bot has not connected"
        if self.spec is not None:
            self.violations += gateway_problems(self.spec, event, data)
        self.sequence += 1
        await self.socket.send_str(json.dumps({"op": 0, "t": event, "s": self.sequence, "d": data}))

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

    # -- what a member does ----------------------------------------------------------------
    async def interact(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user_id: int = 400_000_000_000_000_001,
        roles: tuple[int, ...] = (),
        permissions: int | None = None,
        guild_id: int | None = GUILD_ID,
        channel_id: int = CHANNEL_ID,
        message: dict[str, Any] | None = None,
    ) -> Sent:
        interaction_id = self.snowflake()
        token = f"token-{interaction_id}"
        sent = Sent(interaction_id, token, channel_id, time.perf_counter(), source=message)
        sent.interaction_type = kind
        self.interactions[token] = sent
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": str(channel_id),
            "channel": {
                "id": str(channel_id),
                "type": 0 if guild_id else 1,
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                **({"guild_id": str(guild_id)} if guild_id else {}),
            },
            "app_permissions": EVERYONE_PERMISSIONS,
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id or 0)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild_id:
            payload.update(
                guild_id=str(guild_id),
                guild_locale="en-US",
                member=member(user_id, roles, permissions),
            )
        else:
            payload["user"] = user(user_id)
        if message is not None:
            payload["message"] = self.public(message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return sent

    def command_id(self, name: str) -> str:
        for scope in (GUILD_ID, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command["id"]
        raise AssertionError(f"/{name} was never synced")

    async def slash(
        self,
        name: str,
        options: list[dict[str, Any]] | None = None,
        resolved: dict[str, Any] | None = None,
        **who: Any,
    ) -> Sent:
        data = {"id": self.command_id(name), "name": name, "type": 1, "options": options or []}
        if resolved:
            data["resolved"] = resolved
        if who.get("guild_id", GUILD_ID):
            data["guild_id"] = str(who.get("guild_id", GUILD_ID))
        return await self.interact(2, data, **who)

    async def autocomplete(self, name: str, options: list[dict[str, Any]], **who: Any) -> Sent:
        data = {
            "id": self.command_id(name),
            "name": name,
            "type": 1,
            "options": options,
            "guild_id": str(GUILD_ID),
        }
        return await self.interact(4, data, **who)

    async def click(
        self, message: dict[str, Any], custom_id: str, values: list[str] | None = None, **who: Any
    ) -> Sent:
        component_type = 2 if values is None else 3
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return await self.interact(3, data, message=message, **who)

    async def submit(self, modal: dict[str, Any], values: dict[str, str], **who: Any) -> Sent:
        """Fill in a modal the bot opened (values by field label) and submit it."""
        rows = []
        for row in modal["components"]:
            field = row.get("component") or row["components"][0]
            label = row.get("label") or field.get("label")
            filled = {"type": 4, "custom_id": field["custom_id"], "value": values.get(label, "")}
            rows.append(
                {
                    "type": row["type"],
                    **({"component": filled} if "component" in row else {"components": [filled]}),
                }
            )
        return await self.interact(5, {"custom_id": modal["custom_id"], "components": rows}, **who)

    async def reply_of(self, sent: Sent) -> dict[str, Any]:
        """Wait for the message an interaction ends with (after a defer, its followup)."""

        def final() -> dict[str, Any] | None:
            callbacks = sent.callbacks()
            if not callbacks:
                return None
            if callbacks[0]["type"] in (5, 6):  # deferred: the answer comes as a followup
                later = [(kind, body) for kind, body in sent.events if kind in ("followup", "edit")]
                if not later:
                    return None
                kind, body = later[-1]
                if kind == "edit" and sent.original is not None:  # it keeps the defer's flags
                    return {**body, "flags": sent.original["flags"]}
                return body
            return {**(callbacks[0].get("data") or {}), "files": callbacks[0]["files"]}

        return await self.wait_for(final)

    async def post(
        self,
        content: str,
        *,
        user_id: int = 400_000_000_000_000_001,
        channel_id: int = CHANNEL_ID,
        guild_id: int = GUILD_ID,
        mentions: list[dict[str, Any]] = (),
        bot: bool = False,
    ) -> int:  # type: ignore
        message_id = self.snowflake()
        message = member_message(message_id, channel_id, guild_id, user_id, content, bot)
        message.update(mentions=list(mentions), mention_everyone="@everyone" in content)
        self.messages[message_id] = message
        await self.dispatch("MESSAGE_CREATE", self.as_received(message))
        return message_id


def _permissions(value: Any) -> str | None:
    """Discord answers a permission set as a string of its integer."""
    return None if value is None else str(value)


def invalid_form_body(problems: list[str]) -> dict[str, Any]:
    """Discord's 400 body: each field (its path, "embeds.0.color") holding `_errors`, each
    a code and a message. A problem reads "path: message"."""
    errors: dict[str, Any] = {}
    for problem in problems:
        path, _, message = problem.partition(": ") if ": " in problem else ("", "", problem)
        node = errors
        for part in [p for p in path.replace("[", ".").replace("]", "").split(".") if p]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


def discord_error(status: int, retry_after: float = 0.05) -> web.Response:
    """Discord's answer for a refused request, body and headers as Discord sends them."""
    if status == 429:
        body = {"message": "You are being rate limited.", "retry_after": retry_after}
        headers = {
            "Retry-After": str(retry_after),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": str(retry_after),
            "X-RateLimit-Bucket": "fake-bucket",
            "X-RateLimit-Scope": "user",
            "Via": "1.1 google",  # without it discord.py takes a 429 for a Cloudflare ban
        }
        answer = FakeDiscord.json({**body, "global": False, "code": 0}, 429)
        answer.headers.update(headers)
        return answer
    known = {
        400: invalid_form_body(["content: refused"]),
        403: {"message": "Missing Permissions", "code": 50013},
        404: {"message": "Unknown Channel", "code": 10003},
    }
    return FakeDiscord.json(known[status], status)
