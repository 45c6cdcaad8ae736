"""The fake Discord refuses what Discord refuses, with Discord's status, code and body: one
payload per rule, each breaking only that rule, sent straight to the fake."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from .fake_discord import ANSWER_CHANNEL_ID, CHANNEL_ID, FakeDiscord, Sent
from .spec import load_spec

BUTTON = {"type": 2, "style": 1, "label": "ok", "custom_id": "ok"}
ROW = {"type": 1, "components": [BUTTON]}
MESSAGE = {"content": "hello", "allowed_mentions": {"parse": []}}
needs_spec = pytest.mark.skipif(load_spec() is None, reason="../shared/discord-api-spec absent")


@pytest.fixture(autouse=True)
def no_rate_limits(fake: FakeDiscord) -> None:
    """These requests are sent straight, without discord.py's waiting on the rate-limit
    headers: no bucket here (the rate-limit tests set their own window)."""
    fake.window_scale = 0


async def call(fake: FakeDiscord, method: str, path: str, body: object) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fake.api_base + path, json=body) as response,
    ):
        return response.status, await response.json(content_type=None) or {}


def interaction(fake: FakeDiscord, kind: int, on_message: bool = False) -> Sent:
    sent = Sent(fake.snowflake(), f"token-{fake.snowflake()}", CHANNEL_ID, time.perf_counter())
    sent.interaction_type = kind
    sent.source = {"id": "1", "components": []} if on_message else None
    fake.interactions[sent.token] = sent
    return sent


async def callback(fake: FakeDiscord, sent: Sent, body: dict) -> tuple[int, dict]:
    return await call(
        fake, "POST", f"/interactions/{sent.interaction_id}/{sent.token}/callback", body
    )


@pytest.mark.parametrize(
    ("interaction_type", "on_message", "body"),
    [
        (2, False, {"type": 7, "data": MESSAGE}),  # UPDATE_MESSAGE on a slash command
        (2, False, {"type": 8, "data": {"choices": []}}),  # AUTOCOMPLETE_RESULT on a command
        (5, False, {"type": 9, "data": {"custom_id": "m", "title": "t", "components": []}}),
        (5, False, {"type": 7, "data": MESSAGE}),  # a command's modal has no message
        (3, True, {"type": 9, "data": {"custom_id": "m", "title": "t", "components": [ROW]}}),
    ],
)
async def test_callbacks_the_interaction_type_does_not_allow(
    fake, interaction_type, on_message, body
):
    status, answer = await callback(fake, interaction(fake, interaction_type, on_message), body)
    assert status == 400 and answer["code"] == 50035, answer
    fake.violations.clear()


async def test_the_first_reply_after_3_seconds_and_a_follow_up_after_15_minutes(fake):
    late = interaction(fake, 2)
    fake.skew = 3.5
    status, answer = await callback(fake, late, {"type": 4, "data": MESSAGE})
    assert (status, answer["code"]) == (404, 10062)
    fake.skew = 0
    sent = interaction(fake, 2)
    assert (await callback(fake, sent, {"type": 5}))[0] == 204  # no ?with_response
    fake.skew = 15 * 60 + 1
    status, answer = await call(fake, "POST", f"/webhooks/1/{sent.token}", MESSAGE)
    assert (status, answer["code"]) == (401, 50027)
    fake.violations.clear()


@pytest.mark.parametrize(
    ("body", "needs"),
    [
        ({"embeds": [{"title": "t", "color": 16_777_216}]}, "spec"),
        ({"embeds": [{"title": "t", "url": "not a url"}]}, ""),
        ({"embeds": [{"title": "t", "timestamp": "yesterday"}]}, ""),
        ({"components": [{"type": 1, "components": [{**BUTTON, "style": 5}]}]}, ""),
        ({"components": [{"type": 1, "components": [{**BUTTON, "url": "https://x.y"}]}]}, ""),
        ({"components": [{"type": 1, "components": [{**BUTTON, "style": 9}]}]}, "spec"),
        (
            {"components": [{"type": 1, "components": [{**BUTTON, "emoji": {"name": "x" * 33}}]}]},
            "spec",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 3, "custom_id": "s", "max_values": 26, "options": []}
                        ],
                    }
                ]
            },
            "",
        ),
        ({"allowed_mentions": {"parse": ["users"], "users": ["1"]}}, ""),
        ({"allowed_mentions": {"parse": ["friends"]}}, "spec"),
        ({"allowed_mentions": {"parse": [], "users": [str(n + 1) for n in range(101)]}}, ""),
        ({"flags": 64}, ""),  # EPHEMERAL on a channel message
        ({"message_reference": {"message_id": "123"}}, ""),  # a reply to nothing
    ],
)
async def test_channel_messages_discord_refuses(fake, body, needs):
    if needs == "spec" and load_spec() is None:
        pytest.skip("this rule comes from the API description, absent here")
    status, answer = await call(
        fake, "POST", f"/channels/{CHANNEL_ID}/messages", {**MESSAGE, **body}
    )
    assert status == 400 and answer["code"] == 50035 and answer["errors"], answer
    fake.violations.clear()


@needs_spec
async def test_commands_discord_refuses(fake):
    bad = [
        {
            "name": "ask",
            "description": "d",
            "options": [{"type": 99, "name": "q", "description": "d"}],
        }
    ]
    status, _ = await call(fake, "PUT", "/applications/1/commands", bad)
    perms = [{"name": "ask", "description": "d", "default_member_permissions": "everyone"}]
    status_perms, _ = await call(fake, "PUT", "/applications/1/commands", perms)
    assert (status, status_perms) == (400, 400), fake.violations
    fake.violations.clear()


async def test_reactions_threads_tags_and_rate_limits(fake):
    status, answer = await call(
        fake, "PUT", f"/channels/{CHANNEL_ID}/messages/1/reactions/nope:1/@me", None
    )
    assert (status, answer["code"]) == (400, 10014)
    thread = await fake.open_post("Locked", "text", deliver=False)
    fake.threads[thread]["thread_metadata"]["locked"] = True
    fake.may_tag = False
    status, answer = await call(fake, "POST", f"/channels/{thread}/messages", MESSAGE)
    assert (status, answer["code"]) == (403, 160005)  # Thread is locked
    fake.fail_next("POST", r"/channels/\d+/messages$", 429, retry_after=1.5)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.api_base}/channels/{CHANNEL_ID}/messages", json=MESSAGE) as limited,
    ):
        assert limited.status == 429 and limited.headers["X-RateLimit-Remaining"] == "0"
        assert (await limited.json())["retry_after"] == 1.5
    fake.violations.clear()


async def test_a_post_before_its_first_message_exists_refuses_replies(fake, bot):
    """discord-api-docs#6340: Discord makes a forum post's first message after the thread
    (later still with attachments); until then a reply is 403 40058 and the message 10008,
    as JSON with exactly Discord's content type (discord.py reads the body only then)."""
    thread = await fake.open_post("Offer?", "see the PDF", attachments=["offer.pdf"])
    async with aiohttp.ClientSession() as session:
        reply = fake.api_base + f"/channels/{thread}/messages"
        async with session.post(reply, json=MESSAGE) as refused:
            assert refused.status == 403 and refused.content_type == "application/json"
            assert refused.headers["Content-Type"] == "application/json"
            assert (await refused.json())["code"] == 40058
        async with session.get(f"{reply}/{thread}") as missing:
            assert missing.status == 404 and (await missing.json())["code"] == 10008
        await fake.wait_for(lambda: thread in fake.messages)  # STARTER_DELAY later
        async with session.get(f"{reply}/{thread}") as found:
            assert found.status == 200 and (await found.json())["attachments"]
        async with session.post(reply, json=MESSAGE) as sent:
            assert sent.status == 200


