"""Reviewing how the bot does: try a question (the `kb test` explanation), the unanswered
questions with one-click teaching, feedback, and the stats chart. The reports run in the
report worker, as /kb's do, so a long history never holds up the bot's answers."""

from __future__ import annotations

import asyncio
import base64
from urllib.parse import quote

import numpy as np
from aiohttp import web

from bot.knowledge.model import KnowledgeBaseError, StoreError
from bot.knowledge.scope import DEFAULT_TOPIC
from bot.matching.explain import examine
from bot.matching.matcher import MAX_QUESTION_CHARS, Matcher
from bot.records.activity import UnansweredGroup
from bot.records.feedback import REASONS
from bot.rendering import reports, usage
from bot.web_adapter.context import dashboard_of
from bot.web_adapter.guard import Refused, change_request, signed_in
from bot.web_adapter.pages import page

routes = web.RouteTableDef()
GROUPS_SHOWN = 20  # unanswered groups per page, each with its closest entries
CLOSEST = 5


def days_of(request: web.Request | dict[str, str], default: int = 30) -> int:
    text = (request.query if isinstance(request, web.Request) else request).get("days", "")
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 365):
        raise Refused("Days must be a whole number from 1 to 365.")
    return int(text)


@routes.get("/try")
async def try_question(request: web.Request) -> web.Response:
    await signed_in(request)
    question = request.query.get("q", "")
    tested, sentence = None, ""
    if len(question) > MAX_QUESTION_CHARS:
        sentence = f"A question may be up to {MAX_QUESTION_CHARS} characters; shorten it."
    elif question.strip():
        matcher = dashboard_of(request).matcher()
        tested = await asyncio.to_thread(examine, matcher, question)
    mode = dashboard_of(request).matcher().mode
    return page(request, "try.html", question=question, tested=tested, mode=mode, sentence=sentence)


def _teaching_choices(matcher: Matcher, groups: list[UnansweredGroup]) -> list[dict[str, object]]:
    """Each group with the entries and the out-of-scope topic closest to its question, by
    the lexical scores alone (as autocomplete ranks): twenty questions never wait for the
    encoder. The group's own closest entry, when the bot offered one, comes first."""
    lexical = [scorer for scorer, _ in matcher.scorers if scorer.name == "lexical"]
    entries = matcher.kb.entries
    shown = []
    for group in groups[:GROUPS_SHOWN]:
        scores = lexical[0].score(group.example) if lexical else np.zeros(len(entries))
        order = [int(i) for i in np.argsort(-scores[: len(entries)], kind="stable")[:CLOSEST]]
        best = next((i for i, e in enumerate(entries) if e.id == group.best), None)
        if best is not None:
            order = [best, *(i for i in order if i != best)][:CLOSEST]
        topic = max(matcher.topics, key=lambda i: scores[i], default=None)
        shown.append(
            {
                "group": group,
                "closest": [
                    (entries[i].id, entries[i].question, round(float(scores[i]) * 100))
                    for i in order
                ],
                "topic": matcher.topics[topic].name if topic is not None else DEFAULT_TOPIC,
            }
        )
    return shown


@routes.get("/unanswered")
async def unanswered(request: web.Request) -> web.Response:
    await signed_in(request)
    dashboard = dashboard_of(request)
    days = days_of(request)
    groups = await dashboard.run_report(
        reports.unanswered_groups, dashboard.settings.data_dir, days
    )
    matcher = dashboard.matcher()
    shown = await asyncio.to_thread(_teaching_choices, matcher, groups)
    topics = sorted({t.name for t in matcher.kb.out_of_scope} | {DEFAULT_TOPIC})
    return page(
        request,
        "unanswered.html",
        days=days,
        groups=shown,
        total=len(groups),
        topics=topics,
        shown=usage.shown,
    )


@routes.post("/unanswered/{action:phrasing|out-of-scope|dismiss}")
async def teach(request: web.Request) -> web.Response:
    session, form = await change_request(request)
    dashboard = dashboard_of(request)
    action = request.match_info["action"]
    question = form.get("question", "")
    days = days_of(form)
    if not question.strip():
        raise Refused("Choose a question from the list; nothing was changed.")
    store, actor = dashboard.store, session.actor
    try:
        if action == "phrasing":
            target = form.get("entry", "")
            await asyncio.to_thread(store.add_phrasing, target, question, actor)
            notice = f"taught `{target}` a phrasing"
        elif action == "out-of-scope":
            target = form.get("topic", "").strip() or DEFAULT_TOPIC
            await asyncio.to_thread(store.add_out_of_scope, question, target, actor)
            notice = f"added an out-of-scope example to `{target}`"
        else:
            target = str(
                await dashboard.run_report(
                    reports.dismiss_unanswered, dashboard.settings.data_dir, question, days
                )
            )
            raise web.HTTPSeeOther(f"/unanswered?days={days}&done=dismissed&id={target}")
    except KnowledgeBaseError as exc:
        raise Refused("Not saved: " + "; ".join(map(str, exc.problems))) from None
    except StoreError as exc:
        raise Refused(f"Not saved: {exc}", 409) from None
    # Taught: the question has its answer (or its decline) now, so it leaves the list.
    await dashboard.run_report(
        reports.dismiss_unanswered, dashboard.settings.data_dir, question, days
    )
    await dashboard.changed(f"{actor.name} {notice} in the dashboard")
    done = "phrasing" if action == "phrasing" else "scope"
    raise web.HTTPSeeOther(f"/unanswered?days={days}&done={done}&id={quote(target)}")


@routes.get("/feedback")
async def feedback(request: web.Request) -> web.Response:
    await signed_in(request)
    dashboard = dashboard_of(request)
    days = days_of(request)
    report, latest = await dashboard.run_report(
        reports.votes_newest_first, dashboard.settings.data_dir, days
    )
    return page(request, "feedback.html", days=days, report=report, latest=latest, reasons=REASONS)


@routes.get("/stats")
async def stats(request: web.Request) -> web.Response:
    await signed_in(request)
    dashboard = dashboard_of(request)
    days = days_of(request)
    found, png = await dashboard.run_report(
        reports.stats_and_chart, dashboard.settings.data_dir, days
    )
    return page(
        request,
        "stats.html",
        days=days,
        summary=usage.stats_summary(found),
        top=found.top_entries,
        unanswered=found.unanswered,
        chart="data:image/png;base64," + base64.b64encode(png).decode(),
    )
