"""/comp offer, /comp compare, /comp bands: the calculator in Discord. Private by default.

Offers live only in memory (for the "compare with another offer" button), never on disk.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.calculator import report
from bot.calculator.amounts import CompInputError
from bot.calculator.bands import load_bands
from bot.calculator.calculator import PRESETS, Offer, calculate, compare_offers
from bot.discord_adapter.views.comp import (
    CompareButton,
    OfferMemory,
    compare_embed,
    offer_embed,
    send_priced,
)
from bot.knowledge.model import KnowledgeBaseError
from bot.rendering import replies

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

log = logging.getLogger(__name__)

VESTING_CHOICES = {
    "even": "even (equal every year)",
    **{name: f"{name} ({'/'.join(map(str, p))})" for name, p in PRESETS.items()},
}


async def _vesting_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    typed = current.strip()
    choices = [
        app_commands.Choice(name=label, value=name)
        for name, label in VESTING_CHOICES.items()
        if typed.lower() in label
    ]
    if typed and typed not in VESTING_CHOICES:  # a custom schedule being typed
        choices.insert(0, app_commands.Choice(name=replies.clip(typed, 100), value=typed[:100]))
    return choices[:25]


AMOUNT = app_commands.Range[str, 1, 40]


class Comp(
    commands.GroupCog,
    group_name="comp",
    group_description="Price a job offer year by year, compare two, or see typical pay",
):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.offers = OfferMemory()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(CompareButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(CompareButton)

    async def refuse(self, interaction: discord.Interaction, error: CompInputError) -> None:
        await interaction.response.send_message(str(error), ephemeral=True)

    @app_commands.command(
        name="offer",
        description="An offer's total pay year by year, with a chart (only you see it)",
    )
    @app_commands.rename(raise_="raise")
    @app_commands.describe(
        base="Base salary per year, e.g. 180k",
        bonus="Annual bonus, e.g. 15% or 30k",
        stock="TOTAL stock grant over all years, not per year, e.g. 600k",
        vesting="even, back-loaded, front-loaded, front-loaded-40, or your own like 10/20/30/40",
        vest_years="Years of even vesting, 1-6 (default 4)",
        cliff_months="Cliff in months, e.g. 12",
        signon="Sign-on bonus, e.g. 75k, or split by year: 50k/25k",
        refresher="Refresher grant each year from year 2, e.g. 100k (not guaranteed)",
        growth="Stock price growth per year, e.g. 10% (a scenario, not a promise)",
        raise_="Yearly raise of base, e.g. 3%",
        benefits="Yearly value of benefits, e.g. 10k",
        years="Years to show, 1-6 (default: the vesting length)",
        currency="Currency label, e.g. EUR (no conversion; default USD)",
        public="Show the result to the channel (default: only you see it)",
    )
    @app_commands.autocomplete(vesting=_vesting_choices)
    async def offer(
        self,
        interaction: discord.Interaction[CareerBot],
        base: AMOUNT,
        bonus: AMOUNT = "",
        stock: AMOUNT = "",
        vesting: AMOUNT = "even",
        vest_years: app_commands.Range[int, 1, 6] | None = None,
        cliff_months: app_commands.Range[int, 0, 72] | None = None,
        signon: AMOUNT = "",
        refresher: AMOUNT = "",
        growth: AMOUNT = "",
        raise_: AMOUNT = "",
        benefits: AMOUNT = "",
        years: app_commands.Range[int, 1, 6] | None = None,
        currency: app_commands.Range[str, 1, 12] = "",
        public: bool = False,
    ) -> None:
        offer = Offer(
            base=base,
            bonus=bonus,
            stock=stock,
            vesting=vesting,
            vest_years=str(vest_years or ""),
            cliff_months=str(cliff_months or ""),
            signon=signon,
            refresher=refresher,
            growth=growth,
            raise_=raise_,
            benefits=benefits,
            years=str(years or ""),
            currency=currency,
        )
        try:
            breakdown = calculate(offer)
        except CompInputError as exc:
            await self.refuse(interaction, exc)
            return
        view = discord.ui.View(timeout=None)
        view.add_item(CompareButton(self.offers.remember(offer)))
        await send_priced(
            interaction,
            offer_embed(breakdown),
            [("Offer", breakdown)],
            private=not public,
            view=view,
        )

    @app_commands.command(
        name="compare", description="Two offers side by side, year by year (only you see it)"
    )
    @app_commands.describe(
        a_base="Offer A: base salary, e.g. 180k",
        b_base="Offer B: base salary, e.g. 200k",
        a_bonus="Offer A: bonus, e.g. 15% or 30k",
        a_stock="Offer A: TOTAL stock grant, e.g. 600k",
        a_vesting="Offer A: even, 5/15/40/40, 33/33/22/12…",
        a_signon="Offer A: sign-on, e.g. 50k",
        b_bonus="Offer B: bonus, e.g. 15% or 30k",
        b_stock="Offer B: TOTAL stock grant, e.g. 400k",
        b_vesting="Offer B: even, 5/15/40/40, 33/33/22/12…",
        b_signon="Offer B: sign-on, e.g. 50k",
        years="Years to compare, 1-6 (default: the longer vesting)",
        growth="Stock growth per year for both, e.g. 10% (a scenario)",
        currency="Currency label, e.g. EUR (no conversion; default USD)",
        public="Show the result to the channel (default: only you see it)",
    )
    @app_commands.autocomplete(a_vesting=_vesting_choices, b_vesting=_vesting_choices)
    async def compare(
        self,
        interaction: discord.Interaction[CareerBot],
        a_base: AMOUNT,
        b_base: AMOUNT,
        a_bonus: AMOUNT = "",
        a_stock: AMOUNT = "",
        a_vesting: AMOUNT = "even",
        a_signon: AMOUNT = "",
        b_bonus: AMOUNT = "",
        b_stock: AMOUNT = "",
        b_vesting: AMOUNT = "even",
        b_signon: AMOUNT = "",
        years: app_commands.Range[int, 1, 6] | None = None,
        growth: AMOUNT = "",
        currency: app_commands.Range[str, 1, 12] = "",
        public: bool = False,
    ) -> None:
        shared = {"years": str(years or ""), "growth": growth, "currency": currency}
        offer_a = Offer(
            base=a_base, bonus=a_bonus, stock=a_stock, vesting=a_vesting, signon=a_signon, **shared
        )
        offer_b = Offer(
            base=b_base, bonus=b_bonus, stock=b_stock, vesting=b_vesting, signon=b_signon, **shared
        )
        try:
            calculate(offer_a)  # so that a mistake in A is reported as A's
        except CompInputError as exc:
            await self.refuse(interaction, CompInputError(f"Offer A: {exc}"))
            return
        try:
            a, b = compare_offers(offer_a, offer_b)
        except CompInputError as exc:
            await self.refuse(interaction, CompInputError(f"Offer B: {exc}"))
            return
        await send_priced(
            interaction, compare_embed(a, b), [("A", a), ("B", b)], private=not public
        )

    @app_commands.command(
        name="bands", description="Typical ML engineer pay by level, with sources"
    )
    @app_commands.describe(
        level="entry, mid or senior",
        public="Show the result to the channel (default: only you see it)",
    )
    async def bands(
        self,
        interaction: discord.Interaction[CareerBot],
        level: app_commands.Range[str, 1, 40],
        public: bool = False,
    ) -> None:
        try:
            bands = load_bands(self.bot.settings.knowledge_dir)
        except KnowledgeBaseError as exc:
            log.error("compensation.yaml is invalid: %s", "; ".join(map(str, exc.problems)))
            await interaction.response.send_message(
                "The pay bands are being fixed by the moderators; try again later.", ephemeral=True
            )
            return
        key = level.strip().lower()
        if key not in bands.levels:
            await self.refuse(
                interaction,
                CompInputError(f"Level must be one of {', '.join(bands.levels)}, not {level!r}."),
            )
            return
        embed = discord.Embed(
            title=bands.levels[key].label,
            colour=discord.Colour.green(),
            description=replies.clip(report.bands_text(bands, [key]), 4096),
        )
        await interaction.response.send_message(embed=embed, ephemeral=not public)

    @bands.autocomplete("level")
    async def level_choices(
        self, interaction: discord.Interaction[CareerBot], current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            levels = load_bands(self.bot.settings.knowledge_dir).levels.values()
        except KnowledgeBaseError:
            return []
        return [
            app_commands.Choice(name=replies.clip(lv.label, 100), value=lv.key)
            for lv in levels
            if current.lower() in lv.label.lower()
        ][:25]


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Comp(bot))
