"""Discord's own API description (../shared/discord-api-spec/openapi.json, from
discord/discord-api-spec, MIT) as a checker for the fake Discord: every request the bot sends
must match its operation's request schema, and every REST answer and gateway object the fake
sends the spec's response or object schema. Without the file (a user's clone) the checks are
off, said once, and the rest of the suite runs.

A problem reads "POST /channels/{channel_id}/messages request: embeds.0.color: 16777216 is
greater than the maximum of 16777215".
"""

from __future__ import annotations

import json
import re
import warnings
from functools import cache
from pathlib import Path
from typing import Any

SPEC_FILE = Path(__file__).resolve().parents[3] / "shared" / "discord-api-spec" / "openapi.json"
BASE = "urn:discord-api-spec"
API_PREFIX = "/api/v10"

# What discord.py sends that the schemas, read literally, refuse but Discord accepts. Each is
# undone before a request is checked, in this one place:
#   - snowflakes as JSON integers (message_reference.message_id, allowed_mentions ids): the
#     API takes a snowflake as a number or a string;
#   - an upload's `attachments[].id` as the integer index of its file part (0, 1, …), which
#     is how Discord documents uploads ("id": 0 matches files[0]).
SNOWFLAKE_SIZED = 1 << 32
# Where the API description and Discord's own pages disagree, the pages (what Discord sends)
# win: reference#error-messages shows a field error's `code` as text ("BASE_TYPE_REQUIRED");
# the description's InnerErrors declares an integer.
ERRORS_CODE_TEXT = re.compile(r"_errors\.\d+\.code: '[A-Z_]+' is not of type 'integer'")


