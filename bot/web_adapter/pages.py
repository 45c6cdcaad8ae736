"""Pages from Jinja2 templates, every value escaped (autoescape): members' questions and
reasons are shown as text, never as markup."""

from __future__ import annotations

import jinja2
from aiohttp import web

from bot.knowledge.loader import MAX_ANSWER_CHARS
from bot.web_adapter.context import SESSION

NAVIGATION = (
    ("/", "Entries"),
    ("/try", "Try a question"),
    ("/unanswered", "Unanswered"),
    ("/feedback", "Feedback"),
    ("/stats", "Stats"),
    ("/history", "History"),
    ("/out-of-scope", "Out of scope"),
)
# What a redirect after a change may say (`?done=KEY&id=ID`): fixed sentences, so a link
# cannot put words of its own on the page.
NOTICES = {
    "saved": "Saved {id}. Undo on the History page reverts it.",
    "added": "Added {id}. Undo on the History page reverts it.",
    "removed": "Removed {id}. Undo on the History page brings it back.",
    "undone": "Undid the latest change ({id}).",
    "phrasing": "Added as a phrasing of {id}; the question left the list.",
    "not": "Added as a question that {id} does not answer.",
    "scope": "Added to the out-of-scope topic {id}; the question left the list.",
    "dismissed": "Dismissed {id} questions.",
    "signed-in": "Signed in as {id}.",
}
EMBED_DESCRIPTION_CHARS = 4096  # Discord's limit for an embed's description

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("bot.web_adapter", "templates"),
    autoescape=True,  # every template, whatever its name
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.globals.update(
    navigation=NAVIGATION,
    max_answer=MAX_ANSWER_CHARS,
    embed_limit=EMBED_DESCRIPTION_CHARS,
)


def page(request: web.Request, template: str, status: int = 200, **values: object) -> web.Response:
    session = request.get(SESSION)
    html = TEMPLATES.get_template(template).render(
        session=session,
        csrf=session.csrf if session else "",
        path=request.path,
        notice=values.pop("notice", None) or notice(request),
        **values,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def notice(request: web.Request) -> str:
    sentence = NOTICES.get(request.query.get("done", ""))
    return sentence.format(id=request.query.get("id", "")[:100]) if sentence else ""
