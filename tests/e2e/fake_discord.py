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
import zlib
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import limits, rules
from .answers import Refusal, discord_error, form_refusal, json_answer, refusal
from .fake_channels import Channels
from .fake_forum import Forums
from .fake_gateway import Gateway
from .fake_interactions import Interactions, Sent
from .fake_network import Network
from .fake_permissions import Permissions
from .objects import (
    ANSWER_CHANNEL_ID,
    APPLICATION_ID,
    BOT_USER,
    CHANNEL_ID,
    GUILD_ID,
    MANAGER_ROLE_ID,
    MOD_LOG_CHANNEL_ID,
    MODERATOR_ROLE_ID,
    OTHER_GUILD_ID,
    TIMESTAMP,
    application,
    member,
    member_message,
    permissions_text,
)
from .spec import load_spec

# What the tests import from here: the fake and its server's ids (defined in objects.py).
__all__ = [
    "ANSWER_CHANNEL_ID",
    "APPLICATION_ID",
    "BOT_USER",
    "CHANNEL_ID",
    "GUILD_ID",
    "MANAGER_ROLE_ID",
    "MODERATOR_ROLE_ID",
    "MOD_LOG_CHANNEL_ID",
    "OTHER_GUILD_ID",
    "TIMESTAMP",
    "FakeDiscord",
    "Sent",
    "member_message",
]

DISCORD_EPOCH_MS = 1_420_070_400_000
COMMANDS_MADE_MS = 1_735_689_600_000  # 2025-01-01: the commands were first synced long ago


def command_snowflake(text: str) -> str:
    """A command keeps its id across syncs, as on Discord, and its version while it is the
    same: both made from what they name, so every test's sync answers the same bytes."""
    return str(((COMMANDS_MADE_MS - DISCORD_EPOCH_MS) << 22) | zlib.crc32(text.encode()) >> 10)


class FakeDiscord(Forums, Interactions, Channels, Gateway, Permissions, Network):
    def __init__(self) -> None:
        self._last_id = 0
        self.spec = load_spec()
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global)
        self.sync_requests = 0
        self.violations: list[str] = []
        self.interactions: dict[str, Sent] = {}  # by token
        self.channel_messages: list[dict[str, Any]] = []
        self.reactions: list[tuple[int, int, str]] = []
        self.members: dict[int, tuple[int, ...]] = {}  # user id -> role ids, for GET member
        self.messages: dict[int, dict[str, Any]] = {}  # every message by id
        self.uploads: dict[str, bytes] = {}  # attachments members "uploaded", by id
        self.identify: dict[str, Any] | None = None
        self.identified = asyncio.Event()
        self.changed = asyncio.Condition()
        self.socket: web.WebSocketResponse | None = None
        self.burst = None
        self.connecting = []
        self.sequence = 0
        self.guilds = [GUILD_ID, OTHER_GUILD_ID]
        self.threads = {}
        self.users = {}
        self.pending_starters = {}
        self.late_starters: set[asyncio.Task[None]] = set()  # first messages still to come
        self.may_tag = True
        self.released = asyncio.Event()
        self.close_codes: list[int | None] = []  # how each gateway connection ended
        self.skew = 0.0  # seconds added to the fake's clock (an interaction's age)
        self.faults: list[tuple[str, re.Pattern[str], int, float, Any]] = []
        self.failed: list[tuple[str, str, int]] = []  # the faults served
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.init_network()
        self.init_permissions()

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
        middlewares = [self._network, self._checked, self._faults]
        app = web.Application(client_max_size=32 * 1024 * 1024, middlewares=middlewares)
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
            ("GET", "/guilds/{guild}/members/{user}", self._member),
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
        for task in self.late_starters:
            task.cancel()
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

    json = staticmethod(json_answer)

    def reject(self, where: str, problems: list[str]) -> web.Response | None:
        if not problems:
            return None
        self.violations += [f"{where}: {p}" for p in problems]
        if problems == [limits.EMPTY]:  # message#create-message: no content, embed, file…
            return refusal(50006)
        return form_refusal(problems)

    def elapsed(self, sent: Sent) -> float:
        """Seconds since the interaction was sent, on a clock tests may move (`skew`)."""
        return time.perf_counter() + self.skew - sent.dispatched

    def token_expired(self, sent: Sent) -> web.Response | None:
        if self.elapsed(sent) <= rules.TOKEN_SECONDS:
            return None
        return refusal(50027)

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        retry_after: float = 0.05,
        answer: Callable[[], web.Response] | None = None,
    ) -> None:
        """The next request matching `method` and the regular expression `path` (under
        /api/v10) gets Discord's answer for `status`: 400, 403, 404 or 429 (or `answer()`,
        to check the fake's own checks)."""
        self.faults.append((method, re.compile(path), status, retry_after, answer))

    @web.middleware
    async def _faults(self, request: web.Request, handler: Any) -> web.StreamResponse:
        for fault in self.faults:
            method, path, status, retry_after, answer = fault
            if request.method == method and path.search(request.path):
                self.faults.remove(fault)
                self.failed.append((method, request.path, status))
                return answer() if answer else discord_error(status, retry_after)
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
                raise Refusal(form_refusal([p.split(" request: ")[-1] for p in problems]))
        return payload, files

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        """reference#uploading-files: JSON, or multipart with the JSON in `payload_json`; a
        body (or payload_json) that is not JSON is 400 50109."""
        if request.content_type != "multipart/form-data":
            return _json(await request.read()), []
        payload: dict[str, Any] = {}
        files: list[dict[str, Any]] = []
        reader = await request.multipart()
        async for part in reader:
            data = bytes(await part.read())  # type: ignore[union-attr]
            if part.name == "payload_json":  # type: ignore[union-attr]
                payload = _json(data)
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

    # -- REST ------------------------------------------------------------------------------
    async def _me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bot fake-token":
            return refusal(0)
        return self.json({**BOT_USER, "mfa_enabled": False, "locale": "en-US"})

    async def _member(self, request: web.Request) -> web.Response:
        """A guild member as REST returns it (the bot caches none without the members intent)."""
        roles = self.members.get(int(request.match_info["user"]))
        if int(request.match_info["guild"]) not in self.guilds or roles is None:
            return refusal(10007)
        return self.json(member(int(request.match_info["user"]), roles))

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
            return refusal(50001)
        stored = [
            {
                **c,
                "type": c.get("type", 1),  # CHAT_INPUT unless said
                "id": command_snowflake(f"{guild} {c.get('name')}"),
                "application_id": str(APPLICATION_ID),
                "version": command_snowflake(json.dumps(c, sort_keys=True)),
                "default_member_permissions": permissions_text(c.get("default_member_permissions")),
                "integration_types": c.get("integration_types") or [0],
                "contexts": c.get("contexts"),
                **({"guild_id": guild} if guild else {}),
            }
            for c in commands
        ]
        self.commands[int(guild) if guild else None] = stored
        await self.notify()
        return self.json(stored)


def _json(raw: bytes) -> Any:
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refusal(refusal(50109)) from None
