"""The entry form: fields to and from an entry's document, and validation problems placed
beside the field they are about."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.knowledge.entry_yaml import Document, form_document
from bot.knowledge.model import KnowledgeBaseError
from bot.knowledge.text import strip_invisible

FIELDS = ("question", "category", "phrasings", "keywords", "answer", "not")


def form_values(document: Document) -> dict[str, str]:
    """What the form shows for an entry: lists one item a line, keywords comma-separated."""

    def lines(key: str) -> str:
        value = document.get(key) or []
        return "\n".join(map(str, value)) if isinstance(value, list) else str(value)

    return {
        "question": str(document.get("question", "")),
        "category": str(document.get("category", "")),
        "phrasings": lines("phrasings"),
        "keywords": ", ".join(map(str, document.get("keywords") or [])),
        "answer": str(document.get("answer", "")).rstrip("\n"),
        "not": lines("not"),
    }


def document_from(form: dict[str, str], base: Document) -> Document:
    """The entry a submitted form describes; `base` gives what the form does not show."""
    document = form_document(
        question=form.get("question", ""),
        phrasings=form.get("phrasings", ""),
        answer=form.get("answer", "").replace("\r\n", "\n"),
        category=form.get("category", ""),
        keywords=form.get("keywords", ""),
        base=base,
    )
    not_examples = [
        line.strip() for line in strip_invisible(form.get("not", "")).splitlines() if line.strip()
    ]
    if not_examples:
        document["not"] = not_examples
    else:
        document.pop("not", None)
    return document


@dataclass
class Problems:
    """Validation problems: by form field for the entry being edited, the rest apart."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    other: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.other)


def placed(error: KnowledgeBaseError, ours: set[str] | None, others: set[str]) -> Problems:
    """`ours`: the ids the form is about (None: any id not in `others`, for a new entry)."""
    problems = Problems()
    for problem in error.problems:
        is_ours = problem.entry_id in ours if ours is not None else problem.entry_id not in others
        name = problem.field.split("[")[0].split(".")[0]
        if is_ours and name in FIELDS:
            problems.by_field.setdefault(name, []).append(problem.message)
        else:
            problems.other.append(str(problem))
    return problems
