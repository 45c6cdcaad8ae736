"""Command line: `python -m bot [run | sync | console | ask | kb ...]`.

Only `run` and `sync` import discord; `ask`, `kb` and `console` stay light for a fast start.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.calculator.amounts import CompInputError
from bot.config import ConfigError, Settings, load_settings
from bot.knowledge.model import KnowledgeBaseError
from bot.knowledge.store import StoreError
from bot.rendering import replies
from bot.terminal.comp_commands import join_negative_values, run_comp
from bot.terminal.parser import build_parser, program

SHOWN_PROBLEMS = 50  # an import of 240,000 bad items: the first problems and a count
KB_WRITES = frozenset({"import", "phrasing", "not", "out-of-scope", "undo"})

ASK_PICK_HINT = "Ask again with the wording of the one you mean."


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


def _undecodable(word: str) -> bool:
    """Python keeps bytes that are not UTF-8 in an argument as lone surrogates."""
    return any("\udc80" <= c <= "\udcff" for c in word)


def _questions(arguments: list[str]) -> Iterable[str]:
    for argument in arguments:
        if argument == "-":
            yield from (line.rstrip("\n") for line in sys.stdin)
        else:
            yield argument


def cmd_ask(settings: Settings, questions: list[str], as_json: bool) -> int:
    from bot.terminal.progress import build_matcher

    matcher = build_matcher(settings, _warn)
    status, asked = 0, False
    for question in _questions(questions):
        asked = True
        if not question.strip():
            _warn(f'Type a question, for example: {program()} ask "Do I need a PhD for ML?"')
            status = 2
            if not as_json:
                continue  # JSON keeps one line per question, so the output stays aligned
        match = matcher.match(question)
        if as_json:
            print(json.dumps(replies.match_record(match), ensure_ascii=False))
            continue
        print(
            replies.terminal_text(
                replies.match_text(
                    match,
                    matcher.kb,
                    topics_hint="`python -m bot console` then `topics`",
                    pick_hint=ASK_PICK_HINT,
                )
            )
        )
    if not asked:  # `ask -` with nothing on standard input
        _warn(
            "No question on standard input; pipe one in, for example: "
            f'echo "Do I need a PhD?" | {program()} ask -'
        )
        return 2
    return status


def cmd_validate(settings: Settings, directory: Path | None) -> int:
    from bot.calculator.bands import load_bands
    from bot.knowledge.loader import load_knowledge_base
    from bot.knowledge.store import KnowledgeStore

    if directory is not None and not directory.is_dir():
        _warn(f"{directory} is not a folder; give the folder that holds entries/.")
        return 2
    problems = []
    try:
        if directory is None:  # the live one: wait for, or finish, a change in progress
            directory = settings.knowledge_dir
            kb = KnowledgeStore(directory, settings.data_dir).load()
        else:
            kb = load_knowledge_base(directory)
    except KnowledgeBaseError as exc:
        problems += exc.problems
    try:
        bands = load_bands(directory)
    except KnowledgeBaseError as exc:
        problems += exc.problems
    if problems:
        raise KnowledgeBaseError(problems)
    categories = len(kb.categories())
    phrasings = sum(len(e.phrasings) for e in kb.entries)
    print(
        f"OK: {len(kb)} entries in {categories} categories, {phrasings} phrasings; "
        f"pay bands for {len(bands.levels)} levels."
    )
    return 0


def cmd_test(settings: Settings, verbose: bool, extra: list[Path]) -> int:
    from bot.matching.evaluation import EVALUATION_FILE
    from bot.terminal.evaluation_report import score_files
    from bot.terminal.progress import build_matcher

    path = settings.knowledge_dir / EVALUATION_FILE
    if not path.is_file():
        _warn(f"No evaluation file at {path}: write labelled questions there first.")
        return 1
    return score_files(lambda: build_matcher(settings, _warn), [path, *extra], verbose, _warn)


def cmd_console(settings: Settings) -> int:
    from bot.terminal.console import run_console
    from bot.terminal.progress import build_matcher

    with contextlib.suppress(ImportError):  # not on every platform; works without it
        import readline  # noqa: F401 - arrow keys and history at the prompt

    run_console(build_matcher(settings, _warn), knowledge_dir=settings.knowledge_dir)
    return 0


NO_TOKEN = "No DISCORD_TOKEN set"


def _discord(settings: Settings, action: Callable[[Settings], object]) -> int:
    import aiohttp
    import discord

    try:
        action(settings)
    except discord.LoginFailure:
        _warn(
            "Configuration error: Discord rejected DISCORD_TOKEN; copy it again from the "
            "Developer Portal (Bot -> Reset Token)."
        )
        return 2
    except discord.PrivilegedIntentsRequired:
        _warn(
            "The Message Content intent is off in the Developer Portal: turn it on (Bot -> "
            "Privileged Gateway Intents), or set MESSAGE_CONTENT=off (then answer channels do "
            "not work and forum posts are matched on their titles)."
        )
        return 2
    except (OSError, aiohttp.ClientError, discord.GatewayNotFound) as exc:
        _warn(f"Could not reach Discord ({exc}); check the network and try again.")
        return 1
    return 0


def cmd_run(settings: Settings) -> int:
    if not settings.discord_token:
        if not sys.stdin.isatty():  # a service or container: a console would read nothing
            _warn(f"{NO_TOKEN}: set it in .env (or run `{program()} console` to use stdin).")
            return 2
        _warn(f"{NO_TOKEN}: opening the offline terminal console.")
        return cmd_console(settings)
    from bot.discord_adapter.lifecycle import run

    return _discord(settings, lambda s: run(s, _dashboard_beside(s)))


def _dashboard_beside(settings: Settings) -> Callable | None:
    """The dashboard in the bot's process when DASHBOARD_PORT is set."""
    if not settings.dashboard_port:
        return None
    from bot.discord_adapter.views.dashboard import announce, may_curate
    from bot.web_adapter.server import companion

    return companion(may_curate, announce)


