"""What the dashboard asks of Discord when it runs inside the bot: may this member still use
/kb (asked before every write), and telling everyone about a change (the matcher reloaded,
the mod log told), as for changes made with /kb."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.discord_adapter.views.access import NO_HOME_SERVERS, REFUSED, curator_refusal
from bot.knowledge.store import Actor

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

log = logging.getLogger(__name__)
UNREACHABLE = "Discord could not be asked whether you may still use /kb; try again in a moment."


async def may_curate(bot: CareerBot, actor: Actor) -> str | None:
    """None if the member may curate now, else why not (one sentence)."""
    guild = bot.get_guild(actor.guild) if actor.guild is not None else None
    if not bot.settings.guild_ids:
        return NO_HOME_SERVERS
    if guild is None or not actor.id.isdigit():
        return REFUSED  # not a home server, or the bot has left it
    member = guild.get_member(int(actor.id))
    if member is None:
        try:
            member = await guild.fetch_member(int(actor.id))
        except discord.NotFound:
            return REFUSED  # no longer in the server
        except discord.HTTPException as exc:
            log.warning("dashboard: could not fetch member %s: %s", actor.id, exc)
            return UNREACHABLE
    return curator_refusal(bot.settings, guild, member)


async def announce(bot: CareerBot, notice: str) -> None:
    await bot.reload_knowledge()
    await bot.mod_log(notice)
