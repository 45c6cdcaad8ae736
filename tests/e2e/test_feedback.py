"""Member votes under answers, /kb feedback turning them into fixes, and /kb stats."""

from __future__ import annotations

from bot.discord_adapter.app import HOME_ONLY, CareerBot
from bot.matching.matcher import Decision
from bot.records.stats import read_stats

from .fake_discord import OTHER_GUILD_ID, FakeDiscord, Sent
from .test_ask import ASKER, EPHEMERAL, SOMEONE_ELSE, question, unsure_question
from .test_curate import MOD, audit, sub

PHD = "do I need a PhD to become an ML engineer?"


def components(message: dict) -> list[dict]:
    return [c for row in message.get("components", []) for c in row["components"]]


def votes_of(message: dict) -> dict[str, str]:
    """The vote buttons by label: Helpful / Not helpful."""
    return {
        c["label"]: c["custom_id"]
        for c in components(message)
        if c["custom_id"].startswith("vote:")
    }


def stored_votes(bot: CareerBot) -> list[tuple]:
    with bot.database.transaction(write=False) as db:
        return db.execute("SELECT entry, question, vote, reason, member FROM feedback").fetchall()


async def ask(fake: FakeDiscord, text: str, **who: object) -> tuple[Sent, dict]:
    sent = await fake.slash("ask", question(text), **who)
    return sent, await fake.reply_of(sent)


async def test_a_vote_is_recorded_changed_and_explained_privately(fake, bot):
    sent, reply = await ask(fake, PHD)
    votes = votes_of(reply)
    assert set(votes) == {"Helpful", "Not helpful"}
    thanks = await fake.reply_of(await fake.click(sent.original, votes["Helpful"]))
    assert thanks["flags"] & EPHEMERAL and thanks["content"].startswith("Thanks")
    assert thanks["allowed_mentions"] == {"parse": []}, "votes never ping anyone"
    (row,) = await fake.wait_for(lambda: stored_votes(bot))
    assert row[:4] == ("phd-required", PHD, 1, None)
    assert str(ASKER) not in repr(row), "a salted hash, never the member's id"

    unhelpful = await fake.click(sent.original, votes["Not helpful"])
    changed = await fake.reply_of(unhelpful)
    assert changed["flags"] & EPHEMERAL and "What was wrong" in changed["content"]
    (why,) = components(changed)
    assert [o["label"] for o in why["options"]] == ["wrong topic", "outdated", "not enough"]
    explained = await fake.click(unhelpful.original, why["custom_id"], ["outdated"])
    done = await fake.reply_of(explained)
    assert explained.callbacks()[0]["type"] == 6, "acknowledged before the database"
    assert "outdated" in done["content"] and unhelpful.original["content"] == done["content"]
    (row,) = stored_votes(bot)
    assert row[2:4] == (-1, "outdated"), "one vote per member per answer, changed"

    await fake.reply_of(await fake.click(sent.original, votes["Helpful"], user_id=SOMEONE_ELSE))
    assert sorted(v[2] for v in stored_votes(bot)) == [-1, 1]


async def test_feedback_turned_into_a_phrasing_answers_the_question_right(fake, curating):
    text = unsure_question(curating.matcher)
    sent, reply = await ask(fake, text)
    (menu,) = components(reply)
    wrong = menu["options"][0]["value"]
    pick = await fake.click(sent.original, menu["custom_id"], [wrong])
    (shown,) = await fake.wait_for(pick.callbacks)
    votes = votes_of(shown["data"])
    await fake.reply_of(await fake.click(sent.original, votes["Not helpful"]))

    listing = await fake.slash("kb", sub("feedback"), **MOD)
    listed = await fake.reply_of(listing)
    assert listed["embeds"][0]["description"].startswith(f"{wrong}: 1 of 1 vote not helpful")
    (picker,) = components(listed)
    acting = await fake.click(listing.original, picker["custom_id"], ["0"], **MOD)
    actions = await fake.reply_of(acting)
    phrasing = next(c for c in components(actions) if c["type"] == 3)
    right = next(o["value"] for o in phrasing["options"] if o["value"] != wrong)
    done = await fake.reply_of(
        await fake.click(acting.original, phrasing["custom_id"], [right], **MOD)
    )
    assert f"phrasing of `{right}`" in done["content"]
    assert [r["action"] for r in audit(curating)] == ["phrasing"]
    _, again = await ask(fake, text)
    assert again["embeds"][0]["title"] == curating.matcher.kb.by_id[right].question
    assert curating.matcher.match(text).decision is Decision.ANSWER


