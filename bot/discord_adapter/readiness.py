"""What a server admin needs to know once the bot is connected: where it is, what it cannot
see or post in, and the invite link with exactly the permissions it uses."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator

import discord

from bot.config import Settings

SCOPES = ("bot", "applications.commands")
# What the bot uses, and nothing more (docs/running.md lists the same).
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    send_messages_in_threads=True,
)
TAGGING = discord.Permissions(manage_threads=True)  # only with FORUM_ANSWERED_TAG
# What each kind of configured channel needs, by discord.Permissions attribute.
ANSWER_CHANNEL_NEEDS = ("view_channel", "send_messages", "embed_links", "read_message_history")
MOD_LOG_NEEDS = ("view_channel", "send_messages")
FORUM_NEEDS = ("view_channel", "send_messages_in_threads", "embed_links", "read_message_history")


def invite_url(application_id: int, tagging: bool = False) -> str:
    permissions = PERMISSIONS | TAGGING if tagging else PERMISSIONS
    return discord.utils.oauth_url(application_id, permissions=permissions, scopes=SCOPES)


def application_id_from_token(token: str) -> int | None:
    """A bot token's first part is its user id in base64, which is the application's id."""
    head = token.split(".", 1)[0]
    try:
        text = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(text) if text.isascii() and text.isdigit() else None


def _channel_warnings(
    bot: discord.Client, setting: str, ids: set[int], needs: tuple[str, ...]
) -> Iterator[str]:
    for channel_id in sorted(ids):
        channel = bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.GuildChannel):
            yield f"{setting} lists channel {channel_id}, which the bot cannot see."
            continue
        allowed = channel.permissions_for(channel.guild.me)
        missing = [need.replace("_", " ") for need in needs if not getattr(allowed, need)]
        if missing:
            yield (
                f"{setting}: the bot lacks {', '.join(missing)} in #{channel.name} "
                f"({channel_id}); give its role these permissions there."
            )


def readiness_warnings(bot: discord.Client, settings: Settings) -> list[str]:
    """Every configured server and channel the bot cannot use, one sentence each."""
    warnings = [
        f"GUILD_IDS lists server {guild_id}, but the bot is not in it: invite it with "
        f"{invite_url(bot.application_id or 0, bool(settings.forum_answered_tag))}"
        for guild_id in sorted(settings.guild_ids)
        if bot.get_guild(guild_id) is None
    ]
    if not settings.guild_ids:
        warnings.append(
            "GUILD_IDS is empty: /kb (curating) is off in every server, and the commands are "
            "global, which Discord can take up to an hour to show. Set GUILD_IDS to your "
            "server's id for both."
        )
    warnings += _channel_warnings(
        bot, "ANSWER_CHANNEL_IDS", set(settings.answer_channel_ids), ANSWER_CHANNEL_NEEDS
    )
    if settings.answer_channel_ids and not bot.intents.message_content:
        warnings.append(
            "ANSWER_CHANNEL_IDS: with MESSAGE_CONTENT=off the bot cannot read plain messages, "
            "so only mentions are answered in those channels."
        )
    if settings.mod_log_channel_id:
        warnings += _channel_warnings(
            bot, "MOD_LOG_CHANNEL_ID", {settings.mod_log_channel_id}, MOD_LOG_NEEDS
        )
    return warnings + _forum_warnings(bot, settings)


def _forum_warnings(bot: discord.Client, settings: Settings) -> list[str]:
    forums = set(settings.forum_channel_ids)
    if not forums:
        return []
    needs = FORUM_NEEDS + (("manage_threads",) if settings.forum_answered_tag else ())
    warnings = list(_channel_warnings(bot, "FORUM_CHANNEL_IDS", forums, needs))
    warnings += [
        f"FORUM_CHANNEL_IDS lists #{channel.name} ({channel.id}), which is not a forum channel."
        for channel in map(bot.get_channel, sorted(forums))
        if isinstance(channel, discord.abc.GuildChannel)
        and not isinstance(channel, discord.ForumChannel)
    ]
    if not bot.intents.message_content:
        warnings.append(
            "FORUM_CHANNEL_IDS: without the Message Content intent forum posts are matched on "
            "their titles only; answers improve with their first message too: turn the intent "
            "on in the Developer Portal (Bot -> Privileged Gateway Intents) and set "
            "MESSAGE_CONTENT=on."
        )
    return warnings
