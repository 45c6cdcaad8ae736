"""Write questions the knowledge base's answers do not answer, made from its own wordings.

    .venv/bin/python bench/hard_negatives.py > bench/hard_negatives.yaml

Near-topic questions reuse an entry's words but ask something its answer never says. This
turns each entry's English wordings into such questions by rule, not one by one: another
subject (rent, taxes, hours), role, country or company; a how-to or study plan; a "when"
or "how long"; a head-to-head of two things the answer never names; an exact figure. A
template of a kind the entry answers (`answers:`, or asked by its wordings) is skipped.

The output is in the evaluation format (near_topic → fit → none), for bench/calibrate.py to
fit on (`--negatives`); it is never indexed by the matcher. Seeded: the same knowledge base
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
_PAY = re.compile(r"\b(salary|salaries|compensation|paychecks?)\b", re.I)
_ROLE = re.compile(r"\b(ML|machine learning|AI) engineers?\b|\bMLEs?\b", re.I)
_WHERE = re.compile(r"\b(in|at) (the )?(US|Bay Area|SF|San Francisco|New York|Seattle)\b", re.I)
SUBJECTS = ("rent", "income tax", "working hours", "burnout", "commute time", "health insurance")
ROLES = ("product managers", "nurses", "UX designers", "accountants", "lawyers", "teachers")
PLACES = ("Berlin", "Lagos", "São Paulo", "Warsaw", "Manila", "Nairobi", "Osaka", "Lyon")
COMPANIES = ("Spotify", "Airbus", "Siemens", "Shopify", "Nubank", "Rakuten")
PAIRS = (
    ("Berlin", "Munich"),
    ("PyTorch", "JAX"),
    ("Coursera", "Udacity"),
    ("Bishop", "Murphy"),
    ("a consultancy", "an in-house team"),
    ("Airflow", "Prefect"),
)


_ENGLISH = re.compile(r"\b(the|is|are|do|does|what|why|how|which|should|for|of|to)\b", re.I)
_NOT_ENGLISH = re.compile(
    r"\b(ke|ki|kya|hai|hain|kyun|mein|yang|apa|itu|dan|para|como|que)\b", re.I
)


def english(text: str) -> bool:
    return text.isascii() and bool(_ENGLISH.search(text)) and not _NOT_ENGLISH.search(text)


def from_wording(text: str, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, negative): the wording with its subject, role or place swapped, or asking
    since when instead of why."""
    q = text.rstrip(" ?").strip()
    out = []
    if _PAY.search(q):
        out.append(("subject", _PAY.sub(rng.choice(SUBJECTS), q, count=1) + "?"))
    if _ROLE.search(q):
        out.append(("role", _ROLE.sub(rng.choice(ROLES), q, count=1) + "?"))
    if _WHERE.search(q):
        out.append(("place", _WHERE.sub(f"in {rng.choice(PLACES)}", q, count=1) + "?"))
    if re.match(r"why (do|does|is|are) ", q, re.I):
        out.append(("when", "since when " + q[4:] + "?"))
    return out


def from_keyword(keyword: str, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, negative): a how-to, a when, a head-to-head or an exact figure about one of the
    entry's keywords."""
    a, b = rng.choice(PAIRS)
    weeks = rng.choice((6, 8, 10, 12))
    return [
        ("how-to", f"can someone make me a {weeks}-week study plan for {keyword}?"),
        ("how-to", f"what are the best books or courses to learn {keyword}?"),
        ("how-to", f"how do I get started with {keyword} step by step?"),
        ("when", f"when did {keyword} become such a big deal?"),
        ("when", f"how many years does it take to get good at {keyword}?"),
        ("compare", f"for {keyword}, is {a} or {b} the better choice?"),
        ("figure", f"what does {rng.choice(COMPANIES)} pay for {keyword}, in exact dollars?"),
        ("figure", f"what's the average {keyword} salary in {rng.choice(PLACES)}?"),
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
            if english(keyword) and len(keyword) > 3 and not _ENGLISH.search(keyword)
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