async def raw(
    fake: FakeDiscord, method: str, path: str, **kwargs: object
) -> tuple[int, str | None, dict]:
    """Status, Content-Type and body of the fake's answer to any request."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fake.api_base + path, **kwargs) as response,  # type: ignore[arg-type]
    ):
        text = await response.text()
        body = json.loads(text) if text.startswith(("{", "[")) else {}
        return response.status, response.headers.get("Content-Type"), body or {}


# topics/opcodes-and-status-codes#json: every refusal is JSON (discord.py reads a body only
# when Content-Type is exactly application/json) with a `code` and a `message`.
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", f"/channels/{CHANNEL_ID}/messages", {"content": "x" * 2001}, (400, 50035)),
        ("POST", f"/channels/{CHANNEL_ID}/messages", {"content": ""}, (400, 50006)),
        ("GET", "/no/such/route", None, (404, 0)),
        ("DELETE", "/users/@me", None, (405, 0)),
        ("POST", "/webhooks/1/no-such-token", MESSAGE, (404, 10015)),
        ("POST", "/interactions/1/no-such-token/callback", {"type": 5}, (404, 10062)),
    ],
)
async def test_every_refusal_is_discords_json(fake, method, path, body, expected):
    status, content_type, answer = await raw(fake, method, path, json=body)
    assert (status, answer.get("code")) == expected, answer
    assert content_type == "application/json" and isinstance(answer["message"], str)
    fake.violations.clear()


@needs_spec
async def test_a_schema_refusal_names_the_field_with_discords_error_code(fake):
    body = {"embeds": [{"title": "t", "color": 16_777_216}]}
    status, content_type, answer = await raw(
        fake, "POST", f"/channels/{CHANNEL_ID}/messages", json=body
    )
    assert (status, content_type, answer["code"]) == (400, "application/json", 50035)
    errors = answer["errors"]["embeds"]["0"]["color"]["_errors"]
    assert errors[0]["code"] == "NUMBER_TYPE_MAX", errors  # reference#error-messages
    fake.violations.clear()


async def test_a_body_that_is_not_json_is_50109(fake):
    """topics/opcodes-and-status-codes#json 50109: "The request body contains invalid JSON",
    for a JSON body and for a multipart upload's payload_json alike; never a 500."""
    headers = {"Content-Type": "application/json"}
    path = f"/channels/{CHANNEL_ID}/messages"
    status, content_type, answer = await raw(fake, "POST", path, data=b"{nope", headers=headers)
    assert (status, content_type, answer["code"]) == (400, "application/json", 50109)
    form = aiohttp.FormData()
    form.add_field("payload_json", "{'single': 'quotes'}", content_type="application/json")
    form.add_field("files[0]", b"data", filename="a.txt", content_type="text/plain")
    status, _, answer = await raw(fake, "POST", path, data=form)
    assert (status, answer["code"]) == (400, 50109)