def cmd_invite(settings: Settings) -> int:
    from bot.discord_adapter.readiness import application_id_from_token, invite_url

    application_id = application_id_from_token(settings.discord_token)
    if application_id is None:
        _warn(f"{NO_TOKEN} (or it is not a bot token): set it in .env to make the invite link.")
        return 2
    print(invite_url(application_id, bool(settings.forum_answered_tag)))
    return 0


def cmd_health(settings: Settings, max_age: int) -> int:
    """For container health checks: the connected bot touches a heartbeat file every minute."""
    from bot.records.health import heartbeat_age

    age = heartbeat_age(settings.data_dir)
    if age is None or age > max_age:
        since = "ever" if age is None else f"{age:.0f} s"
        _warn(f"Unhealthy: no heartbeat for {since}; the bot is not connected to Discord.")
        return 1
    print(f"Healthy: connected, heartbeat {age:.0f} s ago.")
    return 0


def cmd_sync(settings: Settings) -> int:
    if not settings.discord_token:
        _warn(f"{NO_TOKEN}: set it in .env to sync the slash commands.")
        return 2
    import asyncio

    from bot.discord_adapter.lifecycle import SyncFailed, sync

    def sync_and_say(s: Settings) -> None:
        print("\n".join(asyncio.run(sync(s))))

    try:
        return _discord(settings, sync_and_say)
    except SyncFailed as exc:
        print("\n".join(exc.lines))
        _warn(str(exc))
        return 1


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdin, sys.stdout, sys.stderr):  # odd bytes are shown, never a crash
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    try:
        words = sys.argv[1:] if argv is None else argv
        if any(_undecodable(word) for word in words):
            _warn(
                "An argument is not valid UTF-8 text (the terminal's encoding?); type it again "
                "or pass the question on standard input."
            )
            return 2
        args = build_parser().parse_args(join_negative_values(words))
        if args.command == "init":  # before the settings: there may be nothing to read yet
            from bot.terminal.deploy import run_init

            return run_init(args.folder, _warn)
        settings = load_settings()
        match args.command:
            case "invite":
                return cmd_invite(settings)
            case "dashboard":
                from bot.discord_adapter.reporting import ReportWorker
                from bot.web_adapter.server import run_alone

                return run_alone(settings, ReportWorker().run, args.link, _warn)
            case "health":
                return cmd_health(settings, args.max_age)
            case "ask":
                return cmd_ask(settings, args.questions, args.json)
            case "console":
                return cmd_console(settings)
            case "sync":
                return cmd_sync(settings)
            case "comp":
                return run_comp(args, settings.knowledge_dir, print)
            case "kb" if args.kb_command == "validate":
                return cmd_validate(settings, args.directory)
            case "kb" if args.kb_command == "test" and args.question is None:
                return cmd_test(settings, args.verbose, args.eval)
            case "kb":
                from bot.terminal.kb_commands import run_kb

                return run_kb(args, settings)
            case _:
                return cmd_run(settings)
    except ConfigError as exc:
        _warn(f"Configuration error: {exc}")
        return 2
    except (CompInputError, StoreError) as exc:
        _warn(str(exc))
        return 2
    except KnowledgeBaseError as exc:
        count = len(exc.problems)
        _warn(f"The knowledge base is invalid ({count} problem{'s' * (count != 1)}):")
        for problem in exc.problems[:SHOWN_PROBLEMS]:
            _warn(f"  {problem}")
        if count > SHOWN_PROBLEMS:
            _warn(f"  …and {count - SHOWN_PROBLEMS:,} more (fix these first).")
        if getattr(args, "kb_command", None) in KB_WRITES:
            _warn("Nothing changed.")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `kb history | head`: the reader has gone; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
