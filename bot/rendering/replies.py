"""Turn core results into text a person reads. Shared by every adapter."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from bot.knowledge.model import Entry, KnowledgeBase, OutOfScopeTopic
from bot.matching.result import Decision, Match

if TYPE_CHECKING:  # a command that only lists or edits entries never loads numpy
    from bot.matching.explain import Tested

SCOPE = "ML careers: skills, pay and offers, the job market, and how to get in"


def clip(text: str, limit: int) -> str:
    """Cut to at most `limit` characters at a word boundary, marking the cut with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


_EMPHASIS_RE = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_LINK_RE = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def terminal_text(text: str) -> str:
    """Discord Markdown as a terminal shows it readably: no `**` around bold text, a masked
    link as its label and address."""
    text = _EMPHASIS_RE.sub(lambda m: m.group(1) or m.group(2), text)
    return _LINK_RE.sub(r"\1 <\2>", text)


def fitting_lines(lines: list[str], limit: int, more: str) -> list[str]:
    """As many whole lines (each clipped to half the space) as fit in `limit` characters
    joined by line breaks; when some are left out, a last line `more` with their count in
    place of `{}`."""
    room = limit - len(more.format(len(lines))) - 1  # while a "more" line may be needed
    shown: list[str] = []
    used = -1
    for n, line in enumerate(clip(line, limit // 2) for line in lines):
        last = n == len(lines) - 1
        if used + 1 + len(line) > (limit if last else room):
            return [*shown, more.format(len(lines) - n)]
        shown.append(line)
        used += 1 + len(line)
    return shown


STALE_KNOWLEDGE = "The knowledge base on disk is invalid; still serving the last good version:"


def bullets(items: Iterable[object]) -> str:
    return "\n".join(f"- {item}" for item in items)


def confidence(score: int) -> str:
    if score >= 75:
        return "high"
    return "good" if score >= 55 else "fair"


def entry_footer(entry: Entry, score: int | None = None) -> str:
    return entry.category if score is None else f"{entry.category} · match {confidence(score)}"


def entry_text(entry: Entry, score: int | None = None) -> str:
    return f"{entry.question}\n\n{entry.answer.strip()}\n\n— {entry_footer(entry, score)}"


def decline_text(topics_hint: str, topic: OutOfScopeTopic | None = None) -> str:
    """The decline; for an out-of-scope topic, its pointer when it has one."""
    pointer = f" {topic.pointer}" if topic is not None and topic.pointer else ""
    return (
        f"Sorry, I don't have an answer for that. I cover {SCOPE}.{pointer} "
        f"Try {topics_hint} to browse what I know."
    )


def suggestions_text(match: Match, pick_hint: str) -> str:
    opening = "Did you also mean" if match.answers else "I'm not sure which of these you mean"
    lines = [f"{opening}:"]
    lines += [f"  {n}. {entry.question}" for n, entry in enumerate(match.suggestions, 1)]
    lines.append(pick_hint)
    return "\n".join(lines)


def match_text(match: Match, kb: KnowledgeBase, *, topics_hint: str, pick_hint: str) -> str:
    """Every answer (a post may ask several things), then "did you mean" for the rest."""
    if match.answers:
        texts = []
        for entry in match.answers:
            text = entry_text(entry, match.score if len(match.answers) == 1 else None)
            related = [kb.by_id[i].question for i in entry.related if i in kb.by_id]
            if related and len(match.answers) == 1:
                text += "\nRelated:" + "".join(f"\n  - {question}" for question in related)
            texts.append(text)
        if match.suggestions:
            texts.append(suggestions_text(match, pick_hint))
        return "\n\n".join(texts)
    if match.decision is Decision.SUGGEST and match.suggestions:
        return suggestions_text(match, pick_hint)
    return decline_text(topics_hint, match.topic)


def topics_text(kb: KnowledgeBase, with_ids: bool = False) -> str:
    lines: list[str] = []
    for category, entries in kb.categories().items():
        lines.append(f"{category}:")
        lines += [f"  - {e.question}" + (f" ({e.id})" if with_ids else "") for e in entries]
    return "\n".join(lines)


def match_record(match: Match) -> dict[str, object]:
    """The machine-readable form of a match (`ask --json`)."""
    return {
        "question": match.question,
        "id": match.entry.id if match.entry else None,
        "answers": [entry.id for entry in match.answers],
        "score": match.score,
        "suggestions": [entry.id for entry in match.suggestions],
    }


def ranking_text(tested: Tested, mode: str) -> str:
    """What the matcher did with a question, for moderators: the decision, what it answered,
    the top entries, the nearest out-of-scope example, and why."""
    match = tested.match
    lines = [f"Decision: {match.decision.value} (best score {match.score}; {mode} matching)"]
    if len(match.answers) > 1:
        lines.append("Answers: " + ", ".join(entry.id for entry in match.answers))
    if match.decision is Decision.DECLINE:  # what the member is told beside the decline
        topic = match.topic
        pointed = f"{topic.name}: {topic.pointer}" if topic and topic.pointer else "none"
        lines.append(f"Pointer shown: {pointed}")
    lines += [
        f"{n}. {score:3}  {entry.id}: {entry.question}"
        for n, (entry, score) in enumerate(match.ranking, 1)
    ]
    if tested.nearest is not None:
        topic, example, score = tested.nearest
        lines.append(f"Nearest out-of-scope: {score:3}  {topic.name}: {example}")
    lines += [f"Why: {reason}" for reason in tested.why]
    return "\n".join(lines)


def id_list(ids: Sequence[str], shown: int = 3) -> str:
    """`a, b, c and 297 more`."""
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def history_lines(records: list[dict[str, Any]]) -> list[str]:
    return [
        f"{str(r['time'])[:16].replace('T', ' ')}  {r['actor']}  {r['action']}  "
        + id_list(r["entries"])
        for r in records
    ]


def no_history(entry_id: str | None, entries: Collection[str]) -> str:
    """What to say when there is no change to show: none at all, none to an entry, or no
    such entry (a typo is not "no changes")."""
    if entry_id is None:
        return "No changes yet."
    if entry_id in entries:
        return f"No changes to {entry_id} made through the bot yet."
    return f"There is no entry {entry_id[:90]!r}, and no change to one by that id."


def plan_text(added: tuple[str, ...], changed: tuple[str, ...], removed: tuple[str, ...]) -> str:
    def part(label: str, ids: tuple[str, ...]) -> str:
        return f"{label} {len(ids)}" + (f": {id_list(ids, 15)}" if ids else "")

    return "\n".join([part("Add", added), part("Change", changed), part("Remove", removed)])
