"""/comp's replies: the offer and comparison embeds, the chart, and the "compare with another
offer" button (persistent: its custom_id carries a token for the offer kept in memory)."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import secrets
from collections import OrderedDict
from dataclasses import replace
from typing import TYPE_CHECKING

import discord

from bot.calculator import report
from bot.calculator.amounts import CompInputError
from bot.calculator.calculator import Breakdown, Offer, compare_offers
from bot.discord_adapter.failures import report_error, reports_errors
from bot.rendering import replies

if TYPE_CHECKING:
    from bot.discord_adapter.app import CareerBot

log = logging.getLogger(__name__)

REMEMBERED_OFFERS = 1000
CHART_FILE = "comp.png"


class OfferMemory:
    """The last offers priced, by token, for the compare button. Lost on restart by design."""

    def __init__(self, size: int = REMEMBERED_OFFERS) -> None:
        self.size = size
        self._offers: OrderedDict[str, Offer] = OrderedDict()

    def remember(self, offer: Offer) -> str:
        token = secrets.token_hex(6)
        self._offers[token] = offer
        while len(self._offers) > self.size:
            self._offers.popitem(last=False)
        return token

    def recall(self, token: str) -> Offer | None:
        return self._offers.get(token)


def _table_embed(title: str, table: str, breakdowns: list[Breakdown]) -> discord.Embed:
    embed = discord.Embed(
        title=title,
        colour=discord.Colour.green(),
        description=replies.clip(f"```\n{table}\n```", 4096),
    )
    warnings = [w for b in breakdowns for w in b.warnings]
    if warnings:
        value = "\n".join(f"⚠️ {w}" for w in dict.fromkeys(warnings))
        embed.add_field(name="Worth knowing", value=replies.clip(value, 1024), inline=False)
    assumptions = "; ".join(dict.fromkeys(a for b in breakdowns for a in b.assumptions))
    return embed.set_footer(text=replies.clip(f"Assumptions: {assumptions}.", 2048))


def offer_embed(breakdown: Breakdown) -> discord.Embed:
    embed = _table_embed(
        f"Your offer by year ({breakdown.currency})", report.year_table(breakdown), [breakdown]
    )
    for n, (label, value) in enumerate(report.summary(breakdown)):
        embed.insert_field_at(n, name=label, value=value, inline=True)
    return embed


def compare_embed(a: Breakdown, b: Breakdown) -> discord.Embed:
    embed = _table_embed(f"Offer A vs offer B ({a.currency})", report.compare_table(a, b), [a, b])
    embed.insert_field_at(0, name="Verdict", value=report.compare_verdict(a, b), inline=False)
    return embed


async def chart_file(offers: list[tuple[str, Breakdown]]) -> discord.File | None:
    """The chart, drawn off the event loop; a failure costs the picture, not the answer."""
    from bot.calculator.chart import offer_chart

    try:
        png = await asyncio.to_thread(offer_chart, offers)
    except Exception:
        log.exception("could not draw the comp chart")
        return None
    return discord.File(io.BytesIO(png), filename=CHART_FILE)


async def send_priced(
    interaction: discord.Interaction,
    embed: discord.Embed,
    offers: list[tuple[str, Breakdown]],
    private: bool,
    view: discord.ui.View | None = None,
) -> None:
    """Defer (the chart can take a moment), draw the chart, then send everything."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=private, thinking=True)
    chart = await chart_file(offers)
    if chart is not None:
        embed.set_image(url=f"attachment://{CHART_FILE}")
    extra = {"file": chart} if chart is not None else {}
    await interaction.followup.send(
        embed=embed, ephemeral=private, **({"view": view} if view else {}), **extra
    )


class CompareButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"comp:vs:(?P<token>[0-9a-f]{12})"
):
    def __init__(self, token: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Compare with another offer",
                style=discord.ButtonStyle.primary,
                custom_id=f"comp:vs:{token}",
            )
        )
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> CompareButton:
        return cls(match["token"])

    @reports_errors
    async def callback(self, interaction: discord.Interaction[CareerBot]) -> None:
        cog = interaction.client.get_cog("Comp")
        offer = cog.offers.recall(self.token) if cog is not None else None
        if offer is None:
            await interaction.response.send_message(
                "I no longer have that offer (offers are kept in memory only, never saved):"
                " run /comp offer again.",
                ephemeral=True,
            )
            return
        await interaction.response.send_modal(CompareModal(offer))


class CompareModal(discord.ui.Modal, title="Offer B, to compare with yours"):
    base = discord.ui.TextInput(label="Base salary (e.g. 180k)", max_length=30)
    bonus = discord.ui.TextInput(label="Bonus (e.g. 15% or 30k)", required=False, max_length=30)
    stock = discord.ui.TextInput(
        label="TOTAL stock grant, not per year (e.g. 400k)", required=False, max_length=30
    )
    vesting = discord.ui.TextInput(
        label="Vesting (even, 5/15/40/40, 33/33/22/12)",
        required=False,
        max_length=40,
        placeholder="even",
    )
    signon = discord.ui.TextInput(
        label="Sign-on (e.g. 50k, or 50k/25k by year)", required=False, max_length=40
    )

    def __init__(self, offer_a: Offer) -> None:
        super().__init__(timeout=900)
        self.offer_a = offer_a

    async def on_submit(self, interaction: discord.Interaction[CareerBot]) -> None:
        typed = {
            "base": self.base.value,
            "bonus": self.bonus.value,
            "stock": self.stock.value,
            "vesting": self.vesting.value or "even",
            "signon": self.signon.value,
        }
        offer_b = replace(
            self.offer_a, vest_years="", cliff_months="", refresher="", benefits="", **typed
        )
        try:
            a, b = compare_offers(self.offer_a, offer_b)
        except CompInputError as exc:
            shown = ", ".join(f"{k} {v!r}" for k, v in typed.items() if v)
            await interaction.response.send_message(
                replies.clip(f"Offer B: {exc} You typed: {shown}.", 2000), ephemeral=True
            )
            return
        await send_priced(interaction, compare_embed(a, b), [("A", a), ("B", b)], private=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_error(interaction, error)
