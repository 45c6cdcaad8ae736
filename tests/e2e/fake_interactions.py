"""Interactions in the fake Discord: what a member does (a slash command, a click, a form,
autocomplete) and the bot's answers to it (callbacks, follow-ups, edits, deletes), with
Discord's rules (rules.py) and limits (limits.py)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import limits, rules
from .answers import refusal
from .objects import (
    APPLICATION_ID,
    CHANNEL_ID,
    EPHEMERAL_FLAG,
    EVERYONE_PERMISSIONS,
    GUILD_ID,
    LOADING,
    member,
    now_iso,
    user,
)


@dataclass
class Sent:
    """What the bot did with one interaction: its callbacks, followups and edits, in order."""

    interaction_id: int
    token: str
    channel_id: int
    dispatched: float
    source: dict[str, Any] | None = None  # the message a clicked component is on
    original: dict[str, Any] | None = None  # the message the first callback created
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    first_reply_after: float | None = None  # seconds from dispatch to the first callback
    original_flags: int = 0  # the flags the first callback gave its message
    interaction_type: int = 2  # 2 command, 3 component, 4 autocomplete, 5 modal submit
    own: set[int] = field(default_factory=set)  # ids of the messages its token may edit

    def callbacks(self) -> list[dict[str, Any]]:
        return [body for kind, body in self.events if kind == "callback"]

    def messages(self) -> list[dict[str, Any]]:
        """Every message the bot showed for this interaction (callback data, followups, edits)."""
        shown = []
        for kind, body in self.events:
            if kind == "callback" and body["type"] in (4, 7):
                shown.append(body.get("data") or {})
            elif kind in ("followup", "edit"):
                shown.append(body)
        return shown


class Interactions:
    """Mixed into FakeDiscord."""

    callback_delay = 0.0  # seconds Discord takes to answer a callback (ends early at `released`)
    slow_callbacks = 0  # callbacks delayed so far

    async def _callback(self, request: web.Request) -> web.Response:
        body, files = await self.body(request)
        sent = self.interactions.get(request.match_info["token"])
        if sent is None or request.match_info["id"] != str(sent.interaction_id):
            return refusal(10062)
        arrived_after = self.elapsed(sent)  # Discord's own slowness does not count against it
        if self.callback_delay:
            self.slow_callbacks += 1
            await self.notify()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.released.wait(), self.callback_delay)
        if not sent.callbacks() and arrived_after > rules.FIRST_REPLY_SECONDS:
            self.violations.append(f"interaction {sent.interaction_id}: no reply within 3 s")
            return refusal(10062)
        if sent.callbacks():
            self.violations.append(f"interaction {sent.interaction_id} acknowledged twice")
            return refusal(40060)
        kind, data = body.get("type"), body.get("data") or {}
        problems = rules.callback_problems(sent.interaction_type, kind, sent.source is not None)
        if kind in (4, 7):  # an update may leave out what stays
            problems += rules.message_problems(data, files, require_body=kind == 4 and not files)
        elif kind == 8:
            problems += limits.check_autocomplete(data)
        elif kind == 9:
            problems += limits.check_modal(data)
            problems += rules.component_problems(data.get("components") or [], in_modal=True)
        elif kind not in (5, 6):
            problems.append(f"unknown callback type {kind}")
        if bad := self.reject(f"interaction callback type {kind}", problems):
            return bad
        sent.first_reply_after = time.perf_counter() - sent.dispatched
        sent.events.append(("callback", {**body, "files": files}))
        response: dict[str, Any] = {
            "interaction": {
                "id": str(sent.interaction_id),
                "type": sent.interaction_type,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            }
        }
        if kind in (4, 5):
            message = self.message(sent.channel_id, data, files, flags=LOADING if kind == 5 else 0)
            sent.original = message
            sent.own.add(int(message["id"]))
            sent.original_flags = message["flags"]
            response["interaction"]["response_message_id"] = message["id"]
            if kind == 4:  # a deferred reply's message is not shown yet
                response["resource"] = {"type": kind, "message": self.public(message)}
            await self.announce("MESSAGE_CREATE", message)
        elif kind in (6, 7) and sent.source is not None:
            sent.original = sent.source  # a component's @original is the message it is on
            sent.own.add(int(sent.source["id"]))
        if kind == 7 and sent.source is not None:
            sent.source.update(
                {k: data[k] for k in ("content", "embeds", "components") if k in data}
            )
            sent.source["edited_timestamp"] = now_iso()
            response["resource"] = {"type": kind, "message": self.public(sent.source)}
            if int(sent.source["id"]) in self.messages:
                await self.announce("MESSAGE_UPDATE", sent.source)
        await self.notify()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)  # interactions/receiving-and-responding#create-…
        return self.json(response)

    def webhook(self, request: web.Request) -> Sent | web.Response:
        """The interaction a follow-up or edit is for, or Discord's refusal: unknown, or its
        token past its 15 minutes."""
        sent = self.interactions.get(request.match_info["token"])
        if sent is None:
            return refusal(10015)
        return self.token_expired(sent) or sent

    def own_message(self, sent: Sent, target: str) -> dict[str, Any] | None:
        """The message a webhook route names: @original, or one of this interaction's own
        follow-ups (any other message, or a deleted one, is 10008 Unknown Message)."""
        if target == "@original":
            message = sent.original
        elif target.isdigit() and int(target) in sent.own:
            message = self.messages.get(int(target))
        else:
            message = None
        return None if message is None or message.get("deleted") else message

    async def _get_original(self, request: web.Request) -> web.Response:
        sent = self.webhook(request)
        if not isinstance(sent, Sent):
            return sent
        message = self.own_message(sent, "@original")
        if message is None:
            return refusal(10008)
        return self.json(self.public(message))

    async def _edit(self, request: web.Request) -> web.Response:
        body, files = await self.body(request)
        sent = self.webhook(request)
        if not isinstance(sent, Sent):
            return sent
        if bad := self.reject(
            "message edit", rules.message_problems(body, files, require_body=False)
        ):
            return bad
        original = self.own_message(sent, request.match_info["message"])
        if original is None:
            return refusal(10008)
        sent.events.append(("edit", {**body, "files": files}))
        original.update({k: body[k] for k in ("content", "embeds", "components") if k in body})
        if not original["flags"] & LOADING:  # editing "thinking…" is its first showing
            original["edited_timestamp"] = now_iso()
        original["flags"] &= ~LOADING
        await self.announce("MESSAGE_UPDATE", original)
        await self.notify()
        return self.json(self.public(original))

    async def _delete(self, request: web.Request) -> web.Response:
        sent = self.webhook(request)
        if not isinstance(sent, Sent):
            return sent
        message = self.own_message(sent, request.match_info["message"])
        if message is None:
            return refusal(10008)
        message["deleted"] = True
        await self.announce("MESSAGE_DELETE", message)
        sent.events.append(("delete", {"message": message["id"]}))
        if message is sent.original:
            sent.original = None  # later follow-ups are messages of their own
        await self.notify()
        return web.Response(status=204)

    async def _followup(self, request: web.Request) -> web.Response:
        body, files = await self.body(request)
        sent = self.webhook(request)
        if not isinstance(sent, Sent):
            return sent
        if not sent.callbacks():  # its webhook exists once the interaction is answered
            self.violations.append("followup before the interaction was acknowledged")
            return refusal(10015)
        problems = rules.message_problems(body, files, require_body=not files)
        if rules.too_large(files):
            return refusal(40005)
        if bad := self.reject("followup", problems):
            return bad
        sent.events.append(("followup", {**body, "files": files}))
        loading = sent.original
        if loading is not None and loading["flags"] & LOADING:
            # Discord: the first follow-up after a "thinking…" defer replaces that message,
            # which keeps the defer's visibility whatever the follow-up's flags say.
            fresh = self.message(sent.channel_id, body, files)
            del self.messages[int(fresh["id"])]
            kept = {k: loading[k] for k in ("id", "timestamp")}
            loading.update(fresh, **kept, flags=loading["flags"] & ~LOADING & ~EPHEMERAL_FLAG)
            loading["flags"] |= sent.original_flags & EPHEMERAL_FLAG
            await self.announce("MESSAGE_UPDATE", loading)
            await self.notify()
            return self.json(self.public(loading))
        message = self.message(sent.channel_id, body, files)
        sent.own.add(int(message["id"]))
        await self.announce("MESSAGE_CREATE", message)
        await self.notify()
        return self.json(self.public(message))

    # -- what a member does ----------------------------------------------------------------
    async def interact(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user_id: int = 400_000_000_000_000_001,
        roles: tuple[int, ...] = (),
        permissions: int | None = None,
        guild_id: int | None = GUILD_ID,
        channel_id: int = CHANNEL_ID,
        message: dict[str, Any] | None = None,
    ) -> Sent:
        interaction_id = self.snowflake()
        token = f"token-{interaction_id}"
        sent = Sent(interaction_id, token, channel_id, time.perf_counter(), source=message)
        sent.interaction_type = kind
        self.interactions[token] = sent
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": str(channel_id),
            "channel": {
                "id": str(channel_id),
                "type": 0 if guild_id else 1,
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                **({"guild_id": str(guild_id)} if guild_id else {}),
            },
            # the bot's permissions in this channel (fake_permissions.py's state)
            "app_permissions": str(int(EVERYONE_PERMISSIONS) & ~self.denied.get(channel_id, 0)),
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id or 0)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild_id:
            payload.update(
                guild_id=str(guild_id),
                guild_locale="en-US",
                member=member(user_id, roles, permissions),
            )
        else:
            payload["user"] = user(user_id)
        if message is not None:
            payload["message"] = self.public(message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return sent

    def command_id(self, name: str) -> str:
        for scope in (GUILD_ID, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command["id"]
        raise AssertionError(f"/{name} was never synced")

    async def slash(
        self,
        name: str,
        options: list[dict[str, Any]] | None = None,
        resolved: dict[str, Any] | None = None,
        **who: Any,
    ) -> Sent:
        data = {"id": self.command_id(name), "name": name, "type": 1, "options": options or []}
        if resolved:
            data["resolved"] = resolved
        if who.get("guild_id", GUILD_ID):
            data["guild_id"] = str(who.get("guild_id", GUILD_ID))
        return await self.interact(2, data, **who)

    async def autocomplete(self, name: str, options: list[dict[str, Any]], **who: Any) -> Sent:
        data = {
            "id": self.command_id(name),
            "name": name,
            "type": 1,
            "options": options,
            "guild_id": str(GUILD_ID),
        }
        return await self.interact(4, data, **who)

    async def click(
        self, message: dict[str, Any], custom_id: str, values: list[str] | None = None, **who: Any
    ) -> Sent:
        component_type = 2 if values is None else 3
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return await self.interact(3, data, message=message, **who)

    async def submit(self, modal: dict[str, Any], values: dict[str, str], **who: Any) -> Sent:
        """Fill in a modal the bot opened (values by field label) and submit it."""
        rows = []
        for n, row in enumerate(modal["components"]):
            field = row.get("component") or row["components"][0]
            label = row.get("label") or field.get("label")
            filled = {
                "type": 4,
                "id": field.get("id") or 2 * n + 2,  # as numbered when shown (objects.py)
                "custom_id": field["custom_id"],
                "value": values.get(label, ""),
            }
            rows.append(
                {
                    "type": row["type"],
                    "id": row.get("id") or 2 * n + 1,
                    **({"component": filled} if "component" in row else {"components": [filled]}),
                }
            )
        return await self.interact(5, {"custom_id": modal["custom_id"], "components": rows}, **who)

    async def reply_of(self, sent: Sent) -> dict[str, Any]:
        """Wait for the message an interaction ends with (after a defer, its followup)."""

        def final() -> dict[str, Any] | None:
            callbacks = sent.callbacks()
            if not callbacks:
                return None
            if callbacks[0]["type"] in (5, 6):  # deferred: the answer comes as a followup
                later = [(kind, body) for kind, body in sent.events if kind in ("followup", "edit")]
                if not later:
                    return None
                kind, body = later[-1]
                if kind == "edit" and sent.original is not None:  # it keeps the defer's flags
                    return {**body, "flags": sent.original["flags"]}
                return body
            return {**(callbacks[0].get("data") or {}), "files": callbacks[0]["files"]}

        return await self.wait_for(final)
