"""Moderators curate over the fake Discord: add, edit, conflicts, remove, undo, export,
import (valid and invalid), refusals, unanswered, and a broken file dropped on disk."""

from __future__ import annotations

import re

import yaml

from bot.discord_adapter.app import CareerBot
from bot.records.activity import read_unanswered
from tests.conftest import recorded_changes

from .fake_discord import (
    MANAGER_ROLE_ID,
    MOD_LOG_CHANNEL_ID,
    MODERATOR_ROLE_ID,
    OTHER_GUILD_ID,
    FakeDiscord,
)
from .test_ask import EPHEMERAL, question

MOD = {"user_id": 400_000_000_000_000_010, "roles": (MODERATOR_ROLE_ID,)}
MANAGER = {"user_id": 400_000_000_000_000_011, "roles": (MANAGER_ROLE_ID,)}
MEMBER = {"user_id": 400_000_000_000_000_012}
NEW = {
    "Question": "How do I negotiate an ML job offer?",
    "Other ways members ask it, one per line": "\n".join(
        [
            "negotiate ml offer",
            "counter offer tips",
            "ask for more equity",
            "how to negotiate salary as an mle",
            "should I negotiate the sign-on",
            "negotiation advice for machine learning jobs",
        ]
    ),
    "Answer": "Get the whole offer in writing, then negotiate base, stock and sign-on in turn.",
    "Category": "Pay and offers",
    "Keywords, separated by commas": "negotiate, negotiation, counter offer",
}


def sub(name: str, **values: object) -> list[dict]:
    kinds = {str: 3, int: 4}
    return [
        {
            "name": name,
            "type": 1,
            "options": [{"name": k, "type": kinds[type(v)], "value": v} for k, v in values.items()],
        }
    ]


async def open_modal(fake: FakeDiscord, options: list[dict], who: dict) -> dict:
    sent = await fake.slash("kb", options, **who)
    (callback,) = await fake.wait_for(sent.callbacks)
    assert callback["type"] == 9, callback
    return callback["data"]


def defaults(modal: dict) -> dict[str, str]:
    fields = [row.get("component") or row["components"][0] for row in modal["components"]]
    return {
        (row.get("label") or f["label"]): f.get("value", "")
        for row, f in zip(modal["components"], fields, strict=True)
    }


async def recorded(fake: FakeDiscord, bot: CareerBot, count: int) -> None:
    """Unanswered questions are kept just after the reply: wait until they are."""
    await fake.wait_for(lambda: len(read_unanswered(bot.database)) >= count or None)


def audit(bot: CareerBot) -> list[dict]:
    return recorded_changes(bot.database)


async def test_moderator_adds_an_entry_that_members_then_get(fake, curating):
    modal = await open_modal(fake, sub("add"), MOD)
    reply = await fake.reply_of(await fake.submit(modal, NEW, **MOD))
    assert reply["content"].startswith("Added **how-do-i-negotiate-an-ml-job-offer**")
    assert reply["flags"] & EPHEMERAL
    answer = await fake.reply_of(await fake.slash("ask", question("how to negotiate ml offer")))
    assert answer["embeds"][0]["title"] == NEW["Question"]
    (record,) = audit(curating)
    assert (record["action"], record["actor_id"]) == ("add", str(MOD["user_id"]))
    log = await fake.wait_for(
        lambda: [m for m in fake.channel_messages if m["channel_id"] == str(MOD_LOG_CHANNEL_ID)]
    )
    assert "added `how-do-i-negotiate-an-ml-job-offer`" in log[0]["content"]


async def test_a_rejected_add_changes_nothing_and_gives_the_text_back(fake, curating):
    before = sorted(p.name for p in (curating.settings.knowledge_dir / "entries").iterdir())
    thin = {**NEW, "Other ways members ask it, one per line": "just one way"}
    modal = await open_modal(fake, sub("add"), MANAGER)
    reply = await fake.reply_of(await fake.submit(modal, thin, **MANAGER))
    assert "phrasings: has 1; write at least 6" in reply["content"]
    (kept,) = reply["files"]
    assert yaml.safe_load(kept["data"])["answer"] == NEW["Answer"]
    assert reply["components"][0]["components"][0]["label"] == "Edit and try again"
    after = sorted(p.name for p in (curating.settings.knowledge_dir / "entries").iterdir())
    assert after == before and audit(curating) == []


async def test_edit_opens_prefilled_and_saves(fake, curating, kb):
    modal = await open_modal(fake, sub("edit", entry="phd-required"), MOD)
    values = defaults(modal)
    assert values["Question"] == kb.by_id["phd-required"].question
    values["Answer"] = "No: skills and shipped projects matter more than the degree."
    reply = await fake.reply_of(await fake.submit(modal, values, **MOD))
    assert reply["content"].startswith("Saved **phd-required**")
    answer = await fake.reply_of(await fake.slash("ask", question("do I need a PhD?")))
    assert answer["embeds"][0]["description"] == values["Answer"]


