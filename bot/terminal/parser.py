"""The command line's words: every command, option and its help, in one parser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import version
from bot.knowledge.scope import DEFAULT_TOPIC
from bot.terminal.comp_commands import add_comp_parser


def program() -> str:
    """How the user started us: `python -m bot`, or the installed `ml-career-bot` script."""
    started = Path(sys.argv[0]).name
    return "python -m bot" if started in ("__main__.py", "-m", "") else started


class _Version(argparse.Action):
    """argparse's "version" action, reading the installed version only when asked (reading
    the package metadata costs every other command 15 ms)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, argparse.SUPPRESS, 0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"{parser.prog} {version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program(), description="ML Career Bot: answers ML-career questions."
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot (the terminal console when no Discord token)")
    commands.add_parser("sync", help="push the slash commands to Discord now, changed or not")
    commands.add_parser("console", help="an interactive terminal session")
    commands.add_parser("invite", help="print the link that adds the bot to a server")
    dashboard = commands.add_parser(
        "dashboard", help="serve the moderators' web dashboard alone (DASHBOARD_PORT)"
    )
    dashboard.add_argument(
        "--link", action="store_true", help="print a one-time sign-in link (10 minutes) and exit"
    )
    health = commands.add_parser("health", help="exit 0 if the running bot is connected")
    health.add_argument(
        "--max-age",
        type=_seconds,
        default=180,
        metavar="SECONDS",
        help="the oldest heartbeat that counts as connected (default 180)",
    )
    init = commands.add_parser("init", help="create a deployment folder (knowledge, .env, data)")
    init.add_argument("folder", type=Path, metavar="DIR")
    ask = commands.add_parser("ask", help="answer questions and exit")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("questions", nargs="+", metavar="QUESTION", help="a question, or - for stdin")
    add_comp_parser(commands)
    kb = commands.add_parser("kb", help="knowledge-base tools").add_subparsers(
        dest="kb_command", metavar="KB_COMMAND", required=True
    )
    validate = kb.add_parser("validate", help="check the knowledge base and report every problem")
    validate.add_argument("directory", nargs="?", type=Path, help="default: KNOWLEDGE_DIR")
    test = kb.add_parser(
        "test", help="what the matcher does with a question; without one, score evaluation.yaml"
    )
    test.add_argument("question", nargs="?", help="a question to explain")
    test.add_argument("--verbose", action="store_true", help="list every miss")
    test.add_argument(
        "--eval",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="also score this evaluation file (same format; repeatable)",
    )
    kb.add_parser("list", help="every entry by category")
    kb.add_parser("show", help="one entry as YAML").add_argument("entry_id", metavar="ID")
    unanswered = kb.add_parser("unanswered", help="questions the bot could not answer, grouped")
    unanswered.add_argument("--days", type=_days, default=30, help="look back this far (30)")
    feedback = kb.add_parser("feedback", help="answers members voted not helpful, and on what")
    feedback.add_argument("--days", type=_days, default=30, help="look back this far (30)")
    stats = kb.add_parser("stats", help="questions per day, answers, votes, top entries")
    stats.add_argument("--days", type=_days, default=30, help="look back this far (30)")
    stats.add_argument("--chart", type=Path, metavar="FILE.png", help="save a PNG chart")
    history = kb.add_parser("history", help="recent changes (who, when, what)")
    history.add_argument("entry_id", nargs="?", metavar="ID")
    kb.add_parser("export", help="write the knowledge base as one YAML file").add_argument(
        "file", type=Path
    )
    import_ = kb.add_parser("import", help="replace the knowledge base from an exported file")
    import_.add_argument("file", type=Path)
    import_.add_argument("--yes", action="store_true", help="apply without asking")
    kb.add_parser("undo", help="revert the latest change")
    prune = kb.add_parser("prune", help="delete members' questions and votes older than N days")
    prune.add_argument("--days", type=_days, help="default: RETENTION_DAYS (180)")
    forget = kb.add_parser("forget", help="delete every vote of one member")
    forget.add_argument("member_id", type=_member, metavar="MEMBER_ID", help="their Discord id")
    phrasing = kb.add_parser("phrasing", help="add a question as another wording of an entry")
    phrasing.add_argument("entry_id", metavar="ID")
    phrasing.add_argument("question", metavar="QUESTION")
    not_ = kb.add_parser("not", help="a question that looks like an entry but is not it")
    not_.add_argument("entry_id", metavar="ID")
    not_.add_argument("question", metavar="QUESTION")
    scope = kb.add_parser("out-of-scope", help="questions the bot must not answer")
    scope_add = scope.add_subparsers(dest="scope_command", required=True).add_parser(
        "add", help="add a question to an out-of-scope topic (made when new)"
    )
    scope_add.add_argument("question", metavar="QUESTION")
    scope_add.add_argument("--topic", default=DEFAULT_TOPIC, help=f"default: {DEFAULT_TOPIC}")
    return parser


def _member(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 0 < int(text) < 2**64):
        raise argparse.ArgumentTypeError("must be a Discord user id (a number)")
    return int(text)


def _seconds(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 86_400):
        raise argparse.ArgumentTypeError("must be a whole number of seconds from 1 to 86400")
    return int(text)


def _days(text: str) -> int:
    from bot.records.activity import MAX_DAYS

    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_DAYS}")
    return int(text)
