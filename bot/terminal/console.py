"""The interactive terminal session: the same answers as Discord, typed at a prompt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.knowledge.model import Entry
from bot.matching.matcher import Matcher
from bot.rendering import replies
from bot.terminal.comp_commands import console_comp

HELP = (
    "Ask any question about ML careers and pay. Commands: `topics` lists what I know, "
    "a number picks a suggestion, `/comp offer --base 180k --stock 600k …` prices an offer "
    "(`/comp --help` for more), `help` shows this, `quit` (or Ctrl-D) leaves."
)
PICK_HINT = "Type its number to see that answer."


def run_console(
    matcher: Matcher,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = lambda text: print(replies.terminal_text(text)),
    knowledge_dir: Path = Path("knowledge"),
) -> None:
    write(f"ML Career Bot: terminal console ({matcher.mode} matching). {HELP}")
    last_suggestions: tuple[Entry, ...] = ()
    while True:
        try:
            line = read("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if line.lower() in ("quit", "exit"):
            return
        if not line:
            continue
        if line.lower() in ("help", "?"):
            write(HELP)
        elif line.lower().startswith(("/comp", "comp ")):
            write(console_comp(line, knowledge_dir))
        elif line.lower() in ("topics", "/topics"):
            write(replies.topics_text(matcher.kb))
        elif line.isascii() and line.isdigit():
            index = int(line) - 1
            if 0 <= index < len(last_suggestions):
                write(replies.entry_text(last_suggestions[index]))
            elif last_suggestions:
                write(f"Pick a number from 1 to {len(last_suggestions)}.")
            else:
                write("There are no suggestions to pick from: type a question.")
        else:
            match = matcher.match(line)
            last_suggestions = match.suggestions if match.entry is None else ()
            write(
                replies.match_text(match, matcher.kb, topics_hint="`topics`", pick_hint=PICK_HINT)
            )
