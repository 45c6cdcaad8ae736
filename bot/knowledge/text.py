"""Text normalisation shared by the index and the queries: same pipeline on both sides.

processed text -> abbreviations and synonyms folded to one spelling -> light stemming ->
stop words dropped. What is left are the "content tokens" the lexical scorer weighs.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from rapidfuzz import utils

# Ways members write the same thing, folded to one spelling (matched on whole words,
# longest first). Kept small and domain-specific: every line is a real abbreviation or
# near-synonym seen in ML-career chats.
CHAT_SHORTHAND: dict[str, str] = {
    "u": "you",
    "ur": "your",
    "ppl": "people",
    "lvl": "level",
    "rly": "really",
    "yr": "year",
    "yrs": "years",
    "biz": "business",
    "algo": "algorithm",
    "algos": "algorithms",
}
SYNONYMS: dict[str, str] = {
    "machine learning engineering": "ml engineering",
    "machine learning": "ml",
    "machine": "ml",  # alone it still means machine learning here, typos in "learning" too
    "artificial intelligence": "ml",
    "ai": "ml",
    "mle": "ml engineer",
    "mles": "ml engineers",
    "ds": "data scientist",
    "tc": "total compensation",
    "comp": "compensation",
    "rsu": "stock",
    "rsus": "stock",
    "ph d": "phd",
    "doctorate": "phd",
    "doctoral": "phd",
    "sf": "san francisco",
    "nyc": "new york",
    "cv": "computer vision",
    "rl": "reinforcement learning",
    "dl": "deep learning",
    "large language models": "llm",
    "large language model": "llm",
    "llms": "llm",
    "exploratory data analysis": "eda",
    "maths": "math",
    "mathematics": "math",
    "stats": "statistics",
    "statistical": "statistics",
    "master s": "master",
    "masters": "master",
    "bachelor s": "bachelor",
    "bachelors": "bachelor",
    "prod": "production",
    "c++": "cpp",
    "salary": "pay",
    "salaries": "pay",
    "paid": "pay",
    "earn": "pay",
    "earns": "pay",
    "earning": "pay",
    "earnings": "pay",
    "wage": "pay",
    "wages": "pay",
    "income": "pay",
    "paycheck": "pay",
    "paychecks": "pay",
    "make": "pay",
    "makes": "pay",
    "money": "pay",
    # Chat shorthand: the words both sides spell out, and some only matching folds.
    **CHAT_SHORTHAND,
    "y": "why",
    "2": "to",
    "4": "for",
    "every1": "everyone",
    "eng": "engineer",
    "wtf": "what",
}

STOP_WORDS = frozenset(
    """
    a about after all also am an and any are as at be been being but by can could did do
    does doing don each for from get gets getting go going got had has have having he her
    here hers him his how i if in into is it its just lol me more most my no nor not of on
    once only or other our out over own really s same she should so some such t than that
    the their them then there these they this those through to too u under up very was we
    were what whats when where which while who whom will with would you your yours
    r ya yo pls please hey hi hello ok okay thanks thank guys anyone someone like know
    """.split()
)

_SYNONYM_RE = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in sorted(SYNONYMS, key=len, reverse=True)) + r")\b"
)
_CPP_RE = re.compile(r"c\+\+", re.IGNORECASE)
# Discord mention markup (<@1>, <@!1>, <@&1>, <#1>) and mass mentions: never part of a question.
_MENTION_RE = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b")
# Zero-width and bidi control characters: invisible, they split words or reorder how text shows.
# The zero-width joiner (U+200D) stays: emoji sequences need it.
_INVISIBLE_RE = re.compile(
    "[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u061c]"
)

_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")

# Chat shorthand spelled out for the sentence encoder, which learned from full words (it
# reads "mle" as noise). Matched on whole words, any case.
SPELLED_OUT: dict[str, str] = {
    **CHAT_SHORTHAND,
    "mle": "machine learning engineer",
    "mles": "machine learning engineers",
    "ml": "machine learning",
    "ai": "AI",
    "ds": "data scientist",
    "swe": "software engineer",
    "swes": "software engineers",
    "tc": "total compensation",
    "comp": "compensation",
    "yoe": "years of experience",
    "rsu": "stock grant",
    "rsus": "stock grants",
    "signon": "sign-on bonus",
    "wat": "what",
    "wut": "what",
    "r": "are",
    "n": "and",
    "rn": "right now",
    "bc": "because",
    "cuz": "because",
    "tho": "though",
    "idk": "I don't know",
    "imo": "in my opinion",
    "ngl": "honestly",
    "fr": "really",
    "ez": "easy",
    "pls": "please",
    "plz": "please",
}
_SPELLED_OUT_RE = re.compile(
    r"(?<![\w'])(" + "|".join(sorted(SPELLED_OUT, key=len, reverse=True)) + r")(?![\w'])",
    re.IGNORECASE,
)


def spelled_out(text: str) -> str:
    """`text` with chat shorthand written out, for the sentence encoder."""
    return _SPELLED_OUT_RE.sub(lambda m: SPELLED_OUT[m.group(1).lower()], text)


def strip_invisible(text: str) -> str:
    return _INVISIBLE_RE.sub("", text)


def strip_controls(text: str) -> str:
    """Without control characters (line breaks and tabs become spaces): no terminal escape
    sequence in a member's text reaches a moderator's terminal."""
    return _CONTROL_RE.sub(lambda m: " " if m.group() in "\n\r\t" else "", text)


def first_invisible(text: str) -> str | None:
    """The first zero-width, direction-control or other control character in `text` (a
    terminal escape sequence starts with one; line breaks and tabs are text), as U+XXXX."""
    found = _INVISIBLE_RE.search(text) or _CONTROL_RE.search(re.sub("[\n\t]", "", text))
    return f"U+{ord(found.group()):04X}" if found else None


def strip_mentions(text: str) -> str:
    return _MENTION_RE.sub(" ", text)


def clean(text: str) -> str:
    """Lower-case, drop mentions, punctuation and control characters, fold Unicode forms."""
    text = unicodedata.normalize("NFKC", strip_mentions(strip_invisible(text)))
    text = _CPP_RE.sub("cpp", text).replace("$", " money ")
    return utils.default_process(text)


def stem(token: str) -> str:
    """A deliberately light suffix stripper: plurals and -ing/-ed, nothing clever."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 5 and token.endswith("ing"):
        return token[:-3]
    if len(token) > 4 and token.endswith("ed"):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def canonical(text: str) -> str:
    """Cleaned text with synonyms folded and runs of spaces made one; the form phrasings
    are compared in."""
    return " ".join(_SYNONYM_RE.sub(lambda m: SYNONYMS[m.group(1)], clean(text)).split())


