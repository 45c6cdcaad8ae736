"""The fake Discord refuses what Discord refuses, with Discord's status, code and body: one
payload per rule, each breaking only that rule, sent straight to the fake."""

from __future__ import annotations

import time

import aiohttp
import pytest

from .fake_discord import CHANNEL_ID, FakeDiscord, Sent
from .spec import load_spec

BUTTON = {"type": 2, "style": 1, "label": "ok", "custom_id": "ok"}
ROW = {"type": 1, "components": [BUTTON]}
MESSAGE = {"content": "hello", "allowed_mentions": {"parse": []}}
needs_spec = pytest.mark.skipif(load_spec() is None, reason="../shared/discord-api-spec absent")


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