EMBED = {"embeds": [{"title": "t"}], "allowed_mentions": {"parse": []}}


async def thread_with(fake: FakeDiscord, **metadata: bool) -> int:
    thread = await fake.open_post("A post", "text", deliver=False)
    fake.threads[thread]["thread_metadata"].update(metadata)
    return thread


# The bot's permissions per channel are state (fake_permissions.py); each row: what is
# missing or wrong, the request, Discord's answer (topics/opcodes-and-status-codes#json).
@pytest.mark.parametrize(
    ("denied", "body", "expected"),
    [
        ("view_channel", MESSAGE, (403, 50001)),  # cannot see it: Missing Access
        ("send_messages", MESSAGE, (403, 50013)),  # resources/message#create-message
        ("embed_links", EMBED, (403, 50013)),
        (
            "read_message_history",
            {**MESSAGE, "message_reference": {"message_id": "0"}},
            (403, 160002),
        ),
    ],
)
async def test_a_message_the_bots_permissions_do_not_allow(fake, denied, body, expected):
    await fake.deny(CHANNEL_ID, denied)
    status, _, answer = await raw(fake, "POST", f"/channels/{CHANNEL_ID}/messages", json=body)
    assert (status, answer["code"]) == expected, answer
    await fake.allow(CHANNEL_ID, denied)
    status, _, _ = await raw(fake, "POST", f"/channels/{CHANNEL_ID}/messages", json=MESSAGE)
    assert status == 200
    fake.violations.clear()


async def test_channels_that_are_not_there_or_not_for_messages(fake):
    from .fake_forum import FORUM_ID

    status, _, answer = await raw(
        fake, "POST", "/channels/12345678901234567/messages", json=MESSAGE
    )
    assert (status, answer["code"]) == (404, 10003)  # Unknown Channel
    status, _, answer = await raw(fake, "POST", f"/channels/{FORUM_ID}/messages", json=MESSAGE)
    assert (status, answer["code"]) == (403, 40058)  # a message goes into a post, not the forum


