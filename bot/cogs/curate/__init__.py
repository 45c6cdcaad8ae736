"""/kb: moderators curate the knowledge base from Discord, through the same store as the shell."""

from bot.cogs.curate.commands import Curate

__all__ = ["Curate"]
