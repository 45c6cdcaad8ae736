"""What kind of question a text asks (why, how much, a head-to-head, how to, when...), set
against the kinds an entry's answer answers.

Near-topic questions are written in an entry's own words but ask something else of it: a
dollar figure where the answer explains why, a start date where it explains a trend, a
study plan where it lists topics. Similarity cannot see that; the kind asked can. The
reader is a few English patterns: a message in another language asks no kind here, and so
misses none.

An entry answers the kinds its file lists under `answers:` and those its own English
wordings ask (a wording is the moderators' word that the entry answers that question).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.knowledge.model import Entry
from bot.knowledge.text import content_tokens

_W = r"(?:[\w'-]+\s+)"  # one word and the space after it
PATTERNS: dict[str, str] = {  # one per ANSWER_KINDS (bot/knowledge/model.py)
    "why": r"\bwhy\b|\bhow come\b|\bwhat makes\b|\breasons?\b|\bwhat(?:'s| is)? "
    r"(?:behind|driving|drives|causes|explains|justifies)\b|\bwhat changed\b",
    "figure": rf"\bhow much (?:do|does|did|will|would|can|could|should) {_W}{{0,4}}?"
    r"(?:make|earn|get paid|paid|take home|pay)\b|\bhow much (?:money|base|salary|pay|tc)\b"
    r"|\bdollars?\b|\$\s?\d|\b\d+(?:\.\d+)?\s?(?:k|lpa|usd|eur)\b|[€£]\s?\d"
    r"|\b(?:exact|actual|real|concrete) (?:number|figure|amount|gap|dollar)s?\b"
    r"|\bwhat(?:'s| is| are) (?:the |a )?(?:typical |average |realistic |median |usual )?"
    r"(?:salary|salaries|pay|base|tc|comp|compensation|range|number)\b|\bballpark\b"
    r"|\b(?:salary|pay|base|tc|comp) (?:range|band|number|figure)s?\b|\bin numbers\b",
    "compare": r"\bvs\.?\b|\bversus\b|\bdifference between\b|\bcompared? (?:to|with)\b"
    r"|\b(?:better|worse|more|less|higher|lower|faster|harder|easier) than\b"
    r"|\b(?:or|and) (?:the )?other\b|\b[\w+#.-]+ or [\w+#.-]+\s*\?",
    "which": r"\bwhich\b|\bwhat (?:kinds?|sorts?|types?) of\b|\bwhere can\b"
    r"|\b(?:best|top|highest|most|worst)\b",
    "need": rf"\b(?:do|does|will) {_W}{{1,2}}(?:really |actually )?(?:need|have to)\b"
    r"|\brequired?\b|\bnecessary\b|\bprerequisites?\b|\bmandatory\b|\benough\b"
    r"|\bwithout (?:a|an|any|being)\b|\bmatters?\b|\bimportant\b",
    "define": r"^\s*what (?:is|are|does)\b|\bwhat(?:'s| is| are) (?:an? )?\w+\s*\??\s*$"
    r"|\bmeans?\b|\binvolve[sd]?\b|\bin plain words\b|\bwhat counts\b|\bmake up\b",
    "how-to": rf"\bhow (?:do|can|should|would|could) (?:i|you|we|one) {_W}{{0,2}}?"
    r"(?:get|become|learn|start|prepare|find|land|build|write|switch|move|negotiate|ask|pick"
    r"|choose|apply|stand|break|transition|improve|increase|raise|deploy|handle|explain"
    r"|study|practice|ace|pass|crack)\b|\bhow to\b|\broadmap\b|\b(?:study|learning|career)"
    r" plan\b|\b\d+[- ]?(?:week|month|day)s? (?:plan|course|program|bootcamp)\b"
    r"|\bstep[- ]by[- ]step\b|\bput together\b|\b(?:courses?|books?|textbooks?|tutorials?"
    r"|resources?)\b|\bwhere (?:do|can|should) i (?:start|learn)\b|\btips\b",
    "when": r"\bwhen\b|\bhow long\b|\bhow many (?:months|years|weeks|days|hours)\b"
    r"|\bwhat year\b|\bsince when\b|\btimeline\b|\b(?:19|20)\d\d\b",
    "future": r"\bwill\b|\bgoing to\b|\bfuture\b|\boutlook\b|\blong[- ]term\b|\blong run\b"
    r"|\bin (?:\d+|five|ten|a few) years\b|\bnext (?:\d+|few|five|ten)? ?(?:years|decade)\b"
    r"|\bstill be\b|\bbubble\b|\blast\b",
    "decline": r"\b(?:less|lower|drops?|dropped|dropping|declin\w*|falling|shrink\w*"
    r"|commoditi[sz]\w*|layoffs?|laid off|los(?:e|ing) value|dying|dead|saturat\w*"
    r"|oversaturat\w*|crash\w*|come down|replace[sd]?|obsolete)\b",
}
_COMPILED = {kind: re.compile(pattern, re.IGNORECASE) for kind, pattern in PATTERNS.items()}


def _flat(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


@lru_cache(maxsize=4096)  # a post is judged whole and by parts, with each entry
def asked_kinds(text: str) -> frozenset[str]:
    """The kinds of question `text` asks (none for a text in another language)."""
    flat = _flat(text)
    return frozenset(kind for kind, pattern in _COMPILED.items() if pattern.search(flat))


def answered_kinds(entry: Entry) -> frozenset[str]:
    """The kinds entry's answer answers: its `answers:` and what its wordings ask (a kind
    is looked for until one wording asks it: a third less time than reading every kind of
    every wording)."""
    flats = [_flat(text) for text in entry.texts]
    asked = (kind for kind, pattern in _COMPILED.items() if any(map(pattern.search, flats)))
    return frozenset((*entry.answers, *asked))


def unanswered_kinds(text: str, entry: Entry, answered: frozenset[str] | None = None) -> list[str]:
    """The kinds `text` asks that `entry` does not answer, in a stable order."""
    kinds = answered if answered is not None else answered_kinds(entry)
    return sorted(asked_kinds(text) - kinds)


# A message that only makes sense after an earlier one: "and for seniors?", "what about
# Berlin?", "same q but for data engineers", "is that true for startups too?".
_FOLLOW_UP = re.compile(
    r"^(?:and|also|plus|but|ok(?:ay)?,? and|so)?\s*(?:what|how) about\b"
    r"|^(?:and|also|plus|or)\s+(?:for|in|at|with|if|the|same)\b"
    r"|^same (?:q|qn|question|thing|here)?\s*(?:but|for|in|at|with)\b"
    r"|^(?:is|does|do|would|will) (?:that|this|it) (?:\w+ ){0,5}(?:too|also|as well)\s*\??$",
    re.IGNORECASE,
)
_OPENER = re.compile(
    r"^(?:and|also|plus|but|or|so|ok(?:ay)?,?)?\s*(?:(?:what|how) about|same (?:q|qn|question"
    r"|thing|here)?\s*(?:but)?)?\s*",
    re.IGNORECASE,
)
MAX_FOLLOW_UP_WORDS = 8


def reads_as_follow_up(text: str) -> bool:
    """Does `text` lean on an earlier message (it is not answered on its own)?"""
    flat = " ".join(text.split()).strip()
    return len(flat.split()) <= MAX_FOLLOW_UP_WORDS and bool(_FOLLOW_UP.search(flat))


def with_earlier(earlier: str, follow_up: str) -> str:
    """The question a follow-up asks, read with the earlier question it follows."""
    rest = _OPENER.sub("", " ".join(follow_up.split()), count=1).rstrip(" ?")
    return f"{earlier.rstrip(' ?')}, {rest}?" if rest else earlier


def unquote(text: str) -> str:
    """What a message quoting an earlier one asks (Discord's `> ` lines, or `>>> ` and all
    after it): its own words, read with the quote when they follow it up ("what about
    Berlin?"), or the quote itself when they ask nothing ("+1", "this ^")."""
    own: list[str] = []
    quoted: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(">>> "):
            quoted += [stripped[4:], *lines[i + 1 :]]
            break
        if stripped.startswith("> ") or stripped == ">":
            quoted.append(stripped[2:])
        else:
            own.append(line)
    if not quoted:
        return text
    earlier, mine = " ".join(" ".join(quoted).split()), "\n".join(own).strip()
    if not any(c.isalpha() for token in content_tokens(mine) for c in token):
        return earlier
    return with_earlier(earlier, mine) if reads_as_follow_up(mine) else mine
