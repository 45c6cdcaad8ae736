"""What lies between the bot and the fake Discord's handlers, as on the real network:

- latency: every REST request waits `latency` seconds, jittered by up to `jitter` either side
  from a seeded generator (the same run, the same delays);
- rate limits (topics/rate-limits): per-route buckets, each answer carrying the
  `X-RateLimit-*` headers, a 429 with `retry_after` when a bucket is spent, and a global 429
  on demand (`limit_globally`). A request inside a 429's `retry_after` is a violation: the bot
  did not honour it. Windows run on a compressed clock (`window_scale`) so that a burst waits
  as discord.py would, in a fraction of the real time;
- Discord's error shape (topics/opcodes-and-status-codes#json): every refusal is JSON with
  `Content-Type: application/json` exactly and `code` and `message` (and `errors` for 50035);
  an unknown route or method is Discord's 404/405; the fake checks its own answers for this.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import re
import time
import zlib
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .answers import Refusal, json_answer, rate_limited

API = "/api/v10"
# (method, path under /api/v10, requests, seconds): Discord publishes no fixed figures and
# says to read the headers; these are the ones it is known to apply. The bucket is per
# route and major parameter (channel, guild, webhook), as topics/rate-limits describes.
ROUTE_LIMITS = [
    ("POST", re.compile(r"^/channels/(\d+)/messages$"), 5, 5.0),
    ("PUT", re.compile(r"^/channels/(\d+)/messages/\d+/reactions/"), 1, 0.25),
    ("PATCH", re.compile(r"^/channels/(\d+)$"), 5, 5.0),
    ("*", re.compile(r"^/webhooks/\d+/([^/]+)"), 5, 2.0),
]
DEFAULT_LIMIT = (50, 1.0)  # any other route, per route and major parameter
INTERACTION_CALLBACK = re.compile(r"^/interactions/")  # not bound by the global limit
MAJOR = re.compile(r"^/(channels|guilds|webhooks)/(\d+)")
SLACK = 0.002  # seconds of clock difference forgiven when judging whether a wait was honoured


@dataclass
class Bucket:
    name: str
    limit: int
    window: float
    remaining: int = 0
    resets_at: float = 0.0  # time.monotonic()
    blocked_until: float = 0.0  # a 429 was sent: no request of this bucket before this

    def take(self, now: float) -> bool:
        if now >= self.resets_at:
            self.remaining, self.resets_at = self.limit, now + self.window
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True

    def headers(self, now: float) -> dict[str, str]:
        after = math.ceil(max(0.0, self.resets_at - now) * 1000) / 1000  # never early
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": f"{time.time() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": self.name,
        }


class Network:
    """Mixed into FakeDiscord."""

    violations: list[str]
    latency: float = 0.02
    jitter: float = 0.01
    window_scale: float = 0.02  # 5 messages per 5 s becomes 5 per 0.1 s
    _random: random.Random
    _buckets: dict[str, Bucket]
    _global_until: float = 0.0  # a global 429 was sent: nothing before this
    _global_next: tuple[float, re.Pattern[str]] | None = None  # limit_globally's
    rate_limited: list[tuple[str, str, bool]]  # the 429s served: method, path, global

    def init_network(self, seed: int = 31) -> None:
        """E2E_LATENCY_MS="mean,jitter" (e.g. "150,50") runs the suite on a slower network."""
        if setting := os.environ.get("E2E_LATENCY_MS"):
            mean, _, jitter = setting.partition(",")
            self.latency, self.jitter = float(mean) / 1000, float(jitter or 0) / 1000
        self._random = random.Random(seed)
        self._buckets = {}
        self.rate_limited = []
        self.answered: list[tuple[str, str, int, int | None]] = []  # method, path, status, code

    def limit_globally(self, retry_after: float = 0.2, path: str = "") -> None:
        """The next request (not an interaction callback) whose path (under /api/v10)
        matches the regular expression `path` gets a global 429."""
        self._global_next = (retry_after, re.compile(path))

    def bucket(self, method: str, path: str) -> Bucket:
        for m, pattern, count, window in ROUTE_LIMITS:
            found = pattern.match(path)
            if found and m in ("*", method):
                key = f"{m} {pattern.pattern} {found.group(1)}"
                limit, seconds = count, window
                break
        else:
            limit, seconds = DEFAULT_LIMIT
            major = MAJOR.match(path)
            route = re.sub(r"\d{5,}|token-\d+", "{}", path)
            key = f"{method} {route} {major.group(2) if major else ''}"
        if key not in self._buckets:
            name = f"{zlib.crc32(key.rsplit(' ', 1)[0].encode()):08x}"
            self._buckets[key] = Bucket(name, limit, seconds * self.window_scale)
        return self._buckets[key]

    @web.middleware
    async def _network(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API + "/"):
            return await handler(request)
        if self.latency:
            spread = self._random.uniform(-self.jitter, self.jitter)
            await asyncio.sleep(max(0.0, self.latency + spread))
        path, now = request.path.removeprefix(API), time.monotonic()
        where = f"{request.method} {path}"
        if not INTERACTION_CALLBACK.match(path):
            if now + SLACK < self._global_until:
                self.violations.append(f"{where}: sent during a global 429's retry_after")
            if self._global_next is not None and self._global_next[1].search(path):
                retry_after, self._global_next = self._global_next[0], None
                self._global_until = now + retry_after
                self.rate_limited.append((request.method, path, True))
                return rate_limited(retry_after, is_global=True)
        bucket = self.bucket(request.method, path)
        if now + SLACK < bucket.blocked_until:
            self.violations.append(f"{where}: sent during a 429's retry_after")
        if not bucket.take(now):
            retry_after = math.ceil(max(bucket.resets_at - now, 0.001) * 1000) / 1000
            bucket.blocked_until = bucket.resets_at
            self.rate_limited.append((request.method, path, False))
            return rate_limited(retry_after, bucket=bucket.name, limit=bucket.limit)
        response = await self._shaped(request, handler)
        if response.status != 429:  # a 429 (fail_next) carries its own
            response.headers.update(bucket.headers(time.monotonic()))
        self._check_answer(where, response)
        return response

    async def _shaped(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """The handler's answer, or Discord's for a refusal raised on the way, an unknown
        route (404) or a method a route does not take (405)."""
        try:
            return await handler(request)
        except Refusal as refused:
            return refused.response
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return json_answer({"message": f"{exc.status}: {exc.reason}", "code": 0}, exc.status)

    def _check_answer(self, where: str, response: web.StreamResponse) -> None:
        """The fake's own answers as Discord shapes them; anything else is a violation."""
        body = getattr(response, "body", None)
        code = None
        if response.status >= 400:
            content_type = response.headers.get("Content-Type")
            try:
                data = json.loads(body) if isinstance(body, bytes) else None
            except ValueError:
                data = None
            if content_type != "application/json" or not isinstance(data, dict):
                self.violations.append(
                    f"{where}: the fake answered {response.status} as {content_type!r}, "
                    "not Discord's JSON"
                )
            elif not isinstance(data.get("code"), int) or not isinstance(data.get("message"), str):
                self.violations.append(f"{where}: the fake's {response.status} lacks code/message")
            elif data["code"] == 50035 and not data.get("errors"):
                self.violations.append(f"{where}: the fake's 50035 names no field")
            else:
                code = data["code"]
        self.answered.append((where.split(" ")[0], where.split(" ", 1)[1], response.status, code))
