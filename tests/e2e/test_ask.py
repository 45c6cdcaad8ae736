"""Members asking: /ask, autocomplete, "did you mean", /topics, mentions, answer channels."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import numpy as np

from bot.discord_adapter.cogs.ask import COOLDOWN_REACTION, MENTION_HELP
from bot.matching.matcher import Decision, Matcher, indexed_entries
from bot.records.activity import read_unanswered

from .fake_discord import (
    ANSWER_CHANNEL_ID,
    BOT_USER,
    CHANNEL_ID,
    OTHER_GUILD_ID,
    FakeDiscord,
)

EPHEMERAL = 64
ASKER = 400_000_000_000_000_001
SOMEONE_ELSE = 400_000_000_000_000_002


def question(text: str, private: bool | None = None) -> list[dict]:
    options = [{"name": "question", "type": 3, "value": text}]
    if private is not None:
        options.append({"name": "private", "type": 5, "value": private})
    return options


def custom_ids(message: dict) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"]]


def unsure_question(matcher: Matcher) -> str:
    for text in ("what should I learn", "machine learning money", "jobs", "pay and skills"):
        if matcher.match(text).decision is Decision.SUGGEST:
            return text
    raise AssertionError("no unsure question found: update this list")


async def test_ask_answers_with_an_embed_and_related_buttons(fake, bot, kb):
    sent = await fake.slash("ask", question("do i need a phd for ml?"))
    reply = await fake.reply_of(sent)
    embed = reply["embeds"][0]
    entry = kb.by_id["phd-required"]
    assert embed["title"] == entry.question
    assert embed["description"] == entry.answer.strip()
    assert embed["footer"]["text"].startswith(entry.category + " · match ")
    related, votes = custom_ids(reply)[:-2], custom_ids(reply)[-2:]
    assert related == [f"answer:{i}" for i in entry.related]
    assert [v.split(":")[0] + ":" + v.split(":")[-1] for v in votes] == [
        f"vote:{entry.id}",
        f"vote:{entry.id}",
    ]
    assert not reply.get("flags", 0) & EPHEMERAL
    assert reply["allowed_mentions"] == {"parse": []}


async def test_private_ask_is_ephemeral(fake, bot):
    reply = await fake.reply_of(await fake.slash("ask", question("do I need a PhD?", True)))
    assert reply["flags"] & EPHEMERAL


async def test_related_button_shows_that_answer_privately(fake, bot, kb):
    sent = await fake.slash("ask", question("do i need a phd for ml?"))
    await fake.reply_of(sent)
    related = kb.by_id["phd-required"].related[0]
    click = await fake.click(sent.original, f"answer:{related}", user_id=SOMEONE_ELSE)
    reply = await fake.reply_of(click)
    assert reply["embeds"][0]["title"] == kb.by_id[related].question
    assert reply["flags"] & EPHEMERAL


async def test_autocomplete_ranks_by_the_matcher_within_discord_limits(fake, bot, kb):
    options = [{"name": "question", "type": 3, "value": "salary senior", "focused": True}]
    sent = await fake.autocomplete("ask", options)
    (callback,) = await fake.wait_for(sent.callbacks)
    choices = callback["data"]["choices"]
    assert callback["type"] == 8 and 1 <= len(choices) <= 25
    assert choices[0]["value"] == kb.by_id["salary-ranges-by-level"].question
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)


async def test_empty_autocomplete_lists_the_most_asked_first(fake, bot, kb):
    for _ in range(2):
        await fake.reply_of(
            await fake.slash("ask", question("how much do ML engineers earn in SF"))
        )
    options = [{"name": "question", "type": 3, "value": "", "focused": True}]
    (callback,) = await fake.wait_for((await fake.autocomplete("ask", options)).callbacks)
    assert callback["data"]["choices"][0]["value"] == kb.by_id["salary-by-city"].question


async def test_did_you_mean_then_pick_shows_the_answer(fake, bot, lexical, kb):
    text = unsure_question(lexical)
    sent = await fake.slash("ask", question(text))
    reply = await fake.reply_of(sent)
    assert reply["content"].startswith("I'm not sure")
    (select,) = reply["components"][0]["components"]
    assert select["custom_id"].startswith(f"pick:{ASKER}:")
    reference = select["custom_id"].rsplit(":", 1)[1]
    picked = select["options"][0]["value"]
    pick = await fake.click(sent.original, select["custom_id"], [picked])
    (callback,) = await fake.wait_for(pick.callbacks)
    assert callback["type"] == 7, "the asker's pick replaces the menu with the answer"
    assert callback["data"]["embeds"][0]["title"] == kb.by_id[picked].question
    votes = [c for row in callback["data"]["components"] for c in row["components"]][-2:]
    assert [v["custom_id"] for v in votes] == [
        f"vote:+{reference}:{picked}",
        f"vote:-{reference}:{picked}",
    ]
    record = (await fake.wait_for(lambda: read_unanswered(bot.database)))[-1]
    assert record["question"] == text and record["decision"] == "suggest"
    assert str(ASKER) not in json.dumps(record), "no member id is kept"


async def test_someone_elses_pick_is_shown_only_to_them(fake, bot, lexical):
    sent = await fake.slash("ask", question(unsure_question(lexical)))
    reply = await fake.reply_of(sent)
    select = reply["components"][0]["components"][0]
    pick = await fake.click(
        sent.original, select["custom_id"], [select["options"][0]["value"]], user_id=SOMEONE_ELSE
    )
    answer = await fake.reply_of(pick)
    assert answer["flags"] & EPHEMERAL and answer["embeds"]


async def test_off_topic_is_declined_and_points_to_topics(fake, bot):
    reply = await fake.reply_of(await fake.slash("ask", question("how do I bake sourdough bread")))
    assert "/topics" in reply["content"] and not reply.get("embeds")
    records = await fake.wait_for(lambda: read_unanswered(bot.database))  # kept after the reply
    assert records[-1]["decision"] == "decline"


async def test_topics_navigates_category_entry_answer_and_back(fake, bot, kb):
    sent = await fake.slash("topics")
    home = await fake.reply_of(sent)
    assert home["flags"] & EPHEMERAL
    menu = home["components"][0]["components"][0]
    assert [o["value"] for o in menu["options"]] == list(kb.categories())
    category = menu["options"][0]["value"]
    step = await fake.click(sent.original, "topics:category", [category])
    (listing,) = await fake.wait_for(step.callbacks)
    entries = listing["data"]["components"][0]["components"][0]["options"]
    assert [o["value"] for o in entries] == [e.id for e in kb.categories()[category]]
    step = await fake.click(sent.original, "topics:entry", [entries[0]["value"]])
    (answer,) = await fake.wait_for(step.callbacks)
    assert answer["data"]["embeds"][0]["title"] == kb.by_id[entries[0]["value"]].question
    assert "topics:home" in custom_ids(answer["data"])
    back = await fake.click(sent.original, "topics:home")
    (again,) = await fake.wait_for(back.callbacks)
    assert again["data"]["components"][0]["components"][0]["custom_id"] == "topics:category"


def channel_replies(fake: FakeDiscord, channel_id: int) -> list[dict]:
    return [m for m in fake.channel_messages if m["channel_id"] == str(channel_id)]


def replies_once(fake: FakeDiscord, channel_id: int, count: int) -> list[dict] | None:
    replies = channel_replies(fake, channel_id)
    return replies if len(replies) >= count else None


async def test_a_mention_gets_the_answer_as_a_reply(fake, bot, kb):
    posted = await fake.post(f"<@{BOT_USER['id']}> do I need a PhD?", mentions=[BOT_USER])
    (reply,) = await fake.wait_for(lambda: channel_replies(fake, CHANNEL_ID))
    assert reply["embeds"][0]["title"] == kb.by_id["phd-required"].question
    assert int(reply["message_reference"]["message_id"]) == posted
    assert reply["allowed_mentions"]["parse"] == [] and not reply["allowed_mentions"].get(
        "replied_user"
    )


async def test_an_empty_mention_and_an_off_topic_mention_both_get_a_reply(fake, bot):
    await fake.post(f"<@{BOT_USER['id']}>", mentions=[BOT_USER])
    await fake.post(f"<@{BOT_USER['id']}> best pizza in town?", mentions=[BOT_USER])
    first, second = await fake.wait_for(lambda: replies_once(fake, CHANNEL_ID, 2))
    assert first["content"] == MENTION_HELP
    assert "/topics" in second["content"]


async def test_everyone_in_a_question_pings_nobody(fake, bot):
    await fake.post(
        f"@everyone <@&123> <@{ASKER}> <@{BOT_USER['id']}> do I need a PhD?", mentions=[BOT_USER]
    )
    (reply,) = await fake.wait_for(lambda: channel_replies(fake, CHANNEL_ID))
    assert reply["allowed_mentions"] == {"parse": [], "replied_user": False}


async def test_an_answer_channel_gets_answers_only_never_a_did_you_mean(fake, bot, kb):
    unsure = "ml engineer pay?"
    assert bot.matcher.match(unsure).decision is Decision.SUGGEST
    await fake.post(unsure, channel_id=ANSWER_CHANNEL_ID)
    await fake.wait_for(lambda: [q for q in read_unanswered(bot.database) if q] or None)
    assert channel_replies(fake, ANSWER_CHANNEL_ID) == [], "unsure: silence, kept as unanswered"
    two = "do I need a PhD for ML? and is ML a good career?"
    assert bot.matcher.match(two).suggestions, "asked with /ask, the unsure part gets choices"
    await fake.post(two, channel_id=ANSWER_CHANNEL_ID)
    (reply,) = await fake.wait_for(lambda: channel_replies(fake, ANSWER_CHANNEL_ID))
    assert [e["title"] for e in reply["embeds"]] == [kb.by_id["phd-required"].question]
    ids = [c["custom_id"] for row in reply["components"] for c in row["components"]]
    assert not [i for i in ids if i.startswith("pick:")], "no did-you-mean menu"


async def test_answer_channel_answers_questions_and_ignores_the_rest(fake, bot, kb):
    await fake.post("good morning everyone", channel_id=ANSWER_CHANNEL_ID)
    await fake.post("what is the best pizza topping?", channel_id=ANSWER_CHANNEL_ID)
    await fake.post("do I need a PhD?", channel_id=ANSWER_CHANNEL_ID, bot=True)
    await fake.post("do I need a PhD?", channel_id=CHANNEL_ID)  # not an answer channel
    await fake.post("do I need a PhD?", channel_id=ANSWER_CHANNEL_ID, guild_id=OTHER_GUILD_ID)
    await fake.post("do I need a PhD for machine learning?", channel_id=ANSWER_CHANNEL_ID)
    (reply,) = await fake.wait_for(lambda: channel_replies(fake, ANSWER_CHANNEL_ID))
    assert reply["embeds"][0]["title"] == kb.by_id["phd-required"].question
    assert fake.channel_messages == [reply], "only the last message deserved an answer"


async def test_cooldown_gives_an_ephemeral_notice(fake, bot):
    bot.get_cog("Ask").cooldown.clock = lambda: 1000.0  # frozen time: deterministic
    for _ in range(5):
        assert (await fake.reply_of(await fake.slash("ask", question("do I need a PhD?"))))[
            "embeds"
        ]
    notice = await fake.reply_of(await fake.slash("ask", question("do I need a PhD?")))
    assert notice["flags"] & EPHEMERAL and "try again in 30 seconds" in notice["content"]
    other = await fake.reply_of(
        await fake.slash("ask", question("do I need a PhD?"), user_id=SOMEONE_ELSE)
    )
    assert other["embeds"], "the cooldown is per member"
    await fake.post(f"<@{BOT_USER['id']}> do I need a PhD?", mentions=[BOT_USER])
    ((_, _, emoji),) = await fake.wait_for(lambda: fake.reactions)
    assert emoji == COOLDOWN_REACTION and not channel_replies(fake, CHANNEL_ID)


def waiting_matcher(
    lexical: Matcher, until: threading.Event, then: Exception | None = None
) -> Matcher:
    """The lexical matcher with a costly scorer that waits until `until` is set (the fake
    has seen the "thinking" callback: no timing race), then scores nothing or raises `then`."""

    class WaitingScorer:
        name = "waiting"
        costly = True
        busy = False

        def prepare(self, questions: list[str]) -> list:
            return []

        def score(self, question: str) -> np.ndarray:
            assert until.wait(10), "the bot never deferred"
            if then is not None:
                raise then
            return np.zeros(len(indexed_entries(lexical.kb)), np.float32)

    return Matcher(lexical.kb, [*lexical.scorers, (WaitingScorer(), 0.0)], lexical.model)


async def test_a_slow_answer_is_deferred_first(fake, bot, lexical):
    deferred = threading.Event()
    bot.matcher = waiting_matcher(lexical, deferred)
    bot.get_cog("Ask").defer_after = 0.05
    sent = await fake.slash("ask", question("do I need a PhD?"))
    (callback,) = await fake.wait_for(sent.callbacks)
    assert callback["type"] == 5
    deferred.set()
    reply = await fake.reply_of(sent)
    assert reply["embeds"][0]["title"].startswith("Do I need a PhD")


async def test_an_error_reaches_the_member_as_one_sentence(fake, bot, lexical, caplog):
    class BrokenScorer:
        name = "broken"
        costly = False

        def score(self, question: str) -> np.ndarray:
            raise RuntimeError("boom")

    bot.matcher = Matcher(lexical.kb, [(BrokenScorer(), 1.0)], lexical.model)
    reply = await fake.reply_of(await fake.slash("ask", question("do I need a PhD?")))
    assert reply["flags"] & EPHEMERAL
    assert reply["content"].startswith("Sorry, something went wrong on my side (reference `")
    reference = reply["content"].split("`")[1]
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)


async def test_other_servers_are_refused(fake, bot):
    sent = await fake.slash("ask", question("do I need a PhD?"), guild_id=OTHER_GUILD_ID)
    reply = await fake.reply_of(sent)
    assert reply["flags"] & EPHEMERAL and "home servers" in reply["content"]


async def test_an_error_in_a_button_reaches_the_member_too(fake, bot, kb, monkeypatch):
    sent = await fake.slash("ask", question("do i need a phd for ml?"))
    await fake.reply_of(sent)

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("bot.discord_adapter.views.answers.answer_reply", broken)
    related = kb.by_id["phd-required"].related[0]
    reply = await fake.reply_of(await fake.click(sent.original, f"answer:{related}"))
    assert reply["flags"] & EPHEMERAL
    assert reply["content"].startswith("Sorry, something went wrong on my side (reference `")


async def test_a_post_asking_two_things_gets_both_answers_in_one_message(fake, bot, kb):
    post = (
        "Do I need a PhD to work in machine learning? And separately, which ML "
        "specialization pays the most?"
    )
    reply = await fake.reply_of(await fake.slash("ask", question(post)))
    titles = {embed["title"] for embed in reply["embeds"]}
    assert titles == {
        kb.by_id["phd-required"].question,
        kb.by_id["top-paying-specializations"].question,
    }


async def test_a_long_answer_set_is_shortened_to_fit_one_message(fake, bot, kb, monkeypatch):
    """Three answers of 1,500 characters each would pass 6,000 with titles: shortened."""
    from bot.matching.matcher import Decision, Match

    long = [replace(e, answer="word " * 300) for e in kb.entries[:3]]
    match = Match("q", Decision.ANSWER, tuple(long), 90, (kb.entries[3],), ())
    monkeypatch.setattr(bot.matcher, "start", lambda question: match)
    reply = await fake.reply_of(await fake.slash("ask", question("three things at once")))
    assert len(reply["embeds"]) == 3 and reply["components"], "answers plus did-you-mean"
    assert sum(len(e["description"]) + len(e["title"]) for e in reply["embeds"]) <= 6000


async def test_an_out_of_scope_question_is_declined_with_its_pointer(fake, bot, kb):
    topic = next(t for t in kb.out_of_scope if t.name == "negotiation")
    reply = await fake.reply_of(
        await fake.slash("ask", question("how should I negotiate my ML offer with the recruiter?"))
    )
    assert not reply.get("embeds") and topic.pointer in reply["content"]


async def test_an_error_after_a_public_defer_reaches_only_the_member(fake, bot, lexical):
    """Discord turns the first follow-up after a public "thinking…" into that public message
    (whatever its ephemeral flag): the error must not land there, for the channel to see."""
    deferred = threading.Event()
    bot.matcher = waiting_matcher(lexical, deferred, then=RuntimeError("boom"))
    bot.get_cog("Ask").defer_after = 0.05
    sent = await fake.slash("ask", question("do I need a PhD?"))
    (callback,) = await fake.wait_for(sent.callbacks)
    assert callback["type"] == 5 and not (callback.get("data") or {}).get("flags"), "public"
    thinking = sent.original
    deferred.set()
    error = await fake.wait_for(lambda: [b for k, b in sent.events if k == "followup"])
    assert thinking["deleted"], "the public loading message is taken away"
    shown = fake.messages[max(fake.messages)]
    assert shown["content"].startswith("Sorry, something went wrong") and error
    assert shown["flags"] & EPHEMERAL, "only the member sees the error"
