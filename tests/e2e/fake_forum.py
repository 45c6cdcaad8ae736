"""Forum channels for the fake Discord: a forum (type 15) with tags in GUILD_CREATE, new posts
as Discord sends them (THREAD_CREATE with `newly_created`, then the starter message, whose id
is the thread's), fetching a message, and tagging a post, with Discord's refusals.

Discord creates a post's first message after the thread, later still when it has attachments
(discord-api-docs#6340): until it exists a reply in the thread is refused with 403 `40058`
and fetching it is `10008`. `starter_delay` (seconds) makes every post's first message come
that late; a post with attachments always comes late (at least STARTER_DELAY)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .answers import refusal

if TYPE_CHECKING:
    from .fake_discord import FakeDiscord

FORUM_ID = 300_000_000_000_000_010
ANSWERED_TAG_ID = 700_000_000_000_000_001
MESSAGE_CONTENT_INTENT = 1 << 15
MAX_APPLIED_TAGS = 5
STARTER_DELAY = 0.3  # seconds: a post with attachments, when the test chose no delay
NO_STARTER_YET = {
    "message": "Cannot message this thread until after the post author has sent an initial message",
    "code": 40058,
}


def forum_channel(guild_id: int) -> dict[str, Any]:
    return {
        "id": str(FORUM_ID),
        "type": 15,
        "name": "help",
        "position": 3,
        "guild_id": str(guild_id),
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": "Ask the community",
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
        "available_tags": [
            {
                "id": str(ANSWERED_TAG_ID),
                "name": "answered",
                "moderated": False,
                "emoji_id": None,
                "emoji_name": None,
            },
            {
                "id": str(ANSWERED_TAG_ID + 1),
                "name": "salary",
                "moderated": False,
                "emoji_id": None,
                "emoji_name": None,
            },
        ],
        "default_reaction_emoji": None,
        "default_thread_rate_limit_per_user": 0,
        "default_sort_order": None,
        "default_forum_layout": 0,
    }


class Forums:
    """Mixed into FakeDiscord."""

    threads: dict[int, dict[str, Any]]
    may_tag: bool  # False: the bot lacks Manage Threads (set before it connects): 403
    # Replies in threads: "drop" never lets one arrive, "unanswered" keeps it but never
    # answers the request (a bot killed between Discord's write and its own).
    hold_replies: str | None = None
    held = 0  # replies held so far
    released: asyncio.Event
    starter_delay = 0.0  # seconds between THREAD_CREATE and the post's first message
    refused_early = 0  # replies refused because the first message was not there yet
    users: dict[int, dict[str, Any]]  # everyone who posted, for GET /users/{id}
    pending_starters: dict[int, dict[str, Any]]  # first messages still to come, by thread

    def active_threads(self: FakeDiscord, guild_id: int) -> list[dict[str, Any]]:
        """GUILD_CREATE's `threads`: the guild's threads not archived."""
        return [
            t
            for t in self.threads.values()
            if t["guild_id"] == str(guild_id) and not t["thread_metadata"]["archived"]
        ]

    def reads_content(self: FakeDiscord) -> bool:
        return bool(self.identify and int(self.identify["intents"]) & MESSAGE_CONTENT_INTENT)

    def as_received(self: FakeDiscord, message: dict[str, Any]) -> dict[str, Any]:
        """What the bot receives of a member's message: without the Message Content intent,
        no text unless it mentions the bot."""
        mentioned = any(m["id"] == str(message["author_bot_id"]) for m in message["mentions"])
        shown = {k: v for k, v in message.items() if k != "author_bot_id"}
        if not self.reads_content() and not mentioned:
            shown.update(content="", embeds=[], attachments=[], components=[])
        return shown

    def forum_routes(self: FakeDiscord) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "/channels/{channel}/messages/{message}", self._get_message),
            ("GET", "/channels/{channel}/messages", self._history),
            ("GET", "/channels/{channel}", self._get_thread),
            ("GET", "/users/{user}", self._get_user),
            ("PATCH", "/channels/{channel}", self._edit_thread),
        ]

    async def open_post(
        self: FakeDiscord,
        title: str,
        content: str,
        *,
        user_id: int = 400_000_000_000_000_001,
        bot: bool = False,
        thread_id: int | None = None,
        mentions: list[dict[str, Any]] | None = None,
        deliver: bool = True,
        attachments: list[str] = (),  # type: ignore[assignment]
        starter_delay: float | None = None,
    ) -> int:
        """A member opens a post in the forum: THREAD_CREATE, then its starter message
        (`starter_delay` seconds later, default the fake's; with `attachments`, file names,
        at least STARTER_DELAY). Pass `thread_id` to deliver an existing post's THREAD_CREATE
        again, `deliver=False` for a post made while the bot is away (it sees it in
        GUILD_CREATE's threads, its first message there)."""
        from .fake_discord import GUILD_ID, TIMESTAMP, member_message

        if thread_id is not None:
            thread = self.threads[thread_id]
        else:
            thread_id = self.snowflake()
            thread = {
                "id": str(thread_id),
                "type": 11,
                "guild_id": str(GUILD_ID),
                "parent_id": str(FORUM_ID),
                "owner_id": str(user_id),
                "name": title,
                "last_message_id": str(thread_id),
                "message_count": 0,
                "member_count": 1,
                "rate_limit_per_user": 0,
                "flags": 0,
                "applied_tags": [],
                "total_message_sent": 0,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 4320,
                    "archive_timestamp": TIMESTAMP,
                    "locked": False,
                    "create_timestamp": TIMESTAMP,
                },
            }
            self.threads[thread_id] = thread
            message = member_message(thread_id, thread_id, GUILD_ID, user_id, content, bot)
            files = [self.attachment(thread_id, name) for name in attachments]
            self.users[user_id] = message["author"]
            starter = {**message, "mentions": mentions or [], "position": 0, "attachments": files}
            delay = self.starter_delay if starter_delay is None else starter_delay
            if attachments:
                delay = max(delay, STARTER_DELAY)
            if deliver and delay > 0:
                await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
                self.pending_starters[thread_id] = starter
                self.late_starters.add(asyncio.create_task(self._starter_later(starter, delay)))
                return thread_id
            self.messages[thread_id] = starter
        if not deliver:
            return thread_id
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        await self.dispatch("MESSAGE_CREATE", self.as_received(self.messages[thread_id]))
        return thread_id

    async def _starter_later(self: FakeDiscord, starter: dict[str, Any], delay: float) -> None:
        await asyncio.sleep(delay)
        self.messages[int(starter["id"])] = starter
        if self.socket is not None and not self.socket.closed:
            await self.dispatch("MESSAGE_CREATE", self.as_received(starter))
        await self.notify()

    def late_starter(self: FakeDiscord, thread_id: int) -> dict[str, Any]:
        """The first message of a post whose message has not come yet (to store it)."""
        return self.pending_starters[thread_id]

    def attachment(self: FakeDiscord, message_id: int, filename: str) -> dict[str, Any]:
        """A file on a member's message, as Discord describes it."""
        attachment_id = self.snowflake()
        url = f"https://cdn.discordapp.com/attachments/{message_id}/{attachment_id}/{filename}"
        return {
            "id": str(attachment_id),
            "filename": filename,
            "size": 1024,
            "url": url,
            "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
            "content_type": "image/png",
        }

    def counted(self: FakeDiscord, channel_id: int) -> None:
        """A message in a post after its first: the thread's counts, as Discord keeps them."""
        thread = self.threads.get(channel_id)
        if thread is not None:
            thread["message_count"] += 1
            thread["total_message_sent"] += 1

    def no_starter_yet(self: FakeDiscord, channel_id: int) -> web.Response | None:
        """A reply in a post whose first message does not exist yet: Discord's 40058."""
        thread = self.threads.get(channel_id)
        if thread is None or thread["parent_id"] != str(FORUM_ID) or channel_id in self.messages:
            return None
        self.refused_early += 1
        return self.json(NO_STARTER_YET, 403)

    async def _get_user(self: FakeDiscord, request: web.Request) -> web.Response:
        found = self.users.get(int(request.match_info["user"]))
        if found is None:
            return self.json({"message": "Unknown User", "code": 10013}, 404)
        return self.json(found)

    def thread_replies(self: FakeDiscord, thread_id: int) -> list[dict[str, Any]]:
        return [m for m in self.channel_messages if m["channel_id"] == str(thread_id)]

    async def _get_message(self: FakeDiscord, request: web.Request) -> web.Response:
        channel, message_id = (int(request.match_info[k]) for k in ("channel", "message"))
        if refused := self.channel_refuses(channel, "read_message_history"):
            return refused if refused.status != 403 else refusal(50001)
        message = self.visible(channel, message_id)
        if message is None:
            return refusal(10008)
        if "author_bot_id" in message:
            return self.json(self.as_received(message))
        return self.json(self.public(message))

    async def _history(self: FakeDiscord, request: web.Request) -> web.Response:
        """A channel's messages, newest first, `limit` (1-100, default 50) of them, `before`
        or `after` an id."""
        channel = request.match_info["channel"]
        if refused := self.channel_refuses(int(channel)):
            return refused
        query = request.query
        limit = int(query.get("limit", 50))
        if not 1 <= limit <= 100:
            return self.json(
                {
                    "code": 50035,
                    "message": "Invalid Form Body",
                    "errors": {
                        "limit": {"_errors": [{"code": "NUMBER_TYPE_MAX", "message": "1-100"}]}
                    },
                },
                400,
            )
        if len({"around", "before", "after"} & set(query)) > 1:  # get-channel-messages
            return self.reject("history", ["around: only one of around, before and after"])
        before, after = int(query.get("before", 1 << 63)), int(query.get("after", 0))
        found = [
            m
            for m in self.messages.values()
            if after < int(m["id"]) < before and self.visible(int(channel), int(m["id"]))
        ]
        if self.lacks(int(channel), "read_message_history"):  # get-channel-messages: none
            found = []
        found.sort(key=lambda m: int(m["id"]), reverse=True)
        shown = [self.shown(m) for m in found]
        return self.json(shown[:limit] if "after" not in query else shown[-limit:])

    async def _get_thread(self: FakeDiscord, request: web.Request) -> web.Response:
        thread = self.threads.get(int(request.match_info["channel"]))
        if thread is None:
            return refusal(10003)
        return self.channel_refuses(int(thread["id"])) or self.json(thread)

    async def thread_refuses(self: FakeDiscord, channel_id: int) -> web.Response | None:
        """A message into a thread (channel#thread-metadata-object): a locked one needs Manage
        Threads; an archived one that is not locked is unarchived by the message."""
        thread = self.threads.get(channel_id)
        if thread is None:
            return None
        if refused := self.no_starter_yet(channel_id):
            return refused
        metadata = thread["thread_metadata"]
        if metadata["locked"] and self.lacks(channel_id, "manage_threads"):
            return refusal(160005)
        if metadata["archived"]:
            metadata["archived"] = False
            await self.dispatch("THREAD_UPDATE", thread)
        return None

    async def hold_reply(self: FakeDiscord, channel_id: int, kept: bool) -> None:
        """Hold a reply in a thread per `hold_replies` until `released` (the test kills the
        bot meanwhile); `kept`: the reply is already stored."""
        if channel_id in self.threads and self.hold_replies == ("unanswered" if kept else "drop"):
            self.held += 1
            await self.notify()
            await self.released.wait()

    async def _edit_thread(self: FakeDiscord, request: web.Request) -> web.Response:
        body, _ = await self.body(request)
        thread = self.threads.get(int(request.match_info["channel"]))
        if thread is None:
            return refusal(10003)
        if set(body) - {"applied_tags"}:
            self.violations.append(f"thread edit: unexpected fields {sorted(body)}")
        # editing tags (moderated ones included) needs Manage Threads
        if refused := self.channel_refuses(int(thread["id"]), "manage_threads"):
            return refused
        if thread["thread_metadata"]["archived"] and body.get("archived") is not False:
            return refusal(50083)  # channel#modify-channel: unarchive in the same request
        tags = body.get("applied_tags") or []
        known = {t["id"] for t in forum_channel(0)["available_tags"]}
        problems = [f"applied_tags: unknown tag {t}" for t in tags if str(t) not in known]
        if len(tags) > MAX_APPLIED_TAGS:
            problems.append(f"applied_tags: {len(tags)} > {MAX_APPLIED_TAGS}")
        if bad := self.reject("thread edit", problems):
            return bad
        thread["applied_tags"] = [str(t) for t in tags]
        await self.dispatch("THREAD_UPDATE", thread)  # Discord tells every client
        await self.notify()
        return self.json(thread)