async def test_a_hostile_question_is_shown_clipped_and_without_mentions(fake, bot):
    hostile = f"<@{SOMEONE_ELSE}> @everyone **{PHD}** [click](https://evil.example) " + "x " * 300
    sent, reply = await ask(fake, hostile)
    await fake.reply_of(await fake.click(sent.original, votes_of(reply)["Not helpful"]))
    await fake.wait_for(lambda: stored_votes(bot))
    listed = await fake.reply_of(await fake.slash("kb", sub("feedback"), **MOD))
    text = listed["embeds"][0]["description"]
    assert "<@" not in text and "@everyone" not in text and "**" not in text.replace("\\*", "")
    assert "x x x" in text and "x " * 120 not in text, "clipped"
    (picker,) = components(listed)
    assert all(len(o["label"]) <= 100 and "<@" not in o["label"] for o in picker["options"])


async def test_stats_attach_a_chart(fake, bot):
    await ask(fake, PHD)
    await ask(fake, "what is the best pizza topping?")
    await fake.wait_for(lambda: read_stats(bot.database, 7).questions == 2)
    member = await fake.reply_of(await fake.slash("kb", sub("stats"), user_id=SOMEONE_ELSE))
    assert "moderators" in member["content"].lower() and not member.get("files")
    sent = await fake.slash("kb", sub("stats", days=7), **MOD)
    reply = await fake.reply_of(sent)
    (chart,) = reply["files"]
    assert chart["filename"] == "stats.png" and chart["data"].startswith(b"\x89PNG")
    embed = reply["embeds"][0]
    assert embed["image"]["url"] == "attachment://stats.png"
    assert embed["description"].startswith("2 questions in the last 7 days")
    assert "phd-required (1x)" in embed["fields"][0]["value"]


async def test_a_vote_that_cannot_be_saved_gets_one_private_sentence(fake, bot):
    sent, reply = await ask(fake, PHD)
    await fake.wait_for(lambda: read_stats(bot.database, 1).questions)
    for suffix in ("", "-wal", "-shm"):
        bot.database.path.with_name(bot.database.path.name + suffix).unlink(missing_ok=True)
    bot.database.path.mkdir()  # a folder where the database file should be
    answer = await fake.reply_of(await fake.click(sent.original, votes_of(reply)["Helpful"]))
    assert answer["flags"] & EPHEMERAL and "could not be saved" in answer["content"]


async def test_buttons_and_menus_are_refused_where_the_bot_does_not_serve(fake, bot):
    sent, reply = await ask(fake, PHD)
    elsewhere = {"guild_id": OTHER_GUILD_ID}
    related = next(c for c in components(reply) if c["custom_id"].startswith("answer:"))
    for custom_id in (votes_of(reply)["Helpful"], related["custom_id"]):
        for where in (elsewhere, {"guild_id": None}):  # another server, a DM
            refused = await fake.reply_of(await fake.click(sent.original, custom_id, **where))
            assert refused["flags"] & EPHEMERAL and refused["content"] == HOME_ONLY
    unsure, menu = await ask(fake, unsure_question(bot.matcher))
    pick = next(c for c in components(menu) if c["custom_id"].startswith("pick:"))
    refused = await fake.reply_of(
        await fake.click(
            unsure.original, pick["custom_id"], [pick["options"][0]["value"]], **elsewhere
        )
    )
    assert refused["content"] == HOME_ONLY
    assert stored_votes(bot) == [], "nothing recorded from elsewhere"
