"""Every dashboard page against a copy of the real knowledge base, and every change through
the store: validated (problems beside the field), atomic, audited as the member, undoable,
announced like the changes made from Discord."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.knowledge.entry_yaml import dump_entry, version_of
from bot.knowledge.transaction import Actor
from bot.matching.build import lexical_matcher
from bot.records.activity import read_unanswered, record_unanswered
from bot.records.feedback import give_reason, record_question, vote
from bot.records.sign_in import operator_actor
from bot.web_adapter.changes import MOVED_ON
from tests.conftest import recorded_changes
from tests.dashboard.conftest import csrf_of, shown, signed_in


def version_on(html: str) -> str:
    return re.search(r'name="version" value="([0-9a-f]*)"', html).group(1)


async def edit_form(client, entry_id: str = "phd-required") -> tuple[str, str]:
    html = await (await client.get(f"/entries/{entry_id}/edit")).text()
    return csrf_of(html), version_on(html)


def typed(document: dict, **changes: str) -> dict[str, str]:
    values = {
        "question": document["question"],
        "category": document["category"],
        "answer": document["answer"],
        "phrasings": "\n".join(document["phrasings"]),
        "keywords": ", ".join(document.get("keywords", [])),
        "not": "\n".join(document.get("not", [])),
    }
    return values | changes


async def test_the_entries_list_shows_counts_votes_and_searches(client, dashboard, world):
    database = dashboard.store.database
    with database.transaction() as db:
        db.execute("INSERT INTO ask_counts VALUES ('phd-required', 17)")
    vote(database, 5, "phd-required", 0, True, 111, 2)
    vote(database, 6, "phd-required", 0, False, 111, 2)
    await signed_in(client, dashboard)
    html = await (await client.get("/")).text()
    assert f"{len(dashboard.store.documents())} of {len(dashboard.store.documents())}" in html
    row = html[html.index("<code>phd-required</code>") :].split("</tr>")[0]
    assert re.findall(r'class="number">(\d+)<', row) == ["17", "1", "1"]
    assert world.reports[-1] == "entry_votes"  # votes are counted in the report worker
    found = await (await client.get("/?q=phd")).text()
    assert "phd-required" in found and "negotiat" not in found.lower()


async def test_the_entry_page_shows_everything_about_an_entry(client, dashboard):
    await signed_in(client, dashboard)
    document = dashboard.store.document("phd-required")
    html = await (await client.get("/entries/phd-required")).text()
    assert shown(document["question"]) in html
    assert all(shown(p) in html for p in document["phrasings"])
    assert "data-markdown" in html and 'action="/entries/phd-required/remove"' in html


async def test_an_edit_is_saved_through_the_store_as_the_member(client, dashboard, world):
    await signed_in(client, dashboard)
    csrf, version = await edit_form(client)
    document = dashboard.store.document("phd-required")
    fields = typed(document, answer="**No.** Most ML jobs ask for skills, not a doctorate.")
    answer = await client.post(
        "/entries/phd-required/edit", data={**fields, "csrf": csrf, "version": version}
    )
    assert answer.status == 200 and "Saved phd-required." in await answer.text()
    saved = dashboard.store.document("phd-required")
    assert saved["answer"] == "**No.** Most ML jobs ask for skills, not a doctorate."
    assert saved["phrasings"] == document["phrasings"] and saved["source"] == document["source"]
    [change] = recorded_changes(dashboard.store.database)
    assert (change["action"], change["actor_id"]) == ("edit", "42")
    assert dashboard.store.history("phd-required")[0]["actor"] == "ada"
    assert world.notices == ["ada edited `phd-required` in the dashboard"]
    matcher = dashboard.matcher()
    assert matcher.kb.by_id["phd-required"].answer.startswith("**No.**")  # the matcher reloaded


async def test_validation_problems_are_shown_beside_their_field_with_the_text_kept(
    client, dashboard
):
    await signed_in(client, dashboard)
    csrf, version = await edit_form(client)
    document = dashboard.store.document("phd-required")
    fields = typed(document, answer="", phrasings="only one way to ask")
    answer = await client.post(
        "/entries/phd-required/edit", data={**fields, "csrf": csrf, "version": version}
    )
    assert answer.status == 400
    html = await answer.text()
    assert "Not saved: fix the problems marked below." in html
    assert re.search(r'id="answer"[^>]*aria-invalid="true"', html)
    assert re.search(r'<p class="field-problem" id="phrasings-problem">[^<]+</p>', html)
    assert "only one way to ask</textarea>" in html
    assert dashboard.store.document("phd-required") == document
    assert recorded_changes(dashboard.store.database) == []


async def test_a_stale_version_shows_who_changed_it_and_both_versions(client, dashboard):
    await signed_in(client, dashboard)
    csrf, version = await edit_form(client)
    document = dashboard.store.document("phd-required")
    theirs = {**document, "answer": "Their newer answer."}
    dashboard.store.edit("phd-required", theirs, Actor("7", "grace", 111), version)
    mine = typed(document, answer="My answer, typed before theirs.")
    answer = await client.post(
        "/entries/phd-required/edit", data={**mine, "csrf": csrf, "version": version}
    )
    assert answer.status == 409
    html = await answer.text()
    assert "Not saved: grace (edit," in html and "changed this entry after you opened it" in html
    assert "Their newer answer." in html  # their version
    assert "My answer, typed before theirs.</textarea>" in html  # and yours, in the form
    assert dashboard.store.document("phd-required")["answer"] == "Their newer answer."
    assert version_on(html) == version_of(dashboard.store.document("phd-required"))


async def test_add_and_remove_an_entry(client, dashboard, world):
    await signed_in(client, dashboard)
    csrf = csrf_of(await (await client.get("/new")).text())
    phrasings = "\n".join(f"how do I get a visa number {n}" for n in range(6))
    fields = {
        "question": "How do I get a work visa for an ML job?",
        "category": "Job search",
        "answer": "Ask the employer whether they sponsor visas.",
        "phrasings": phrasings,
        "keywords": "visa, sponsorship",
        "not": "",
        "csrf": csrf,
    }
    answer = await client.post("/new", data=fields)
    assert answer.status == 200, await answer.text()
    entry_id = "how-do-i-get-a-work-visa-for-an-ml-job"
    document = dashboard.store.document(entry_id)
    assert document["keywords"] == ["visa", "sponsorship"]
    assert document["source"] == "Written in the dashboard by ada"
    html = await (await client.get(f"/entries/{entry_id}")).text()
    removed = await client.post(
        f"/entries/{entry_id}/remove", data={"csrf": csrf, "version": version_on(html)}
    )
    assert removed.status == 200 and f"Removed {entry_id}." in await removed.text()
    assert entry_id not in dashboard.store.documents()
    assert [c["action"] for c in recorded_changes(dashboard.store.database)] == ["add", "remove"]
    assert world.notices[-1] == f"ada removed `{entry_id}` in the dashboard"


async def test_try_a_question_shows_the_kb_test_explanation(client, dashboard):
    await signed_in(client, dashboard)
    html = await (await client.get("/try?q=do+I+need+a+PhD+for+ML")).text()
    assert "<h2>Decision: answer</h2>" in html
    assert "lexical matching" in html
    assert re.search(r"confidence 0\.\d\d that phd-required answers it", html)
    assert "Nearest out-of-scope example" in html
    long = await (await client.get("/try?q=" + "a" * 4001)).text()
    assert "A question may be up to" in long


async def test_history_shows_diffs_and_undoes_the_latest_change(client, dashboard, world):
    csrf = await signed_in(client, dashboard)
    store = dashboard.store
    document = store.document("phd-required")
    store.edit(
        "phd-required",
        {**document, "category": "Renamed"},
        Actor("7", "grace"),
        version_of(document),
    )
    html = await (await client.get("/history")).text()
    assert "grace · edit · phd-required" in html
    assert '<span class="add">+category: Renamed</span>' in html
    batch = re.search(r'name="batch" value="([0-9a-f]+)"', html).group(1)
    other = (
        store.document("salary-negotiation") if "salary-negotiation" in store.documents() else None
    )
    undone = await client.post("/undo", data={"csrf": csrf, "batch": batch})
    assert undone.status == 200 and "Undid the latest change (edit)." in await undone.text()
    assert store.document("phd-required") == document
    assert world.notices == ["ada undid the edit of `phd-required` by grace in the dashboard"]
    again = await client.post("/undo", data={"csrf": csrf, "batch": batch})
    assert again.status == 409 and shown(MOVED_ON) in await again.text()
    assert other is None or store.document("salary-negotiation") == other


async def test_an_unanswered_question_is_taught_in_one_click(client, dashboard, world):
    database = dashboard.store.database
    matcher = dashboard.matcher()
    for question in ("is a doctorate worth it for research jobs", "pizza toppings near me"):
        for _ in range(2):
            record_unanswered(database, matcher.match(question), 111, 2)
    csrf = await signed_in(client, dashboard)
    html = await (await client.get("/unanswered")).text()
    assert "2 groups of similar questions" in html
    assert '<option value="phd-required">' in html
    taught = await client.post(
        "/unanswered/phrasing",
        data={
            "csrf": csrf,
            "question": "is a doctorate worth it for research jobs",
            "entry": "phd-required",
            "days": "30",
        },
    )
    assert taught.status == 200
    assert (
        "is a doctorate worth it for research jobs"
        in dashboard.store.document("phd-required")["phrasings"]
    )
    assert [r["question"] for r in read_unanswered(database)] == ["pizza toppings near me"] * 2
    assert world.notices == ["ada taught `phd-required` a phrasing in the dashboard"]
    scoped = await client.post(
        "/unanswered/out-of-scope",
        data={"csrf": csrf, "question": "pizza toppings near me", "topic": "food", "days": "30"},
    )
    assert scoped.status == 200
    topics = {t.name: t for t in lexical_matcher(dashboard.store.load()).kb.out_of_scope}
    assert "pizza toppings near me" in topics["food"].examples
    assert read_unanswered(database) == []


async def test_dismiss_removes_only_that_group(client, dashboard):
    database = dashboard.store.database
    matcher = dashboard.matcher()
    for question in ("pizza toppings near me", "best pizza toppings near me", "cheap flights"):
        record_unanswered(database, matcher.match(question), 111, 2)
    csrf = await signed_in(client, dashboard)
    answer = await client.post(
        "/unanswered/dismiss", data={"csrf": csrf, "question": "pizza toppings near me"}
    )
    assert answer.status == 200 and "Dismissed 2 questions." in await answer.text()
    assert [r["question"] for r in read_unanswered(database)] == ["cheap flights"]
    assert recorded_changes(database) == []  # the knowledge base is untouched


async def test_feedback_shows_votes_with_reasons_newest_first(client, dashboard, world):
    database = dashboard.store.database
    matcher = dashboard.matcher()
    record_question(database, 9, matcher.match("do I need a PhD"), "ask", 111, 2)
    record_question(database, 10, matcher.match("is a doctorate required"), "ask", 111, 2)
    vote(database, 5, "phd-required", 9, False, 111, 2)
    give_reason(database, 5, "phd-required", 9, "outdated")
    earlier = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    with database.transaction() as db:  # the first vote came a day earlier
        db.execute("UPDATE feedback SET time = ?", (earlier,))
    vote(database, 6, "phd-required", 10, True, 111, 2)
    await signed_in(client, dashboard)
    html = await (await client.get("/feedback?days=7")).text()
    assert '1 helpful · <span aria-hidden="true">👎</span> 1 not helpful' in html
    newest = html.index('helpful: <span class="asked">is a doctorate required</span>')
    oldest = html.index('not helpful (outdated): <span class="asked">do I need a PhD</span>')
    assert newest < oldest
    assert world.reports[-1] == "votes_newest_first"
    assert "Days must be a whole number" in await (await client.get("/feedback?days=0")).text()


async def test_stats_show_the_chart_and_the_tops(client, dashboard, world):
    database = dashboard.store.database
    record_question(database, 9, dashboard.matcher().match("do I need a PhD"), "ask", 111, 2)
    await signed_in(client, dashboard)
    html = await (await client.get("/stats?days=14")).text()
    assert '<img class="chart" src="data:image/png;base64,iVBOR' in html
    assert '<a href="/entries/phd-required">phd-required</a>: 1' in html
    assert "1 question in the last 14 days" in html
    assert world.reports[-1] == "stats_and_chart"


async def test_out_of_scope_topics_are_edited_through_the_store(client, dashboard):
    csrf = await signed_in(client, dashboard)
    html = await (await client.get("/out-of-scope")).text()
    first = dashboard.matcher().kb.out_of_scope[0]
    assert shown(first.examples[0]) in html
    answer = await client.post(
        "/out-of-scope",
        data={
            "csrf": csrf,
            "topic": "weather",
            "pointer": "Try a weather site.",
            "examples": "is it sunny\nwill it rain",
        },
    )
    assert answer.status == 200
    topics = {t.name: t for t in dashboard.store.load().out_of_scope}
    assert topics["weather"].examples == ("is it sunny", "will it rain")
    assert topics["weather"].pointer == "Try a weather site."
    bad = await client.post(
        "/out-of-scope", data={"csrf": csrf, "topic": "Not Kebab", "examples": "typed words"}
    )
    html = await bad.text()
    assert bad.status == 400 and "Not saved: Not Kebab: topic: must be kebab-case" in html
    assert 'value="Not Kebab"' in html and "typed words</textarea>" in html
    stale = await client.post(
        "/out-of-scope", data={"csrf": "old", "topic": "weather", "examples": "kept here"}
    )
    assert stale.status == 403 and "kept here</textarea>" in await stale.text()
    assert [c["action"] for c in recorded_changes(dashboard.store.database)] == ["out-of-scope"]


async def test_the_operator_signs_in_as_dashboard_and_needs_no_discord(client, dashboard, world):
    csrf = await signed_in(client, dashboard, operator_actor("root"))
    world.refused["dashboard:root"] = "never asked"
    document = dashboard.store.document("phd-required")
    csrf, version = await edit_form(client)
    answer = await client.post(
        "/entries/phd-required/edit",
        data={**typed(document, category="Getting in"), "csrf": csrf, "version": version},
    )
    assert answer.status == 200
    assert dashboard.store.history("phd-required")[0]["actor"] == "dashboard"
    assert world.rights_asked == []
    assert dump_entry(dashboard.store.document("phd-required")).count("Getting in") == 1