async def test_threads_archived_or_locked(fake):
    """channel#thread-metadata-object: a message into an archived thread unarchives it, but
    reacting or editing its tags there is 50083; a locked thread takes messages only from
    members with Manage Threads (160005)."""
    archived = await thread_with(fake, archived=True)
    status, _, answer = await raw(
        fake, "PUT", f"/channels/{archived}/messages/{archived}/reactions/%F0%9F%91%8D/@me"
    )
    assert (status, answer["code"]) == (400, 50083)
    status, _, answer = await raw(fake, "PATCH", f"/channels/{archived}", json={"applied_tags": []})
    assert (status, answer["code"]) == (400, 50083)
    locked = await thread_with(fake, locked=True)
    assert (await raw(fake, "POST", f"/channels/{locked}/messages", json=MESSAGE))[0] == 200
    fake.may_tag = False  # now without Manage Threads
    status, _, answer = await raw(fake, "POST", f"/channels/{locked}/messages", json=MESSAGE)
    assert (status, answer["code"]) == (403, 160005)


async def test_reading_messages_without_read_message_history(fake):
    """resources/message#get-channel-messages: without it, no messages; get-channel-message
    needs it."""
    status, _, sent = await raw(fake, "POST", f"/channels/{CHANNEL_ID}/messages", json=MESSAGE)
    await fake.deny(CHANNEL_ID, "read_message_history")
    path = f"/channels/{CHANNEL_ID}/messages"
    assert (await raw(fake, "GET", path))[2] == {}  # an empty list
    status, _, answer = await raw(fake, "GET", f"{path}/{sent['id']}")
    assert (status, answer["code"]) == (403, 50001)
    await fake.allow(CHANNEL_ID, "read_message_history")
    assert [m["id"] for m in (await raw(fake, "GET", path))[2]] == [sent["id"]]


async def replied(fake: FakeDiscord, flags: int = 0) -> tuple[Sent, dict]:
    """An interaction answered with a message (type 4); its message as GET @original shows."""
    sent = interaction(fake, 2)
    body = {"type": 4, "data": {**MESSAGE, "flags": flags}}
    assert (await callback(fake, sent, body))[0] == 204
    status, _, message = await raw(fake, "GET", f"/webhooks/1/{sent.token}/messages/@original")
    assert status == 200, message
    return sent, message


async def test_a_webhook_edits_and_deletes_only_its_own_interactions_messages(fake):
    """interactions/receiving-and-responding#edit-followup-message: the token reaches the
    messages of its interaction; anything else, and anything deleted, is 10008."""
    mine, _ = await replied(fake)
    _, other = await replied(fake)
    status, _, followup = await raw(fake, "POST", f"/webhooks/1/{mine.token}", json=MESSAGE)
    assert status == 200
    base = f"/webhooks/1/{mine.token}/messages"
    for message_id in (other["id"], "12345"):
        for method, body in (("PATCH", MESSAGE), ("DELETE", None)):
            status, _, answer = await raw(fake, method, f"{base}/{message_id}", json=body)
            assert (status, answer["code"]) == (404, 10008), (method, message_id)
    status, _, edited = await raw(fake, "PATCH", f"{base}/{followup['id']}", json=MESSAGE)
    assert status == 200 and edited["edited_timestamp"] is not None  # resources/message
    assert (await raw(fake, "DELETE", f"{base}/@original"))[0] == 204
    for method in ("GET", "DELETE"):
        status, _, answer = await raw(fake, method, f"{base}/@original")
        assert (status, answer["code"]) == (404, 10008), method


async def test_deleted_and_ephemeral_messages_are_not_in_the_channel(fake):
    _, shown = await replied(fake)
    _, hidden = await replied(fake, flags=64)
    path = f"/channels/{CHANNEL_ID}/messages"
    assert [m["id"] for m in (await raw(fake, "GET", path))[2]] == [shown["id"]]
    status, _, answer = await raw(fake, "GET", f"{path}/{hidden['id']}")
    assert (status, answer["code"]) == (404, 10008)
    _, _, posted = await raw(fake, "POST", path, json=MESSAGE)
    fake.messages[int(posted["id"])]["deleted"] = True
    assert (await raw(fake, "GET", f"{path}/{posted['id']}"))[0] == 404
    assert posted["id"] not in [m["id"] for m in (await raw(fake, "GET", path))[2]]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE", "POST"])
