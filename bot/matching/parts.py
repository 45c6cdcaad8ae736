"""A post cut into the parts that ask something, so greetings, backstory and sign-offs don't
drown the question, and two questions in one post can be answered each.

Sentences end at . ! ? (and their CJK forms) or a line break; a numbered or bulleted list
item is a sentence too. A sentence asks something when it ends with "?" or opens like a
question. An asking sentence is cut again where a second question starts ("…, and what…",
"Also, …"). The question is often the last sentence, so when nothing looks like a question
the last sentence stands in for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.text import QUESTION_OPENERS, content_tokens, looks_like_question

# . ! ? and the full-width forms CJK text uses.
_SENTENCE_END = re.compile(
    r"(?<=[.!?\u3002\uff1f\uff01])\s+|\s*\n+\s*|(?:^|\s)(?:\d{1,2}[.)]|[-*•])\s+"
)
_OPENERS = "|".join(
    sorted(QUESTION_OPENERS | {"roughly", "and", "curious", "wondering"}, key=len, reverse=True)
)
# Where a second question starts inside one sentence: after a comma, semicolon, question
# mark, "+", "/", "&" or a dash, or at "and"/"also" before a question word.
_NEXT_QUESTION = re.compile(
    rf"(?:[,;?+/&\u2013\u2014]|\s-\s)\s*(?:and\s+|also,?\s+|plus\s+|or\s+)?"
    rf"(?=(?:{_OPENERS})\b)"
    rf"|\s+(?:and\s+also|also|and)\s+(?=(?:what|how|why|which|who|where|when|is|are|do|does|"
    rf"can|should|will|roughly|curious|wondering)\b)",
    re.IGNORECASE,
)
MAX_QUESTIONS = 3
MIN_CLAUSE_WORDS = 2
MIN_SPLIT_WORDS = 5  # content words a sentence needs before it is cut into two questions


@dataclass(frozen=True, slots=True)
class Post:
    text: str
    questions: tuple[str, ...]  # the parts that ask something, in order (at least one)

    @property
    def focus(self) -> str:
        """What the post asks, without its backstory."""
        return " ".join(self.questions)

    @property
    def several(self) -> bool:
        return len(self.questions) > 1


def _asks(sentence: str) -> bool:
    return looks_like_question(sentence) and bool(content_tokens(sentence))


def split_post(text: str) -> Post:
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
    asking = [s for s in sentences if _asks(s)]
    if not asking:
        with_content = [s for s in sentences if content_tokens(s)]
        asking = [with_content[-1] if with_content else text]
    questions: list[str] = []
    for sentence in asking:
        if len(content_tokens(sentence)) < MIN_SPLIT_WORDS:  # too short to ask two things
            questions.append(sentence)
            continue
        clauses = [c.strip(" ,;") for c in _NEXT_QUESTION.split(sentence)]
        # A lead-in ("Anyway, is…", "So, what…") is not a question of its own.
        substantial = [c for c in clauses if len(content_tokens(c)) >= MIN_CLAUSE_WORDS]
        questions += substantial if len(clauses) > 1 else clauses
    return Post(text, tuple(questions[-MAX_QUESTIONS:]) if questions else (asking[-1],))
