"""Discord's answers as the fake sends them: JSON with Discord's exact content type (discord.py
reads JSON only then), every refusal with the status, `code` and `message` Discord documents
(topics/opcodes-and-status-codes#json), the 400 "Invalid Form Body" with its nested `_errors`
(reference#error-messages), and the 429 with its headers (topics/rate-limits)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from aiohttp import web

# topics/opcodes-and-status-codes#json-json-error-codes: code -> (HTTP status, message as
# Discord words it in the body).
ERRORS: dict[int, tuple[int, str]] = {
    0: (401, "401: Unauthorized"),
    10003: (404, "Unknown Channel"),
    10007: (404, "Unknown Member"),
    10008: (404, "Unknown Message"),
    10014: (400, "Unknown Emoji"),
    10015: (404, "Unknown Webhook"),
    10062: (404, "Unknown interaction"),
    40005: (413, "Request entity too large"),
    40058: (403, "Cannot send messages in a forum channel"),
    40060: (400, "Interaction has already been acknowledged."),
    50001: (403, "Missing Access"),
    50006: (400, "Cannot send an empty message"),
    50013: (403, "Missing Permissions"),
    50027: (401, "Invalid Webhook Token"),
    50035: (400, "Invalid Form Body"),
    50083: (400, "Thread is archived"),
    50109: (400, "The request body contains invalid JSON."),
    160002: (403, "Cannot reply without permission to read message history"),
    160005: (403, "Thread is locked"),
}


class Refusal(Exception):
    """Raised deep in a handler (reading the body): the fake answers `response` instead."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def json_answer(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json"},
    )


def refusal(code: int, errors: dict[str, Any] | None = None) -> web.Response:
    """Discord's answer for error `code`: its status, and `{"message", "code"}` (+ `errors`)."""
    status, message = ERRORS[code]
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return json_answer(body, status)


# reference#error-messages: each field's `_errors` carry a code naming the rule broken.
_ERROR_CODES = [
    (re.compile(r"(\d+) characters, allowed (\d+)-(\d+)"), "BASE_TYPE_BAD_LENGTH"),
    (re.compile(r"> (\d+)$"), "BASE_TYPE_MAX_LENGTH"),
    (re.compile(r"^missing$|is a required property"), "BASE_TYPE_REQUIRED"),
    (re.compile(r"greater than the maximum"), "NUMBER_TYPE_MAX"),
    (re.compile(r"less than the minimum"), "NUMBER_TYPE_MIN"),
    (re.compile(r"is not one of|is not a valid enum"), "BASE_TYPE_CHOICES"),
    (re.compile(r"is not a url|is not a 'uri'"), "URL_TYPE_INVALID_URL"),
    (re.compile(r"ISO 8601|is not a 'date-time'"), "DATE_TIME_TYPE_PARSE"),
    (re.compile(r"does not match"), "STRING_TYPE_REGEX"),
    (re.compile(r"REPLIES_UNKNOWN_MESSAGE"), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"),
    (re.compile(r"custom_id used twice"), "COMPONENT_CUSTOM_ID_DUPLICATED"),
]


def error_code(message: str) -> str:
    for pattern, code in _ERROR_CODES:
        if pattern.search(message):
            return code
    return "BASE_TYPE_INVALID"


def invalid_form_body(problems: list[str]) -> dict[str, Any]:
    """Discord's 400 body: each field (its path, "embeds.0.color") holding `_errors`, each
    a code and a message. A problem reads "path: message"."""
    errors: dict[str, Any] = {}
    for problem in problems:
        path, _, message = problem.partition(": ") if ": " in problem else ("", "", problem)
        if " " in path:  # not a field path but a sentence ("message: empty (...)")
            path, message = "", problem
        node = errors
        for part in [p for p in path.replace("[", ".").replace("]", "").split(".") if p]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": error_code(message), "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


def form_refusal(problems: list[str]) -> web.Response:
    return json_answer(invalid_form_body(problems), 400)


def rate_limited(
    retry_after: float, *, is_global: bool = False, bucket: str = "fake-bucket", limit: int = 5
) -> web.Response:
    """topics/rate-limits#exceeding-a-rate-limit: 429, `retry_after` in seconds, `global`, and
    the headers (with `Via`: without it discord.py takes a 429 for a Cloudflare ban)."""
    body = {"message": "You are being rate limited.", "retry_after": retry_after}
    answer = json_answer({**body, "global": is_global, "code": 0}, 429)
    answer.headers.update(
        {
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": "global" if is_global else "user",
            "Via": "1.1 google",
        }
    )
    if is_global:
        answer.headers["X-RateLimit-Global"] = "true"
    return answer


def discord_error(status: int, retry_after: float = 0.05) -> web.Response:
    """Discord's answer for a refused request, body and headers as Discord sends them."""
    if status == 429:
        return rate_limited(retry_after)
    known = {400: 50035, 403: 50013, 404: 10003}
    if status == 400:
        return form_refusal(["content: refused"])
    return refusal(known[status])
