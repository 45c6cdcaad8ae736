"""Entries: the list with search, an entry's page, and adding, editing and removing entries
through the store (validated, atomic, audited, undoable), as /kb add, edit and remove do."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from aiohttp import web

from bot.knowledge.database import Database
from bot.knowledge.entry_yaml import Document, dump_entry, version_of
from bot.knowledge.model import ConflictError, KnowledgeBaseError, StoreError
from bot.rendering import reports
from bot.web_adapter.context import dashboard_of
from bot.web_adapter.forms import Problems, document_from, form_values, placed
from bot.web_adapter.guard import Refused, change_request, signed_in
from bot.web_adapter.pages import page

routes = web.RouteTableDef()
NO_ENTRY = "There is no entry {!r}; it may have just been removed."


def _ask_counts(database: Database) -> dict[str, int]:
    with database.transaction(write=False) as db:
        return dict(db.execute("SELECT entry, count FROM ask_counts").fetchall())


def _matches(document: Document, words: list[str]) -> bool:
    haystack = " ".join(
        str(part)
        for key in ("id", "question", "category", "phrasings", "keywords")
        for part in (
            document.get(key) if isinstance(document.get(key), list) else [document.get(key, "")]
        )
    ).lower()
    return all(word in haystack for word in words)


@routes.get("/")
async def entry_list(request: web.Request) -> web.Response:
    await signed_in(request)
    dashboard = dashboard_of(request)
    query = request.query.get("q", "")[:200]
    documents = await asyncio.to_thread(dashboard.store.documents)
    counts = await asyncio.to_thread(_ask_counts, dashboard.store.database)
    votes = await dashboard.run_report(reports.entry_votes, dashboard.settings.data_dir)
    words = query.lower().split()
    rows = [
        {
            "id": entry_id,
            "question": str(document.get("question", "")),
            "category": str(document.get("category", "")),
            "asked": counts.get(entry_id, 0),
            "helpful": votes.get(entry_id, (0, 0))[0],
            "not_helpful": votes.get(entry_id, (0, 0))[1],
        }
        for entry_id, document in sorted(documents.items())
        if _matches({"id": entry_id, **document}, words)
    ]
    return page(request, "entries.html", rows=rows, query=query, total=len(documents))


async def _document(request: web.Request, entry_id: str) -> Document:
    documents = await asyncio.to_thread(dashboard_of(request).store.documents)
    if entry_id not in documents:
        raise Refused(NO_ENTRY.format(entry_id[:100]), 404)
    return documents[entry_id]


@routes.get("/entries/{entry_id}")
async def entry_page(request: web.Request) -> web.Response:
    await signed_in(request)
    entry_id = request.match_info["entry_id"]
    document = await _document(request, entry_id)
    history = await asyncio.to_thread(dashboard_of(request).store.history, entry_id, 10)
    return page(
        request,
        "entry.html",
        entry_id=entry_id,
        entry=form_values(document),
        source=str(document.get("source", "")),
        related=[str(r) for r in document.get("related") or []],
        version=version_of(document),
        history=history,
    )


def _edit_page(
    request: web.Request,
    entry_id: str | None,
    values: dict[str, str],
    version: str,
    *,
    status: int = 200,
    problems: Problems | None = None,
    sentence: str = "",
    conflict: dict[str, str] | None = None,
) -> web.Response:
    return page(
        request,
        "edit.html",
        status,
        entry_id=entry_id,
        values=values,
        version=version,
        problems=problems or Problems(),
        sentence=sentence,
        conflict=conflict,
    )


@routes.get("/entries/{entry_id}/edit")
async def edit_form(request: web.Request) -> web.Response:
    await signed_in(request)
    entry_id = request.match_info["entry_id"]
    document = await _document(request, entry_id)
    return _edit_page(request, entry_id, form_values(document), version_of(document))


@routes.get("/new")
async def add_form(request: web.Request) -> web.Response:
    await signed_in(request)
    return _edit_page(request, None, dict.fromkeys(form_values({}), ""), "")


@routes.post("/entries/{entry_id}/edit")
async def save_edit(request: web.Request) -> web.Response:
    return await _save(request, request.match_info["entry_id"])


@routes.post("/new")
async def save_new(request: web.Request) -> web.Response:
    return await _save(request, None)


async def _save(request: web.Request, entry_id: str | None) -> web.Response:
    """Add or edit; anything refused comes back in the form with what was typed."""
    try:
        session, form = await change_request(request)
    except Refused as exc:
        values = {key: exc.form.get(key, "") for key in form_values({})}
        version = exc.form.get("version", "")
        return _edit_page(request, entry_id, values, version, status=exc.status, sentence=str(exc))
    dashboard = dashboard_of(request)
    store = dashboard.store
    values = {key: form.get(key, "") for key in form_values({})}
    version = form.get("version", "")
    documents = await asyncio.to_thread(store.documents)
    try:
        if entry_id is None:
            base = {"source": f"Written in the dashboard by {session.actor.name}"}
            document = document_from(form, base)
            saved = await asyncio.to_thread(store.add, document, session.actor)
            done = "added"
        else:
            if entry_id not in documents:
                raise StoreError(NO_ENTRY.format(entry_id[:100]))
            document = document_from(form, documents[entry_id])
            await asyncio.to_thread(store.edit, entry_id, document, session.actor, version)
            saved, done = entry_id, "saved"
    except ConflictError:
        return await _conflict(request, entry_id or "", values, version)
    except KnowledgeBaseError as exc:
        ours = None if entry_id is None else {entry_id}
        problems = placed(exc, ours, set() if entry_id else set(documents))
        sentence = "Not saved: fix the problems marked below."
        return _edit_page(
            request, entry_id, values, version, status=400, problems=problems, sentence=sentence
        )
    except StoreError as exc:
        return _edit_page(request, entry_id, values, version, status=409, sentence=str(exc))
    verb = "added" if done == "added" else "edited"
    await dashboard.changed(f"{session.actor.name} {verb} `{saved}` in the dashboard")
    raise web.HTTPSeeOther(f"/entries/{quote(saved)}?done={done}&id={quote(saved)}")


async def _conflict(
    request: web.Request, entry_id: str, values: dict[str, str], version: str
) -> web.Response:
    """Someone saved the entry after this form was opened: who, and both versions."""
    store = dashboard_of(request).store
    documents = await asyncio.to_thread(store.documents)
    theirs = documents.get(entry_id)
    last = await asyncio.to_thread(store.history, entry_id, 1)
    who = f"{last[0]['actor']} ({last[0]['action']}, {last[0]['time']} UTC)" if last else "someone"
    sentence = (
        f"Not saved: {who} changed this entry after you opened it. Their version is on the "
        "left, yours (as you typed it) in the form; merge them, then save again."
    )
    conflict = {"theirs": dump_entry(theirs) if theirs else "(the entry was removed)"}
    current = version_of(theirs) if theirs else version
    return _edit_page(
        request, entry_id, values, current, status=409, sentence=sentence, conflict=conflict
    )


@routes.post("/entries/{entry_id}/remove")
async def remove(request: web.Request) -> web.Response:
    session, form = await change_request(request)
    entry_id = request.match_info["entry_id"]
    dashboard = dashboard_of(request)
    try:
        await asyncio.to_thread(
            dashboard.store.remove, entry_id, session.actor, form.get("version", "")
        )
    except KnowledgeBaseError as exc:
        raise Refused("Not removed: " + "; ".join(map(str, exc.problems))) from None
    except StoreError as exc:
        raise Refused(f"Not removed: {exc}", 409) from None
    await dashboard.changed(f"{session.actor.name} removed `{entry_id}` in the dashboard")
    raise web.HTTPSeeOther(f"/?done=removed&id={quote(entry_id)}")