async def test_two_moderators_editing_one_entry_get_a_save_and_a_conflict(fake, curating):
    first = await open_modal(fake, sub("edit", entry="phd-required"), MOD)
    second = await open_modal(fake, sub("edit", entry="phd-required"), MANAGER)
    mine = {**defaults(first), "Answer": "The first moderator's answer."}
    theirs = {**defaults(second), "Answer": "The second moderator's answer."}
    saved = await fake.reply_of(await fake.submit(first, mine, **MOD))
    conflict = await fake.reply_of(await fake.submit(second, theirs, **MANAGER))
    assert saved["content"].startswith("Saved")
    assert "changed 'phd-required' after you opened it" in conflict["content"]
    assert b"The second moderator's answer." in conflict["files"][0]["data"]
    assert [r["action"] for r in audit(curating)] == ["edit"]


async def confirm(fake: FakeDiscord, sent, who: dict) -> dict:
    prompt = await fake.reply_of(sent)
    button = prompt["components"][0]["components"][0]
    click = await fake.click(
        sent.original or fake.messages[max(fake.messages)], button["custom_id"], **who
    )
    return await fake.reply_of(click)


async def test_remove_asks_first_and_undo_brings_it_back(fake, curating, kb):
    linked = {target for entry in kb.entries for target in entry.related}
    loose = next(e.id for e in kb.entries if e.id not in linked)
    refused = await confirm(
        fake, await fake.slash("kb", sub("remove", entry="phd-required"), **MOD), MOD
    )
    assert "'phd-required' is not an entry" in refused["content"], "links must go first"
    done = await confirm(fake, await fake.slash("kb", sub("remove", entry=loose), **MOD), MOD)
    assert done["content"].startswith(f"Removed **{loose}**")
    assert loose not in curating.matcher.kb.by_id
    undo = await fake.reply_of(await fake.slash("kb", sub("undo"), **MOD))
    assert undo["content"].startswith(f"Undid the remove of `{loose}`")
    assert loose in curating.matcher.kb.by_id
    assert [r["action"] for r in audit(curating)] == ["remove", "undo"]


async def test_export_then_import_valid_and_invalid(fake, curating):
    exported = await fake.reply_of(await fake.slash("kb", sub("export"), **MOD))
    (attachment,) = exported["files"]
    data = yaml.safe_load(attachment["data"])
    assert len(data["entries"]) == 20
    for entry in data["entries"]:
        if entry["id"] == "phd-required":
            entry["answer"] = "Imported answer."
    upload_id, resolved = fake.upload("kb.yaml", yaml.safe_dump(data).encode())
    options = [
        {"name": "import", "type": 1, "options": [{"name": "file", "type": 11, "value": upload_id}]}
    ]
    sent = await fake.slash("kb", options, resolved={"attachments": {upload_id: resolved}}, **MOD)
    summary = await fake.reply_of(sent)
    assert "Change 1: phd-required" in summary["content"]
    assert (
        "Imported answer."
        not in (curating.settings.knowledge_dir / "entries" / "phd-required.yaml").read_text()
    ), "not before confirming"
    message = fake.messages[max(fake.messages)]
    click = await fake.click(message, summary["components"][0]["components"][0]["custom_id"], **MOD)
    done = await fake.reply_of(click)
    assert done["content"].startswith("Imported.")
    assert curating.matcher.kb.by_id["phd-required"].answer == "Imported answer."

    before = sorted((curating.settings.knowledge_dir / "entries").iterdir())
    bad_id, bad = fake.upload("bad.yaml", b"entries:\n  - id: Bad Id\n    question: x\n")
    options[0]["options"][0]["value"] = bad_id
    refused = await fake.reply_of(
        await fake.slash("kb", options, resolved={"attachments": {bad_id: bad}}, **MOD)
    )
    assert refused["content"].startswith("Not imported; the file has problems:")
    assert sorted((curating.settings.knowledge_dir / "entries").iterdir()) == before
    alias_id, alias = fake.upload("alias.yaml", b"a: &x [1]\nb: *x\n")
    options[0]["options"][0]["value"] = alias_id
    unsafe = await fake.reply_of(
        await fake.slash("kb", options, resolved={"attachments": {alias_id: alias}}, **MOD)
    )
    assert "anchors and aliases" in unsafe["content"]


