"""Discord's objects as Discord sends them (users, members, roles, channels, messages), with
every field the API description requires, for the fake Discord's answers and events."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

APPLICATION_ID = 100_000_000_000_000_001
GUILD_ID = 200_000_000_000_000_001
OTHER_GUILD_ID = 200_000_000_000_000_002
CHANNEL_ID = 300_000_000_000_000_001
ANSWER_CHANNEL_ID = 300_000_000_000_000_002
MOD_LOG_CHANNEL_ID = 300_000_000_000_000_003
MODERATOR_ROLE_ID = 500_000_000_000_000_001
MANAGER_ROLE_ID = 500_000_000_000_000_002  # has Manage Server
EVERYONE_PERMISSIONS = "2248473465835073"  # view, send, read history, use commands; no admin
MANAGE_GUILD = 1 << 5
MANAGE_THREADS = 1 << 34
TIMESTAMP = "2026-11-23T12:00:00.000000+00:00"
LOADING = 1 << 7  # a message's flag while its interaction "is thinking"
EPHEMERAL_FLAG = 1 << 6


def user(user_id: int, name: str = "member", bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": None if bot else name,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
        **({"bot": True} if bot else {}),
    }


BOT_USER = user(APPLICATION_ID, "ml-career-bot", bot=True)


def application() -> dict[str, Any]:
    """GET /oauth2/applications/@me."""
    return {
        "id": str(APPLICATION_ID),
        "name": "ML Career Bot",
        "icon": None,
        "description": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "flags_new": "0",
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": user(1, "owner"),
        "approximate_guild_count": 2,
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": None,
        "eligible_oauth2_scopes": ["bot", "applications.commands"],
    }


def member(user_id: int, roles: tuple[int, ...] = (), permissions: int | None = None) -> dict:
    return {
        "user": user(user_id, f"member{user_id % 1000}"),
        "roles": [str(r) for r in roles],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "banner": None,
        "pending": False,
        "premium_since": None,
        "communication_disabled_until": None,
        "permissions": str(permissions if permissions is not None else EVERYONE_PERMISSIONS),
    }


def role(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def guild_channel(channel_id: int, guild_id: int, name: str) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "name": name,
        "position": 0,
        "guild_id": str(guild_id),
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def member_message(
    message_id: int, channel_id: int, guild_id: int, user_id: int, content: str, bot: bool
) -> dict[str, Any]:
    """A member's message as the gateway sends it (`author_bot_id`: ours, to tell whether
    it mentions us; never sent)."""
    return {
        **message_object(message_id, channel_id, guild_id, user(user_id, bot=bot)),
        "author_bot_id": APPLICATION_ID,
        "member": {k: v for k, v in member(user_id).items() if k not in ("user", "permissions")},
        "content": content,
    }


def message_object(
    message_id: int, channel_id: int, guild_id: int, author: dict[str, Any]
) -> dict[str, Any]:
    """A message with every field Discord sends, empty."""
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "guild_id": str(guild_id),
        "author": author,
        "content": "",
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": [],
    }


def normalized(message: dict[str, Any]) -> dict[str, Any]:
    """A message as Discord stores and returns it, not as the bot sent it: `content` always a
    string, every component numbered (`id`, depth-first from 1), a reply's reference typed
    and with string ids, and the type a reply has (19)."""
    numbers = itertools.count(1)

    def numbered(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
        done = []
        for component in components:
            shown = {**component, "id": component.get("id") or next(numbers)}
            if "components" in component:
                shown["components"] = numbered(component["components"])
            if component.get("type") == 3:
                shown.setdefault("min_values", 1)
                shown.setdefault("max_values", 1)
            if isinstance(component.get("emoji"), dict):  # a unicode emoji has no id at all
                shown["emoji"] = {k: v for k, v in component["emoji"].items() if v is not None}
            done.append(shown)
        return done

    shown = {**message, "content": message.get("content") or ""}
    shown["embeds"] = [{"type": "rich", **embed} for embed in message.get("embeds") or []]
    shown["components"] = numbered(message.get("components") or [])
    reference = message.get("message_reference")
    if reference:
        shown["message_reference"] = {
            "type": 0,
            "channel_id": str(reference.get("channel_id") or message["channel_id"]),
            "message_id": str(reference["message_id"]),
            **({"guild_id": str(reference["guild_id"])} if reference.get("guild_id") else {}),
        }
        shown["type"] = 19
    return shown


def permissions_text(value: Any) -> str | None:
    """Discord answers a permission set as a string of its integer."""
    return None if value is None else str(value)


def now_iso() -> str:
    """A timestamp as Discord writes them (ISO 8601 with microseconds and +00:00)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")