async def test_every_webhook_route_refuses_a_token_past_15_minutes(fake, method):
    sent, _ = await replied(fake)
    fake.skew = 15 * 60 + 1
    path = f"/webhooks/1/{sent.token}" + ("" if method == "POST" else "/messages/@original")
    status, _, answer = await raw(fake, method, path, json=MESSAGE if method != "GET" else None)
    assert (status, answer["code"]) == (401, 50027)


async def test_payloads_discord_accepts(fake):
    """A reply to a missing message with fail_if_not_exists false is a plain message (type
    0, no reference); a callback with ?with_response answers the interaction callback
    response, with `resource` for UPDATE_MESSAGE (interactions/receiving-and-responding)."""
    reference = {"message_id": "12345", "fail_if_not_exists": False}
    status, _, message = await raw(
        fake,
        "POST",
        f"/channels/{CHANNEL_ID}/messages",
        json={**MESSAGE, "message_reference": reference},
    )
    assert (status, message["type"], message.get("message_reference")) == (200, 0, None)
    sent = interaction(fake, 3, on_message=True)
    sent.source = fake.message(CHANNEL_ID, MESSAGE)
    path = f"/interactions/{sent.interaction_id}/{sent.token}/callback?with_response=true"
    status, _, answer = await raw(fake, "POST", path, json={"type": 7, "data": {"content": "new"}})
    assert status == 200 and answer["resource"]["message"]["content"] == "new", answer


async def test_rate_limit_buckets_headers_and_429s(fake):
    """topics/rate-limits: every answer carries its bucket's X-RateLimit-* headers; past the
    limit (5 messages per channel per window) a 429 with retry_after; a request inside that
    retry_after is a violation (not honoured); after it, the bucket is fresh."""
    fake.window_scale, fake.latency = 0.2, 0  # 5 messages per second, sent at once
    path, answers = f"/channels/{CHANNEL_ID}/messages", []
    async with aiohttp.ClientSession() as session:
        for _ in range(6):
            async with session.post(fake.api_base + path, json=MESSAGE) as response:
                answers.append((response.status, dict(response.headers), await response.json()))
        remaining = [a[1]["X-RateLimit-Remaining"] for a in answers[:5]]
        assert remaining == ["4", "3", "2", "1", "0"]
        assert {a[1]["X-RateLimit-Limit"] for a in answers} == {"5"}
        status, headers, body = answers[5]
        assert status == 429 and 0 < body["retry_after"] <= 1 and body["global"] is False
        assert headers["Content-Type"] == "application/json" and headers["X-RateLimit-Bucket"]
        async with session.post(fake.api_base + path, json=MESSAGE):
            pass
        assert fake.violations == [f"POST {path}: sent during a 429's retry_after"]
        fake.violations.clear()
        await asyncio.sleep(body["retry_after"] + 0.01)
        async with session.post(fake.api_base + path, json=MESSAGE) as response:
            assert response.status == 200 and response.headers["X-RateLimit-Remaining"] == "4"
        # another channel is another bucket
        async with session.post(
            f"{fake.api_base}/channels/{ANSWER_CHANNEL_ID}/messages", json=MESSAGE
        ) as response:
            assert response.status == 200
    fake.violations.clear()


async def test_a_global_rate_limit_on_demand(fake):
    fake.latency = 0
    fake.limit_globally(0.3)
    status, _, body = await raw(fake, "GET", "/users/@me")
    assert (status, body["global"], body["retry_after"]) == (429, True, 0.3)
    await raw(fake, "GET", "/gateway/bot")  # too soon
    assert fake.violations == ["GET /gateway/bot: sent during a global 429's retry_after"]
    fake.violations.clear()


async def test_the_fakes_own_answer_checks_can_fail(fake):
    """The checks on the fake's answers are real: an answer not shaped as Discord's, or not
    matching the API description, is reported (here by breaking the fake on purpose)."""
    from aiohttp import web

    def text_page() -> web.Response:
        return web.Response(status=500, text="Internal Server Error")

    fake.fail_next("GET", "/users/@me$", 500, answer=text_page)
    await raw(fake, "GET", "/users/@me")
    assert fake.violations == [
        "GET /users/@me: the fake answered 500 as 'text/plain; charset=utf-8', not Discord's JSON"
    ]
    fake.violations.clear()
    fake.fail_next("GET", "/users/@me$", 400, answer=lambda: fake.json({"message": "no"}, 400))
    await raw(fake, "GET", "/users/@me")
    assert fake.violations[-1] == "GET /users/@me: the fake's 400 lacks code/message"
    fake.violations.clear()
    if load_spec() is not None:
        fake.fail_next("GET", "/users/@me$", 200, answer=lambda: fake.json({"id": 5}))
        await raw(fake, "GET", "/users/@me")
        assert any(v.startswith("GET /users/@me 200 response: ") for v in fake.violations)
    fake.violations.clear()


