"""Write questions the knowledge base's answers do not answer, made from its own wordings.

    .venv/bin/python bench/hard_negatives.py > bench/hard_negatives.yaml

Near-topic questions reuse an entry's words but ask something its answer never says. This
turns each entry's English wordings and keywords into such questions by rule, not one by
one: pay in a city or at a company its answer never names (even where it gives figures: they
are for other places); since when, instead of why; a study plan, books or first steps; when
something started or how long it takes to learn. A template of a kind the entry answers
(`answers:`, or asked by its wordings) is skipped.

Swapping the subject ("rent" for "pay") or the role ("nurses" for "ML engineers"), and
head-to-heads of two unrelated names, were tried and left out: the decision's features
cannot see those swaps, and fitting on them cost up to a third of the short questions
answered (bench/calibrate.py, out of fold).

The output is in the evaluation format (near_topic → fit → none), for bench/calibrate.py to
fit on; it is never indexed by the matcher. Seeded: the same knowledge base
gives the same file. Review it before fitting on it: drop any line an entry does answer.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.loader import load_knowledge_base  # noqa: E402
from bot.matching.answerability.kinds import answered_kinds  # noqa: E402

SEED = 20261207
PER_ENTRY = 12
_WHERE = re.compile(r"\b(in|at) (the )?(US|Bay Area|SF|San Francisco|New York|Seattle)\b", re.I)
PLACES = ("Berlin", "Lagos", "São Paulo", "Warsaw", "Manila", "Nairobi", "Osaka", "Lyon")
COMPANIES = ("Spotify", "Siemens", "Infosys", "Zalando", "Rakuten", "Shopify", "Grab", "Unilever")
_PAY = re.compile(r"\b(pay|pays|paid|salary|salaries|earn|earns|make|comp|compensation|tc)\b", re.I)


_ENGLISH = re.compile(r"\b(the|is|are|do|does|what|why|how|which|should|for|of|to)\b", re.I)
_NOT_ENGLISH = re.compile(
    r"\b(ke|ki|kya|hai|hain|kyun|mein|yang|apa|itu|dan|para|como|que)\b", re.I
)


def english(text: str) -> bool:
    return text.isascii() and bool(_ENGLISH.search(text)) and not _NOT_ENGLISH.search(text)


def topical(keyword: str) -> bool:
    """A keyword that names a subject one could study or be paid for: several words, or a
    long noun-looking one ("fraud detection", "databases"; not "depends", "junior")."""
    if not keyword.isascii() or _ENGLISH.search(keyword):
        return False
    return " " in keyword or (len(keyword) >= 7 and not keyword.endswith(("ing", "ed", "ly")))


def from_wording(text: str, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, negative): the wording about pay in another place or at a named company (kind
    "elsewhere": no entry answers it), or asking since when instead of why."""
    q = text.rstrip(" ?").strip()
    out = []
    if _WHERE.search(q):
        out.append(("elsewhere", _WHERE.sub(f"in {rng.choice(PLACES)}", q, count=1) + "?"))
    elif _PAY.search(q):
        out.append(("elsewhere", f"{q} in {rng.choice(PLACES)}?"))
        out.append(("elsewhere", f"{q} at {rng.choice(COMPANIES)}?"))
    if re.match(r"why (do|does|is|are) ", q, re.I):
        out.append(("when", "since when " + q[4:] + "?"))
    return out


def from_keyword(keyword: str, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, negative): a study plan, books, first steps, a start date or a time to learn
    one of the entry's keywords."""
    weeks = rng.choice((6, 8, 10, 12))
    return [
        ("how-to", f"can someone make me a {weeks}-week study plan for {keyword}?"),
        ("how-to", f"what are the best books or courses to learn {keyword}?"),
        ("how-to", f"how do I get started with {keyword} step by step?"),
        ("when", f"when did {keyword} become such a big deal?"),
        ("when", f"how many years does it take to get good at {keyword}?"),
    ]


def negatives(knowledge: Path) -> list[str]:
    rng = random.Random(SEED)
    made: list[str] = []
    for entry in load_knowledge_base(knowledge).entries:
        kinds = answered_kinds(entry)
        found = [
            negative
            for text in entry.texts
            if english(text)
            for kind, negative in from_wording(text, rng)
            if kind not in kinds
        ]
        found += [
            negative
            for keyword in entry.keywords
            if topical(keyword)
            for kind, negative in from_keyword(keyword, rng)
            if kind not in kinds
        ]
        made += rng.sample(found, min(PER_ENTRY, len(found)))
    return made


def main() -> None:
    print("# Made by bench/hard_negatives.py from the entries' own wordings; fit only.")
    document = {"near_topic": {"fit": {"none": negatives(ROOT / "knowledge")}}}
    print(yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100), end="")


if __name__ == "__main__":
    main()
