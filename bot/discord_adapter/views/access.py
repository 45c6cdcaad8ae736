"""Who may curate, and the sentences /kb answers with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import discord

from bot.config import Settings
from bot.discord_adapter.app import HOME_ONLY
from bot.knowledge.store import Actor
from bot.rendering import replies

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot


class CurationCog(Protocol):
    """What curation views need of the /kb cog."""

    bot: CareerBot

    async def allowed(self, interaction: discord.Interaction) -> bool: ...

    async def changed(self, interaction: discord.Interaction, reply: str, notice: str) -> None: ...


REFUSED = "Only moderators (Manage Server or a moderator role) can use /kb."
NO_HOME_SERVERS = (
    "Changing the knowledge base is off until the bot's owner sets GUILD_IDS to the servers "
    "whose moderators may curate it (see docs/running.md)."
)


def refusal(bot: CareerBot, interaction: discord.Interaction) -> str | None:
    """None if the member may curate here, else why not in one sentence.

    Moderators are members with Manage Server or a MODERATOR_ROLE_IDS role, in a home server.
    With no home servers set, nobody may: any server's admin could otherwise rewrite the
    knowledge base every server reads.
    """
    return curator_refusal(bot.settings, interaction.guild, interaction.user)


def curator_refusal(
    settings: Settings, guild: discord.Guild | None, member: discord.abc.User
) -> str | None:
    """`refusal` for a member of a server, however the bot met them (a command, the
    dashboard's check before every write)."""
    if not settings.guild_ids:
        return NO_HOME_SERVERS
    if guild is None or not isinstance(member, discord.Member):
        return REFUSED
    if guild.id not in settings.guild_ids:
        return REFUSED
    roles = {role.id for role in member.roles}
    if member.guild_permissions.manage_guild or roles & settings.moderator_role_ids:
        return None
    return REFUSED


def actor(interaction: discord.Interaction) -> Actor:
    return Actor(str(interaction.user.id), interaction.user.name, interaction.guild_id)


def code_block(text: str, limit: int = 4000) -> str:
    fenced = text.replace("```", "` ` `")  # a fence inside would end the block
    return f"```\n{replies.clip(fenced, limit - 8)}\n```"


def defused(text: str) -> str:
    """Text built from members' words, for a message or embed: no markdown tricks (masked
    links, headings, spoilers), no mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


async def served_here(interaction: discord.Interaction[CareerBot]) -> bool:
    """For buttons and menus that outlive their message (votes, related entries, "did you
    mean"): refused, in one private sentence, where the bot does not serve."""
    if interaction.client.serves(interaction.guild):
        return True
    await interaction.response.send_message(HOME_ONLY, ephemeral=True)
    return False
