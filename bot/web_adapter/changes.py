"""The history of changes with their diffs, undo of the latest, and the out-of-scope topics."""

from __future__ import annotations

import asyncio
import difflib
from urllib.parse import quote

from aiohttp import web

from bot.knowledge.history import Batch
from bot.knowledge.model import KnowledgeBaseError, StoreError
from bot.knowledge.scope import load_out_of_scope
from bot.rendering import replies
from bot.web_adapter.context import dashboard_of
from bot.web_adapter.guard import Refused, change_request, signed_in
from bot.web_adapter.pages import page

routes = web.RouteTableDef()
SHOWN_CHANGES = 50
MOVED_ON = (
    "The latest change is no longer the one you chose to undo (someone changed the knowledge "
    "base meanwhile); nothing was undone. Check the history below, then undo again."
)


def diff_lines(before: str | None, after: str | None, name: str) -> list[tuple[str, str]]:
    """(kind, line) of a unified diff: kind is add, remove, context or header."""
    lines = difflib.unified_diff(
        (before or "").splitlines(),
        (after or "").splitlines(),
        f"{name} before" if before is not None else "(no file)",
        f"{name} after" if after is not None else "(removed)",
        lineterm="",
        n=2,
    )
    kinds = {"+": "add", "-": "remove", "@": "header", " ": "context"}
    return [
        ("header" if line.startswith(("+++", "---")) else kinds.get(line[:1], "context"), line)
        for line in lines
    ]


def _described(batch: Batch) -> dict[str, object]:
    return {
        "id": batch.id,
        "time": batch.time.replace("T", " ")[:16],
        "actor": batch.actor,
        "action": batch.action,
        "entries": replies.id_list(batch.entries, 5),
        "diffs": [
            (entry, diff_lines(batch.restores.get(entry), batch.writes.get(entry), entry))
            for entry in batch.entries
        ],
    }


@routes.get("/history")
async def history(request: web.Request) -> web.Response:
    await signed_in(request)
    store = dashboard_of(request).store
    batches = await asyncio.to_thread(store.batches, SHOWN_CHANGES)
    undoable = await asyncio.to_thread(store.undoable)
    return page(
        request,
        "history.html",
        changes=[_described(b) for b in batches],
        undoable=undoable.id if undoable else None,
    )


@routes.post("/undo")
async def undo(request: web.Request) -> web.Response:
    session, form = await change_request(request)
    dashboard = dashboard_of(request)
    store = dashboard.store
    latest = await asyncio.to_thread(store.undoable)
    if latest is None or latest.id != form.get("batch"):
        raise Refused(MOVED_ON, 409)
    try:
        batch = await asyncio.to_thread(store.undo, session.actor)
    except KnowledgeBaseError as exc:
        raise Refused("Not undone: " + "; ".join(map(str, exc.problems))) from None
    except StoreError as exc:
        raise Refused(f"Not undone: {exc}", 409) from None
    what = f"{batch.action} of `{replies.id_list(batch.entries)}` by {batch.actor}"
    await dashboard.changed(f"{session.actor.name} undid the {what} in the dashboard")
    raise web.HTTPSeeOther(f"/history?done=undone&id={quote(batch.action)}")


async def _topics_page(
    request: web.Request, status: int = 200, sentence: str = "", draft: dict | None = None
) -> web.Response:
    store = dashboard_of(request).store
    found = await asyncio.to_thread(
        store.files.read, lambda: load_out_of_scope(store.knowledge_dir)
    )
    names = {t.name for t in found}
    draft = draft or {}
    return page(
        request,
        "scope.html",
        status,
        topics=found,
        sentence=sentence,
        draft=draft,
        new_draft=draft if draft.get("topic") not in names else {},
    )


@routes.get("/out-of-scope")
async def topics(request: web.Request) -> web.Response:
    await signed_in(request)
    return await _topics_page(request)


@routes.post("/out-of-scope")
async def save_topic(request: web.Request) -> web.Response:
    """Change, add or (with no examples) remove a topic; a refusal keeps what was typed."""
    try:
        session, form = await change_request(request)
    except Refused as exc:
        return await _topics_page(request, exc.status, str(exc), exc.form)
    dashboard = dashboard_of(request)
    topic = form.get("topic", "").strip()
    examples = form.get("examples", "").replace("\r\n", "\n").split("\n")
    try:
        if not topic:
            raise StoreError("Give the topic a name (kebab-case, such as visa-questions).")
        await asyncio.to_thread(
            dashboard.store.set_out_of_scope_topic,
            topic,
            form.get("pointer", ""),
            examples,
            session.actor,
        )
    except KnowledgeBaseError as exc:
        problems = "; ".join(f"{p.entry_id}: {p.field}: {p.message}" for p in exc.problems)
        return await _topics_page(request, 400, f"Not saved: {problems}", form)
    except StoreError as exc:
        return await _topics_page(request, 409, f"Not saved: {exc}", form)
    await dashboard.changed(f"{session.actor.name} changed the out-of-scope topic `{topic}`")
    raise web.HTTPSeeOther(f"/out-of-scope?done=scope&id={quote(topic)}")
