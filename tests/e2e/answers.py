"""Discord's answers as the fake sends them: JSON with Discord's exact content type (discord.py
reads JSON only then), the 400 "Invalid Form Body" with its nested `_errors`, and the bodies
and headers of 403, 404 and 429."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web


def json_answer(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json"},
    )


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
        answer = json_answer({**body, "global": False, "code": 0}, 429)
        answer.headers.update(headers)
        return answer
    known = {
        400: invalid_form_body(["content: refused"]),
        403: {"message": "Missing Permissions", "code": 50013},
        404: {"message": "Unknown Channel", "code": 10003},
    }
    return json_answer(known[status], status)
