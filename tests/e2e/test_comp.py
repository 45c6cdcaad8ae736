"""/comp over the fake Discord: the article's offer with its chart, compare, bands, refusals."""

from __future__ import annotations

from .test_ask import EPHEMERAL


def options(**values: object) -> list[dict]:
    kinds = {bool: 5, int: 4, str: 3}
    return [{"name": k, "type": kinds[type(v)], "value": v} for k, v in values.items()]


def subcommand(name: str, **values: object) -> list[dict]:
    return [{"name": name, "type": 1, "options": options(**values)}]


ARTICLE = {"base": "180,000", "bonus": "30k", "stock": "$600k", "signon": "75k"}


async def test_offer_prices_the_articles_package_privately_with_a_chart(fake, bot):
    sent = await fake.slash("comp", subcommand("offer", **ARTICLE))
    reply = await fake.reply_of(sent)
    thinking = sent.callbacks()[0]
    assert thinking["type"] == 5 and thinking["data"]["flags"] & EPHEMERAL
    embed = reply["embeds"][0]
    for total in ("435,000", "360,000", "1,515,000"):
        assert total in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["First year"] == "USD 435,000"
    assert fields["Total over 4 years"] == "USD 1,515,000"
    assert "clawback" in fields["Worth knowing"]
    assert embed["footer"]["text"].startswith("Assumptions: Pre-tax")
    (chart,) = reply["files"]
    assert chart["filename"] == "comp.png" and chart["data"].startswith(b"\x89PNG")
    assert embed["image"]["url"] == "attachment://comp.png"
    assert reply["components"][0]["components"][0]["custom_id"].startswith("comp:vs:")


async def test_public_offer_is_visible_to_the_channel(fake, bot):
    sent = await fake.slash("comp", subcommand("offer", base="150k", public=True))
    await fake.reply_of(sent)
    assert not sent.callbacks()[0].get("data", {}).get("flags", 0) & EPHEMERAL


async def test_compare_with_another_offer_through_the_modal(fake, bot):
    sent = await fake.slash("comp", subcommand("offer", **ARTICLE, vesting="5/15/40/40"))
    offer = await fake.reply_of(sent)
    button = offer["components"][0]["components"][0]["custom_id"]
    message = fake.messages[max(fake.messages)]  # the followup holding the button
    click = await fake.click(message, button)
    (modal,) = await fake.wait_for(click.callbacks)
    assert modal["type"] == 9
    submitted = await fake.submit(
        modal["data"],
        {
            "Base salary (e.g. 180k)": "200k",
            "TOTAL stock grant, not per year (e.g. 400k)": "400k",
            "Vesting (even, 5/15/40/40, 33/33/22/12)": "33/33/22/12",
        },
    )
    reply = await fake.reply_of(submitted)
    embed = reply["embeds"][0]
    assert embed["title"].startswith("Offer A vs offer B")
    # A: 315/300/450/450k = 1,515,000; B: 200k + 132/132/88/48k = 1,200,000
    assert "1,515,000" in embed["description"] and "1,200,000" in embed["description"]
    assert embed["fields"][0]["value"].startswith("Offer A is worth USD 315,000 more")
    assert reply["flags"] & EPHEMERAL and reply["files"]


async def test_a_bad_modal_entry_is_shown_back(fake, bot):
    offer = await fake.reply_of(await fake.slash("comp", subcommand("offer", base="100k")))
    click = await fake.click(
        fake.messages[max(fake.messages)], offer["components"][0]["components"][0]["custom_id"]
    )
    (modal,) = await fake.wait_for(click.callbacks)
    submitted = await fake.submit(modal["data"], {"Base salary (e.g. 180k)": "lots"})
    reply = await fake.reply_of(submitted)
    assert reply["content"] == (
        "Offer B: Base salary: 'lots' is not an amount. Type it like 180000, 180k, $180,000 "
        "or 1.2m. You typed: base 'lots', vesting 'even'."
    )


async def test_compare_command_side_by_side(fake, bot):
    sent = await fake.slash(
        "comp", subcommand("compare", a_base="180k", a_stock="600k", b_base="220k", b_stock="200k")
    )
    embed = (await fake.reply_of(sent))["embeds"][0]
    assert "-240,000" in embed["description"]
    assert embed["fields"][0]["value"].startswith("Offer A is worth USD 240,000 more")


async def test_bands_by_level(fake, bot):
    reply = await fake.reply_of(await fake.slash("comp", subcommand("bands", level="senior")))
    assert reply["flags"] & EPHEMERAL
    assert "160,000 to 220,000+" in reply["embeds"][0]["description"]
    auto = await fake.autocomplete(
        "comp",
        [
            {
                "name": "bands",
                "type": 1,
                "options": [{"name": "level", "type": 3, "value": "mid", "focused": True}],
            }
        ],
    )
    (callback,) = await fake.wait_for(auto.callbacks)
    assert [c["value"] for c in callback["data"]["choices"]] == ["mid"]


async def test_refused_input_is_one_private_sentence(fake, bot):
    sent = await fake.slash("comp", subcommand("offer", base="180k", vesting="10/20/30"))
    reply = await fake.reply_of(sent)
    assert sent.callbacks()[0]["type"] == 4, "refused at once, no thinking"
    assert reply["flags"] & EPHEMERAL
    assert reply["content"] == (
        "Vesting percentages must add up to 100, but 10/20/30 adds up to 60. "
        "For example: 10/20/30/40."
    )
    bad_b = await fake.reply_of(
        await fake.slash("comp", subcommand("compare", a_base="100k", b_base="0"))
    )
    assert bad_b["content"] == "Offer B: Base salary must be at least 1 a year. Type it like 180k."