@needs_spec
@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("timestamp", "2026-11-23 12:00", "is not a 'date-time'"),
        ("edited_timestamp", "yesterday", "is not a 'date-time'"),
        ("id", "12x", "does not match"),
        ("flags", 1 << 40, "is not a 'int32'"),
    ],
)
async def test_the_spec_check_applies_the_formats_it_declares(fake, field, value, rule):
    """The API description's formats (date-time, uri, snowflake, int32) are checked, on the
    fake's own answers as on the bot's requests; discord.py's habits are the only exceptions
    (spec.discord_py_habits)."""
    message = fake.public(fake.message(CHANNEL_ID, MESSAGE))
    spec = load_spec()
    assert spec.check_object("MessageResponse", message, "ok") == []
    problems = spec.check_object("MessageResponse", {**message, field: value}, "bad")
    assert any(rule in p for p in problems), problems
    link = {"type": 2, "style": 5, "label": "docs", "url": "docs.example/x"}
    status, _, answer = await raw(
        fake,
        "POST",
        f"/channels/{CHANNEL_ID}/messages",
        json={**MESSAGE, "components": [{"type": 1, "components": [link]}]},
    )
    assert (status, answer["code"]) == (400, 50035)
    assert answer["errors"]["components"]["0"]["components"]["0"]["url"]["_errors"]
    fake.violations.clear()


V2 = {
    "flags": 1 << 15,  # IS_COMPONENTS_V2: resources/message#message-object-message-flags
    "components": [
        {"type": 10, "content": "## An answer\nin a text display"},
        {"type": 17, "components": [{"type": 10, "content": "inside a container"}, ROW]},
    ],
    "allowed_mentions": {"parse": []},
}


async def test_components_v2_messages_are_accepted_without_content(fake):
    """components/reference (Components V2): the flag makes the components the message;
    content or embeds beside them are refused."""
    path = f"/channels/{CHANNEL_ID}/messages"
    status, _, message = await raw(fake, "POST", path, json=V2)
    assert status == 200 and message["components"][0]["content"].startswith("## An answer")
    status, _, answer = await raw(fake, "POST", path, json={**V2, "content": "and text"})
    assert (status, answer["code"]) == (400, 50035)
    fake.violations.clear()


async def test_commands_discord_accepts(fake):
    """interactions/application-commands: a message context-menu command (type 3, free-text
    name, no description), Unicode and localized names, up to 8000 characters a command."""
    long_option = {
        "type": 3,
        "name": "topic",
        "description": "d" * 100,
        "choices": [{"name": f"{n:02d}" + "n" * 98, "value": "v" * 100} for n in range(25)],
    }
    commands = [
        {"type": 3, "name": "Report to moderators", "description": ""},
        {
            "name": "größe",
            "description": "Size",
            "name_localizations": {"de": "größe", "hi": "आकार", "th": "ขนาด"},
            "description_localizations": {"de": "Größe"},
        },
        {"name": "long", "description": "d" * 100, "options": [long_option]},  # 5,1xx chars
    ]
    status, _, answer = await raw(fake, "PUT", "/applications/1/commands", json=commands)
    assert status == 200, answer
    capital = [{"name": "Ask", "description": "d"}]
    status, _, answer = await raw(fake, "PUT", "/applications/1/commands", json=capital)
    assert (status, answer["code"]) == (400, 50035)
    fake.violations.clear()