# Chinese and Japanese write words without spaces: their runs are read as character pairs.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _pairs(token: str) -> list[str]:
    found: list[str] = []
    for part in re.split(f"({_UNSPACED.pattern})", token):
        if not part:
            continue
        if _UNSPACED.fullmatch(part):
            found += [part[i : i + 2] for i in range(max(1, len(part) - 1))]
        else:
            found.append(part)
    return found


def content_tokens(text: str) -> list[str]:
    """Stemmed, synonym-folded tokens without stop words, in order, duplicates kept."""
    return list(_content_tokens(text))


@functools.lru_cache(maxsize=1024)  # a question is read by each scorer, part and check
def _content_tokens(text: str) -> tuple[str, ...]:
    tokens = canonical(text).split()
    if _UNSPACED.search(text):
        tokens = [pair for token in tokens for pair in _pairs(token)]
    return tuple(stem(t) for t in tokens if t not in STOP_WORDS)


def latin_script(text: str) -> bool:
    """Are most of the letters of `text` Latin? The sentence encoder reads nothing else."""
    letters = [c for c in text if c.isalpha()]
    latin = sum(c.isascii() or "\u00c0" <= c <= "\u024f" for c in letters)
    return latin >= len(letters) / 2


QUESTION_OPENERS = frozenset(
    "what whats wat how hows why y when where which who whom whose is are am was were do does "
    "did can could should would will shall may might any anyone anybody has have had need tips "
    "advice".split()
)
# Words a chat question may open with before it starts asking: "also, how…", "ngl why…".
LEAD_INS = frozenset(
    "also and plus so ok okay anyway btw ngl then but first firstly second secondly third "
    "next lastly finally bonus q".split()
)
_LABEL = re.compile(r"^[^:?]{1,30}:\s+")  # "Two things: why…", "Bonus q: which…"
# A question asked as a statement: "I wonder why…", "curious what…", "tell me how…".
_INDIRECT = re.compile(r"\b(?:wonder|wondering|curious|wanna know|want to know|tell me|explain)\b")


def looks_like_question(text: str) -> bool:
    """Is a chat message a question (ends with ?, opens like one after any lead-in words,
    or asks indirectly)? Used in answer channels."""
    words = clean(_LABEL.sub("", text.strip())).split()
    while words and words[0] in LEAD_INS:
        words = words[1:]
    return bool(words) and (
        text.rstrip().endswith("?")
        or words[0] in QUESTION_OPENERS
        or bool(_INDIRECT.search(" ".join(words)))
    )
