"""`python -m bot kb …`: the moderators' powers from a shell (list, show, test, unanswered,
feedback, stats, history, export, import, undo, phrasing, not, out-of-scope, prune, forget),
through the same store (same validation, atomicity and audit)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from bot.config import Settings
from bot.knowledge.entry_yaml import dump_entry
from bot.knowledge.files import read_text_file
from bot.knowledge.parsing import MAX_BYTES, describe_yaml_error
from bot.knowledge.safe_yaml import UnsafeYaml
from bot.knowledge.store import Actor, KnowledgeStore, StoreError
from bot.records.activity import group_unanswered, read_unanswered
from bot.records.feedback import feedback_report
from bot.records.retention import forget, forgotten_summary, prune, summary, unattributed
from bot.records.stats import Stats, read_stats
from bot.rendering import replies, usage
from bot.rendering.stats_chart import stats_chart


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


def shell_actor() -> Actor:
    user = getpass.getuser()
    return Actor(f"shell:{user}", user)


def _question(text: str, command: str) -> str:
    if not text.strip():
        raise StoreError(f'Type the question, for example: kb {command} "QUESTION".')
    return text


def _confirmed(prompt: str) -> bool:
    """Ask on the terminal; no answer (stdin closed or at its end) is no."""
    try:
        answer = input(prompt)
    except (EOFError, RuntimeError):
        print("\nNo answer (pass --yes to apply without asking).", file=sys.stderr)
        return False
    return answer.strip().lower() in ("y", "yes")


def save_chart(path: Path, stats: Stats) -> None:
    try:
        path.write_bytes(stats_chart(stats))
    except OSError as exc:
        raise StoreError(f"Could not save the chart to {path}: {exc.strerror or exc}.") from None


def run_kb(args: argparse.Namespace, settings: Settings) -> int:
    """Raises StoreError / KnowledgeBaseError for the caller to report in one line."""
    store = KnowledgeStore(settings.knowledge_dir, settings.data_dir)
    match args.kb_command:
        case "list":
            print(replies.topics_text(store.load(), with_ids=True))
        case "show":
            print(dump_entry(store.document(args.entry_id)), end="")
        case "test":  # here: the other commands need neither the matcher nor numpy
            from bot.matching.explain import examine
            from bot.terminal.progress import build_matcher

            if not args.question.strip():
                _warn('Type a question, for example: kb test "do I need a PhD?"')
                return 2
            matcher = build_matcher(settings, _warn, store)
            print(replies.ranking_text(examine(matcher, args.question), matcher.mode))
        case "unanswered":
            groups = group_unanswered(read_unanswered(store.database, args.days))
            if not groups:
                print(f"No unanswered questions in the last {args.days} days.")
            for group in groups:
                near = f" (closest: {group.best})" if group.best else ""
                print(f"{group.count:4}x  {usage.shown(group.example, 200)}{near}")
        case "feedback":
            report = feedback_report(store.database, args.days)
            lines = usage.feedback_lines(report, questions=25)
            print("\n".join(lines) or f"No votes on answers in the last {args.days} days.")
        case "stats":
            stats = read_stats(store.database, args.days)
            if args.chart:
                save_chart(args.chart, stats)
            print("\n".join(usage.stats_lines(stats)))
            if args.chart:
                print(f"Chart saved to {args.chart}.")
        case "history":
            lines = replies.history_lines(store.history(args.entry_id, limit=20))
            print("\n".join(lines) or replies.no_history(args.entry_id, store.documents()))
        case "export":
            data = store.export()
            try:
                args.file.write_bytes(data)
            except OSError as exc:
                raise StoreError(f"Could not write {args.file}: {exc.strerror or exc}.") from None
            print(f"Wrote the knowledge base ({len(data):,} bytes) to {args.file}.")
        case "import":
            try:
                plan = store.plan_import(read_text_file(args.file, MAX_BYTES))
            except FileNotFoundError:
                raise StoreError(f"There is no file {args.file}; nothing changed.") from None
            except OSError as exc:  # a FIFO, a device, UTF-16, over 1 MB: said before reading
                problem = describe_yaml_error(exc)
                raise StoreError(f"{args.file} is {problem}; nothing changed.") from None
            except UnsafeYaml as exc:
                raise StoreError(str(exc)) from None
            print(replies.plan_text(plan.added, plan.changed, plan.removed))
            if plan.empty:
                print("Nothing to change.")
                return 0
            if not args.yes and not _confirmed("Apply? [y/N] "):
                print("Nothing changed.")
                return 1
            store.apply_import(plan, shell_actor())
            print("Imported.")
        case "phrasing":
            question = _question(args.question, f"phrasing {args.entry_id}")
            store.add_phrasing(args.entry_id, question, shell_actor())
            print(f"Added as a phrasing of {args.entry_id}.")
        case "not":
            question = _question(args.question, f"not {args.entry_id}")
            store.add_not_example(args.entry_id, question, shell_actor())
            print(f"Added as a question that {args.entry_id} does not answer.")
        case "out-of-scope":
            question = _question(args.question, f"out-of-scope add {args.topic}")
            store.add_out_of_scope(question, args.topic, shell_actor())
            print(f"Added to the out-of-scope topic {args.topic}.")
        case "prune":
            days = args.days or settings.retention_days
            print(summary(prune(store.database, days), days))
        case "forget":
            removed = forget(store.database, args.member_id)
            unknown = unattributed(store.database)
            print(forgotten_summary(removed, args.member_id, unknown))
        case "undo":
            batch = store.undo(shell_actor())
            print(f"Undid the {batch.action} of {replies.id_list(batch.entries)} by {batch.actor}.")
    return 0