def discord_py_habits(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: discord_py_habits(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key == "attachments":
            return [{**a, "id": str(a["id"])} if "id" in a else a for a in value]
        return [discord_py_habits(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value >= SNOWFLAKE_SIZED:
        return str(value)
    return value


# The formats the API description declares, checked as its `format` words mean (JSON Schema
# 2020-12 leaves them unchecked unless asked; jsonschema's own date-time and uri checks need
# packages we do not install, so each is a line here).
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
FORMATS = {
    "date-time": lambda v: not isinstance(v, str) or bool(DATE_TIME.match(v)),
    "uri": lambda v: not isinstance(v, str) or bool(URI.match(v)),
    "snowflake": lambda v: not isinstance(v, str) or (v.isdigit() and int(v) < 1 << 64),
    "int32": lambda v: not isinstance(v, int) or -(1 << 31) <= v < 1 << 31,
    "int64": lambda v: not isinstance(v, int) or -(1 << 63) <= v < 1 << 63,
}


def format_checker() -> Any:
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name)(check)
    return checker


class Spec:
    def __init__(self, document: dict[str, Any]) -> None:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(BASE, resource)
        self.validator_class = Draft202012Validator
        self.formats = format_checker()
        self.checked: dict[tuple[str, str], tuple[str, ...]] = {}
        self.routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p)
            for p in sorted(document["paths"], key=lambda p: (p.count("{"), -len(p)))
        ]

    @cache  # noqa: B019 - one Spec per test session
    def validator(self, pointer: str) -> Any:
        return self.validator_class(
            {"$ref": f"{BASE}#{pointer}"}, registry=self.registry, format_checker=self.formats
        )

    def route(self, method: str, path: str) -> str | None:
        """The spec's path template for a request path (under /api/v10), if it has one."""
        path = path.removeprefix(API_PREFIX)
        for pattern, template in self.routes:
            if pattern.match(path) and method.lower() in self.document["paths"][template]:
                return template
        return None

    def problems(self, pointer: str, data: Any, where: str) -> list[str]:
        # Remembered by the data's exact repr (keys in order, types told apart): every bot
        # start syncs the same commands, ~75 ms of checking each time.
        key = (pointer, repr(data))
        if key not in self.checked:
            errors = sorted(self.validator(pointer).iter_errors(data), key=lambda e: e.path)
            self.checked[key] = tuple(_rule(e) for e in errors[:5])
        return [f"{where}: {rule}" for rule in self.checked[key]]

    def check_request(self, method: str, path: str, body: Any) -> list[str]:
        template = self.route(method, path)
        where = f"{method} {template or path} request"
        if template is None:
            return [f"{where}: no such route in Discord's API"]
        operation = self.document["paths"][template][method.lower()]
        content = operation.get("requestBody", {}).get("content", {})
        media = next((m for m in ("application/json", "multipart/form-data") if m in content), None)
        if media is None or body in (None, {}):
            return []
        pointer = f"/paths/{_escape(template)}/{method.lower()}/requestBody/content/"
        pointer += _escape(media) + "/schema"
        if media == "multipart/form-data":  # the JSON part, `payload_json`, is the message
            pointer = pointer.replace("multipart~1form-data", "application~1json")
        return self.problems(pointer, discord_py_habits(body), where)

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        template = self.route(method, path)
        if template is None:
            return []
        responses = self.document["paths"][template][method.lower()]["responses"]
        key = str(status) if str(status) in responses else "4XX" if status >= 400 else None
        where = f"{method} {template} {status} response"
        if key is None or key not in responses:
            return [f"{where}: Discord never answers this status here"]
        pointer = f"/paths/{_escape(template)}/{method.lower()}/responses/{key}"
        answer = responses[key]
        if "$ref" in answer:  # a shared answer: errors (4XX) and 429
            pointer = answer["$ref"].removeprefix("#")
            answer = self.document["components"]["responses"][pointer.rsplit("/", 1)[-1]]
        if answer.get("content", {}).get("application/json") is None:
            return []
        problems = self.problems(pointer + "/content/application~1json/schema", body, where)
        return [p for p in problems if not ERRORS_CODE_TEXT.search(p)]

    def response_headers(self, method: str, path: str, status: int) -> list[str]:
        """The headers the spec declares for this answer (the X-RateLimit-* set)."""
        template = self.route(method, path)
        if template is None:
            return []
        responses = self.document["paths"][template][method.lower()]["responses"]
        answer = responses.get(str(status)) or responses.get("4XX" if status >= 400 else "") or {}
        if "$ref" in answer:
            answer = self.document["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
        return list(answer.get("headers") or {})

    def check_object(self, schema: str, data: Any, where: str) -> list[str]:
        return self.problems(f"/components/schemas/{schema}", data, where)


# Gateway events whose objects the API description defines: (schema, what to check).
GATEWAY_ONLY_GUILD_FIELDS = (
    "channels threads members member_count unavailable large joined_at presences "
    "voice_states stage_instances guild_scheduled_events soundboard_sounds"
).split()


def gateway_problems(spec: Spec, event: str, data: dict[str, Any]) -> list[str]:
    """A gateway event's objects against their REST schemas (the gateway adds fields)."""
    where = f"gateway {event}"
    if event == "GUILD_CREATE":
        guild = {k: v for k, v in data.items() if k not in GATEWAY_ONLY_GUILD_FIELDS}
        problems = spec.check_object("GuildResponse", guild, where)
        for kind, schema in (
            ("channels", "GuildChannelResponse"),
            ("threads", "ThreadResponse"),
            ("members", "GuildMemberResponse"),
        ):
            for n, item in enumerate(data.get(kind, [])):
                problems += spec.check_object(schema, item, f"{where} {kind}.{n}")
        return problems
    if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
        message = {k: v for k, v in data.items() if k not in ("guild_id", "member")}
        return spec.check_object("MessageResponse", message, where)
    if event in ("CHANNEL_CREATE", "CHANNEL_UPDATE"):
        return spec.check_object("GuildChannelResponse", data, where)
    if event == "MESSAGE_DELETE":  # topics/gateway-events#message-delete
        missing = {"id", "channel_id"} - set(data)
        return [f"{where}: {k} missing" for k in sorted(missing)]
    if event in ("THREAD_CREATE", "THREAD_UPDATE"):
        thread = {k: v for k, v in data.items() if k != "newly_created"}
        return spec.check_object("ThreadResponse", thread, where)
    return []


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _field(error: Any) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    return f"{path}: " if path else ""


def _wrong_branch(error: Any) -> bool:
    """A union branch for another kind of object: its `type` (or `id` form) differs."""
    path = list(error.absolute_path)
    return error.validator in ("enum", "const") and bool(path) and path[-1] == "type"


def _rule(error: Any) -> str:
    """The rule broken; for a union (anyOf/oneOf), the deepest failure among its branches,
    which names the field that put the object outside every branch."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        branches = [e for e in error.context if not _wrong_branch(e)] or error.context
        error = max(branches, key=lambda e: len(list(e.absolute_path)))
    return f"{_field(error)}{error.message[:200]}"


@cache
def load_spec() -> Spec | None:
    if not SPEC_FILE.is_file():
        warnings.warn(
            f"{SPEC_FILE} is absent: requests and answers are not checked against Discord's "
            "API description in this run.",
            stacklevel=2,
        )
        return None
    return Spec(json.loads(SPEC_FILE.read_text(encoding="utf-8")))
