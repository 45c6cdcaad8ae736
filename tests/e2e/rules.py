"""What Discord refuses that its API description cannot say (state, time, and rules across
fields), as the fake Discord applies them. Each rule names where Discord writes it (the
discord-api-docs pages). Functions return problems ("field: what is wrong"); empty: allowed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import limits

FIRST_REPLY_SECONDS = 3.0  # interactions/receiving-and-responding: respond within 3 seconds
TOKEN_SECONDS = 15 * 60  # ...: interaction tokens are valid for 15 minutes
MAX_FILES = 10  # reference#uploading-files: up to 10 files
MAX_FILE_BYTES = 10 * 2**20  # reference#uploading-files: 10 MiB per file by default
MAX_MENTION_IDS = 100  # message#allowed-mentions-object: users and roles, 100 each
# message#create-message: SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2
CHANNEL_MESSAGE_FLAGS = (1 << 2) | (1 << 12) | (1 << 15)
INTERACTION_MESSAGE_FLAGS = CHANNEL_MESSAGE_FLAGS | (1 << 6)  # and EPHEMERAL
URL_SCHEMES = ("http://", "https://", "attachment://")
LINK = 5  # components/reference#button-button-styles
PREMIUM = 6

# interactions/receiving-and-responding#interaction-response-object-interaction-callback-type:
# which callbacks each interaction type may use (2 command, 3 component, 4 autocomplete,
# 5 modal submit). UPDATE_MESSAGE (7) and DEFERRED_UPDATE (6) need a message to update.
CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


def callback_problems(interaction_type: int, callback_type: int, on_message: bool) -> list[str]:
    allowed = CALLBACKS.get(interaction_type, set())
    if interaction_type == 5 and not on_message:
        allowed = allowed - {6, 7}  # a modal opened by a command has no message to update
    if callback_type not in allowed:
        return [
            f"type: callback {callback_type} is not allowed for interaction type "
            f"{interaction_type} (allowed: {sorted(allowed)})"
        ]
    return []


def allowed_mentions_problems(payload: dict[str, Any]) -> list[str]:
    """message#allowed-mentions-object: `parse: users` and `users` are mutually exclusive
    (likewise roles); at most 100 ids each. (Checked with a message's embeds.)"""
    problems = embed_problems(payload)
    mentions = payload.get("allowed_mentions")
    if not isinstance(mentions, dict):
        return problems
    for kind in ("users", "roles"):
        if kind in (mentions.get("parse") or []) and mentions.get(kind):
            problems.append(f"allowed_mentions: parse {kind} together with a {kind} list")
        if len(mentions.get(kind) or []) > MAX_MENTION_IDS:
            problems.append(f"allowed_mentions.{kind}: more than {MAX_MENTION_IDS} ids")
    return problems


def component_problems(rows: list[dict[str, Any]], in_modal: bool = False) -> list[str]:
    """components/reference: a link button has a url and no custom_id, any other button a
    custom_id and no url; a select's max_values at most 25, at least min_values, at most
    its options; a modal holds text inputs (and labels), never buttons or selects."""
    problems = []
    for r, row in enumerate(rows):
        for c, item in enumerate(row.get("components") or [row.get("component") or {}]):
            where = f"components.{r}.components.{c}"
            kind = item.get("type")
            if in_modal and kind not in (4, 18):
                problems.append(f"{where}.type: {kind} is not allowed in a modal")
            if not in_modal and kind == 4:  # components/text-input: modals only
                problems.append(f"{where}.type: a text input is not allowed in a message")
            if kind == 2:
                link = item.get("style") == LINK
                if link != bool(item.get("url")) or link == bool(item.get("custom_id")):
                    problems.append(f"{where}: a link button needs a url and no custom_id")
                if item.get("style") == PREMIUM and not item.get("sku_id"):
                    problems.append(f"{where}: a premium button needs a sku_id")
            if kind in (3, 5, 6, 7, 8):
                low, high = item.get("min_values", 1), item.get("max_values", 1)
                options = item.get("options")
                if high > 25 or low > high or (options is not None and high > len(options)):
                    problems.append(f"{where}.max_values: {high} (min {low}) is not allowed")
    return problems


def message_problems(
    payload: dict[str, Any], files: list[dict[str, Any]], require_body: bool
) -> list[str]:
    """Everything Discord checks in a message the bot sends: limits (limits.py) and rules."""
    problems = limits.check_message(payload, require_body=require_body)
    problems += component_problems(payload.get("components") or [])
    problems += interaction_flag_problems(payload) + upload_problems(payload, files)
    return problems + allowed_mentions_problems(payload) + file_problems(files)


def interaction_flag_problems(payload: dict[str, Any]) -> list[str]:
    """interactions/receiving-and-responding#interaction-callback-data-structure-messages:
    SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS and IS_COMPONENTS_V2 only."""
    flags = int(payload.get("flags") or 0)
    if flags & ~INTERACTION_MESSAGE_FLAGS:
        return [f"flags: {flags} has flags a message cannot be sent with"]
    return []


def upload_problems(payload: dict[str, Any], files: list[dict[str, Any]]) -> list[str]:
    """reference#uploading-files: a new attachment's `id` is the index n of a `files[n]` part
    sent with it (an attachment kept on an edit has its snowflake)."""
    sent = {str(f["name"]).removeprefix("files[").removesuffix("]") for f in files}
    problems = []
    for n, attachment in enumerate(payload.get("attachments") or []):
        index = str(attachment.get("id"))
        if len(index) < 6 and index not in sent:  # an index, not a kept attachment's id
            problems.append(f"attachments.{n}.id: no files[{index}] part for it")
    return problems


def channel_flag_problems(payload: dict[str, Any]) -> list[str]:
    flags = payload.get("flags") or 0
    if flags & ~CHANNEL_MESSAGE_FLAGS:
        return [f"flags: {flags} (only SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS)"]
    return []


def file_problems(files: list[dict[str, Any]]) -> list[str]:
    problems = []
    if len(files) > MAX_FILES:
        problems.append(f"files: {len(files)} > {MAX_FILES}")
    return problems


def too_large(files: list[dict[str, Any]]) -> bool:
    """reference#uploading-files: a file over the limit is 413 Request Entity Too Large."""
    return any(len(f["data"]) > MAX_FILE_BYTES for f in files)


def embed_problems(payload: dict[str, Any]) -> list[str]:
    """message#embed-object: urls are http(s) or attachment://; a timestamp is ISO 8601."""
    problems = []
    for n, embed in enumerate(payload.get("embeds") or []):
        urls = [("url", embed.get("url"))]
        urls += [(f"{k}.url", (embed.get(k) or {}).get("url")) for k in ("image", "thumbnail")]
        for key, url in urls:
            if url is not None and not str(url).startswith(URL_SCHEMES):
                problems.append(f"embeds.{n}.{key}: {str(url)[:40]!r} is not a url")
        stamp = embed.get("timestamp")
        if stamp is not None:
            try:
                datetime.fromisoformat(str(stamp))
            except ValueError:
                problems.append(f"embeds.{n}.timestamp: {str(stamp)[:40]!r} is not ISO 8601")
    return problems
