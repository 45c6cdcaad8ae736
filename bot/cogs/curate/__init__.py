"""/kb: moderators curate the knowledge base from Discord, through the same store as the shell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cogs.curate.commands import Curate

if TYPE_CHECKING:
    from bot.app import CareerBot


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Curate(bot))