async def test_non_moderators_are_refused_everywhere(fake, curating):
    for who in (MEMBER, {**MOD, "guild_id": OTHER_GUILD_ID}):
        reply = await fake.reply_of(await fake.slash("kb", sub("add"), **who))
        assert reply["flags"] & EPHEMERAL
        assert reply["content"] in (
            "Only moderators (Manage Server or a moderator role) can use /kb.",
            "I only answer in my home servers.",
        )
    assert audit(curating) == []


async def test_kb_test_and_unanswered(fake, curating):
    explained = await fake.reply_of(
        await fake.slash("kb", sub("test", question="do I need a PhD?"), **MOD)
    )
    assert "Decision: answer" in explained["content"] and "phd-required" in explained["content"]
    for text in ("best pizza in town", "where is the best pizza in town", "how do I knit"):
        await fake.reply_of(await fake.slash("ask", question(text)))
    await recorded(fake, curating, 3)
    report = await fake.reply_of(await fake.slash("kb", sub("unanswered", days=7), **MOD))
    lines = report["embeds"][0]["description"].splitlines()
    assert lines[0].startswith("2x ") and "pizza" in lines[0]
    assert lines[1].startswith("1x how do I knit")


async def test_a_broken_file_on_disk_keeps_the_old_knowledge_base(fake, curating):
    entries = curating.settings.knowledge_dir / "entries"
    (entries / "broken.yaml").write_text("id: broken\nquestion: [unclosed\n")
    log = await fake.wait_for(
        lambda: [m for m in fake.channel_messages if m["channel_id"] == str(MOD_LOG_CHANNEL_ID)]
    )
    assert "still serving the last good version" in log[0]["content"]
    assert "broken.yaml" in log[0]["content"]
    answer = await fake.reply_of(await fake.slash("ask", question("do I need a PhD?")))
    assert answer["embeds"], "the last good knowledge base still answers"
    (entries / "broken.yaml").unlink()
    (entries / "phd-required.yaml").write_text(
        (entries / "phd-required.yaml").read_text().replace("No. A PhD", "Not at all. A PhD")
    )
    await fake.wait_for(
        lambda: "Not at all" in curating.matcher.kb.by_id["phd-required"].answer or None
    )


async def test_an_unanswered_question_starts_a_new_entry(fake, curating):
    for _ in range(2):
        await fake.reply_of(await fake.slash("ask", question("how do I knit a scarf")))
    await recorded(fake, curating, 2)
    sent = await fake.slash("kb", sub("unanswered"), **MOD)
    report = await fake.reply_of(sent)
    assert sent.callbacks()[0]["type"] == 5, "deferred: grouping runs off the event loop"
    start_entry = report["components"][0]["components"][0]
    assert start_entry["options"][0]["description"] == "asked 2x"
    pick = await fake.click(sent.original, start_entry["custom_id"], ["0"], **MOD)
    (modal,) = await fake.wait_for(pick.callbacks)
    assert modal["type"] == 9
    assert defaults(modal["data"])["Question"] == "how do I knit a scarf"


async def test_kb_test_teaches_the_matcher_in_one_click(fake, curating):
    text = "do ML engineers get sign-on bonuses at startups"
    before = await fake.reply_of(await fake.slash("ask", question(text)))
    assert before["embeds"], "answered before a moderator says otherwise"
    sent = await fake.slash("kb", sub("test", question=text), **MOD)
    tested = await fake.reply_of(sent)
    topic = re.search(r"Nearest out-of-scope: +\d+ +([-\w]+):", tested["content"])[1]
    (phrasing,) = tested["components"][0]["components"]
    assert phrasing["options"][0]["value"] == "total-comp-components", "ranked first"
    buttons = {b["label"]: b["custom_id"] for b in tested["components"][1]["components"]}
    assert set(buttons) == {"Not total-comp-components", f"Out of scope ({topic})"}
    done = await fake.reply_of(
        await fake.click(sent.original, buttons[f"Out of scope ({topic})"], **MOD)
    )
    assert done["content"].startswith(f"Added to the out-of-scope topic `{topic}`")
    after = await fake.reply_of(await fake.slash("ask", question(text)))
    pointer = next(t.pointer for t in curating.matcher.kb.out_of_scope if t.name == topic)
    assert not after.get("embeds") and pointer in after["content"]
    assert [r["action"] for r in audit(curating)] == ["out-of-scope"]


async def test_an_out_of_scope_file_edited_on_disk_is_picked_up(fake, curating):
    path = curating.settings.knowledge_dir / "out_of_scope.yaml"
    path.write_text(
        path.read_text() + "  hobbies:\n    examples:\n      - what should I do on weekends\n"
    )
    await fake.wait_for(
        lambda: any(t.name == "hobbies" for t in curating.matcher.kb.out_of_scope) or None
    )
