from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_environment_wins_over_env_file(tmp_path, knowledge_copy):
    env_file = tmp_path / ".env"
    env_file.write_text(
        f'# note\nDATA_DIR="from-file"\nKNOWLEDGE_DIR={knowledge_copy}\nexport LOG_LEVEL=debug\n'
    )
    settings = load_settings({"DATA_DIR": "from-env"}, env_file)
    assert settings.data_dir == Path("from-env")
    assert settings.knowledge_dir == knowledge_copy
    assert settings.log_level == "DEBUG"


def test_env_file_reads_like_docker_compose(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "export LOG_LEVEL=warning  # inline comment\n"
        "ANSWER_COOLDOWN='3/10'\n"
        'GUILD_IDS="1, 2"   # two servers\n'
    )
    settings = load_settings({}, env_file)
    assert settings.log_level == "WARNING" and settings.answer_cooldown == (3, 10.0)
    assert settings.guild_ids == frozenset({1, 2})


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("KNOWLEDGE_DIR", lambda tmp: tmp / "nope", "must be a folder holding entries/*.yaml"),
        ("DATA_DIR", lambda tmp: Path("/etc/passwd"), "must be a folder"),
        ("DATA_DIR", lambda tmp: Path("/etc/passwd/data"), "/etc/passwd is a file"),
        ("LOG_FILE", lambda tmp: tmp, "must be a file"),
    ],
)
def test_path_settings_are_checked_and_named(tmp_path, name, make, message):
    with pytest.raises(ConfigError, match=name) as caught:
        load_settings({name: str(make(tmp_path))}, tmp_path / "missing.env")
    assert message in str(caught.value)


def test_without_a_local_knowledge_folder_the_shipped_one_is_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({}, tmp_path / "missing.env")
    assert (settings.knowledge_dir / "entries" / "phd-required.yaml").is_file()


def test_defaults(tmp_path):
    settings = load_settings({}, tmp_path / "missing.env")
    assert settings.knowledge_dir == Path("knowledge") and settings.data_dir == Path("data")
    assert settings.semantic is True and settings.semantic_model_dir is None
    assert settings.multilingual is True and settings.answer_check is True
    assert settings.guild_ids == frozenset() and settings.mod_log_channel_id is None
    assert settings.answer_cooldown == (5, 30.0)


def test_discord_ids_and_cooldown(tmp_path):
    settings = load_settings(
        {
            "GUILD_IDS": "111, 222 333",
            "ANSWER_CHANNEL_IDS": "444",
            "MOD_LOG_CHANNEL_ID": "555",
            "ANSWER_COOLDOWN": "3/10.5",
        },
        tmp_path / "none",
    )
    assert settings.guild_ids == {111, 222, 333} and settings.answer_channel_ids == {444}
    assert settings.mod_log_channel_id == 555 and settings.answer_cooldown == (3, 10.5)


def test_forums_and_the_message_content_intent(tmp_path):
    plain = load_settings({}, tmp_path / "none")
    assert not plain.reads_messages and not plain.forum_channel_ids
    forums = load_settings(
        {"FORUM_CHANNEL_IDS": "666", "FORUM_ANSWERED_TAG": "Answered"}, tmp_path / "none"
    )
    assert forums.forum_channel_ids == {666} and forums.forum_answered_tag == "Answered"
    assert forums.reads_messages, "asked for by default when a forum's posts are read"
    titles = load_settings({"FORUM_CHANNEL_IDS": "666", "MESSAGE_CONTENT": "off"}, tmp_path / "x")
    assert not titles.reads_messages


def test_token_is_never_in_the_repr(tmp_path):
    settings = load_settings({"DISCORD_TOKEN": "secret-token"}, tmp_path / "none")
    assert settings.discord_token == "secret-token"
    assert "secret-token" not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SEMANTIC": "maybe"}, "SEMANTIC must be on or off, not 'maybe'"),
        ({"ANSWER_CHECK": "sometimes"}, "ANSWER_CHECK must be on or off, not 'sometimes'"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
        ({"LOG_LEVEL": "critical"}, "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
        ({"LOG_LEVEL": "WARN"}, "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
        ({"LOG_LEVEL": "NOTSET"}, "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
        ({"GUILD_IDS": "123, my-server"}, "GUILD_IDS must be Discord ids"),
        ({"MODERATOR_ROLE_IDS": "-5"}, "MODERATOR_ROLE_IDS must be Discord ids"),
        ({"MOD_LOG_CHANNEL_ID": "1 2"}, "MOD_LOG_CHANNEL_ID must be one channel id"),
        ({"ANSWER_COOLDOWN": "5"}, "ANSWER_COOLDOWN must be answers/seconds such as 5/30"),
        ({"ANSWER_COOLDOWN": "0/30"}, "ANSWER_COOLDOWN must be answers/seconds"),
        ({"FORUM_CHANNEL_IDS": "#help"}, "FORUM_CHANNEL_IDS must be Discord ids"),
        ({"FORUM_ANSWERED_TAG": "x" * 21}, "at most 20 characters"),
        ({"MESSAGE_CONTENT": "sometimes"}, "MESSAGE_CONTENT must be on or off"),
    ],
)
def test_bad_settings_are_named(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ, tmp_path / "none")


def test_malformed_env_file_line(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("JUSTAWORD\n")
    with pytest.raises(ConfigError, match="line 1: expected KEY=VALUE"):
        load_settings({}, env_file)
