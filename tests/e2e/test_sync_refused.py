"""`sync` with one server refusing: what did sync is said, the refusal is named, and the
message does not contradict the log."""

from __future__ import annotations

import pytest

from bot.discord_adapter.lifecycle import SyncFailed, sync
from tests.conftest import KNOWLEDGE

from .conftest import bot_settings
from .fake_discord import GUILD_ID, OTHER_GUILD_ID


async def test_sync_names_the_servers_that_synced_and_the_one_that_refused(fake, tmp_path):
    settings = bot_settings(
        tmp_path / "data", knowledge_dir=KNOWLEDGE, guild_ids=frozenset({GUILD_ID, OTHER_GUILD_ID})
    )
    first, second = sorted((GUILD_ID, OTHER_GUILD_ID))
    fake.fail_next("PUT", rf"/guilds/{first}/commands$", 403)
    with pytest.raises(SyncFailed) as refused:
        await sync(settings)
    assert refused.value.lines[0].startswith(f"not synced to server {first}: Discord refused")
    assert refused.value.lines[1] == f"synced 6 commands to server {second}"
    assert "tries again at its next start" in str(refused.value)