async def test_what_the_fake_sends_has_the_fields_discord_sends(fake):
    """topics/gateway-events#guild-create lists soundboard_sounds; a modal submit's
    components carry their `id` (components/reference); an uploaded file's proxy_url is a
    real address that serves it (resources/message#attachment-object)."""
    from .fake_discord import GUILD_ID

    assert fake.guild(GUILD_ID)["soundboard_sounds"] == []
    fake.socket = _Socket()  # interact() dispatches INTERACTION_CREATE
    modal = {
        "custom_id": "m",
        "components": [{"type": 18, "label": "Q", "component": {"type": 4, "custom_id": "q"}}],
    }
    await fake.submit(modal, {"Q": "text"})
    row = fake.socket.sent[-1]["d"]["data"]["components"][0]
    assert isinstance(row["id"], int) and isinstance(row["component"]["id"], int)
    fake.socket = None
    form = aiohttp.FormData()
    form.add_field("payload_json", '{"content": "file", "attachments": [{"id": 0}]}')
    form.add_field("files[0]", b"a,b\n1,2\n", filename="t.csv", content_type="text/csv")
    status, _, message = await raw(fake, "POST", f"/channels/{CHANNEL_ID}/messages", data=form)
    assert status == 200, message
    async with (
        aiohttp.ClientSession() as session,
        session.get(message["attachments"][0]["proxy_url"]) as got,
    ):
        assert await got.read() == b"a,b\n1,2\n"


class _Socket:
    """A gateway connection that only records what the fake sends."""

    closed = False

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send_str(self, text: str) -> None:
        self.sent.append(json.loads(text))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # interactions/receiving-and-responding: a follow-up's flags are SUPPRESS_EMBEDS,
        # EPHEMERAL, SUPPRESS_NOTIFICATIONS or IS_COMPONENTS_V2, never CROSSPOSTED (1 << 0)
        ("followup", {**MESSAGE, "flags": 1}),
        # reference#uploading-files: attachments[].id names a files[n] part sent with it
        ("followup", {**MESSAGE, "attachments": [{"id": 0, "filename": "a.txt"}]}),
        # components/text-input: a text input belongs in a modal, never in a message
        (
            "followup",
            {
                **MESSAGE,
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 4, "custom_id": "t", "label": "l", "style": 1}],
                    }
                ],
            },
        ),
        # interactions/application-commands (option structure): option names are unique;
        # autocomplete is for string, integer and number options only
        (
            "commands",
            [
                {
                    "name": "a",
                    "description": "d",
                    "options": [
                        {"type": 3, "name": "q", "description": "d"},
                        {"type": 3, "name": "q", "description": "e"},
                    ],
                }
            ],
        ),
        (
            "commands",
            [
                {
                    "name": "a",
                    "description": "d",
                    "options": [{"type": 5, "name": "b", "description": "d", "autocomplete": True}],
                }
            ],
        ),
        (
            "commands",
            [
                {
                    "name": "a",
                    "description": "d",
                    "options": [
                        {"type": 4, "name": "n", "description": "d", "min_value": 5, "max_value": 1}
                    ],
                }
            ],
        ),
    ],
)
async def test_more_payloads_discord_refuses(fake, path, body):
    if path == "followup":
        sent, _ = await replied(fake)
        status, _, answer = await raw(fake, "POST", f"/webhooks/1/{sent.token}", json=body)
    else:
        status, _, answer = await raw(fake, "PUT", "/applications/1/commands", json=body)
    assert (status, answer["code"]) == (400, 50035), answer
    fake.violations.clear()


async def test_history_takes_one_of_around_before_after(fake):
    path = f"/channels/{CHANNEL_ID}/messages?before=5&after=1"
    status, _, answer = await raw(fake, "GET", path)
    assert (status, answer["code"]) == (400, 50035)
    fake.violations.clear()
    same_name = [
        {"name": "report", "description": "d"},
        {"type": 3, "name": "report", "description": ""},  # names are unique per type
    ]
    assert (await raw(fake, "PUT", "/applications/1/commands", json=same_name))[0] == 200


async def test_a_follow_up_before_the_interaction_is_answered_is_unknown_webhook(fake):
    """interactions/receiving-and-responding#followup-messages: the follow-up webhook exists
    once the interaction is answered; before, 10015 Unknown Webhook."""
    sent = interaction(fake, 2)
    status, _, answer = await raw(fake, "POST", f"/webhooks/1/{sent.token}", json=MESSAGE)
    assert (status, answer["code"]) == (404, 10015)
    assert fake.violations == ["followup before the interaction was acknowledged"]
    fake.violations.clear()
