"""Members' text on the dashboard is text: script tags, masked links, invisible and
direction-control characters, terminal escapes and 4,000-character lines are shown escaped,
never as markup, on every page that quotes them."""

from __future__ import annotations

from bot.knowledge.entry_yaml import dump_entry
from bot.records.activity import record_unanswered
from bot.records.feedback import record_question, vote
from tests.dashboard.conftest import signed_in
from tests.test_hostile_text import ESCAPES

HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "[free salary data](https://evil.example/steal)",
    "pay\u200b\u202egnp.exe\u202c",
    "{{ 7*7 }} {% raw %}",
    ESCAPES,
)
LONG = "x" * 4000


def assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert '<a href="https://evil.example' not in html  # a masked link stays text
    assert "{{ 7*7 }} {% raw %}" in html  # a template's syntax, shown as typed


async def test_hostile_questions_render_as_text_everywhere(client, dashboard):
    database = dashboard.store.database
    matcher = dashboard.matcher()
    question = " ".join(HOSTILE) + " pizza toppings " + LONG
    record_unanswered(database, matcher.match(question), 111, 2)
    record_question(database, 9, matcher.match(question), "ask", 111, 2)
    vote(database, 5, "phd-required", 9, False, 111, 2)
    await signed_in(client, dashboard)
    for path in ("/unanswered", "/feedback", "/stats"):
        answer = await client.get(path)
        assert answer.status == 200, path
        assert_inert(await answer.text())
    tried = await client.get("/try", params={"q": " ".join(HOSTILE)})
    assert_inert(await tried.text())
    searched = await client.get("/", params={"q": " ".join(HOSTILE)})
    assert_inert(await searched.text())


async def test_a_hostile_answer_is_text_on_the_entry_page_and_in_the_form(client, dashboard):
    document = dashboard.store.document("phd-required")
    path = dashboard.store.knowledge_dir / "entries" / "phd-required.yaml"
    path.write_text(dump_entry({**document, "answer": " ".join(HOSTILE[:3])}))
    await signed_in(client, dashboard)
    for page in ("/entries/phd-required", "/entries/phd-required/edit"):
        html = await (await client.get(page)).text()
        assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 1, page
        assert "<script>alert" not in html and "<img src=x" not in html
