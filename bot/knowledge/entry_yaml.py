"""An entry as a file: how the store writes it, fingerprints it and builds it from a form.

An existing file is rewritten keeping everything else about it (bot/knowledge/roundtrip:
comments, key order, quotes, indentation, line endings), so adding one phrasing is a
one-line diff for moderators who review the knowledge base in git; a result that would not
load back to exactly the intended values is written plainly instead."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import yaml

from bot.knowledge.loader import MAX_ID_CHARS, parse_documents, parse_entry
from bot.knowledge.model import Entry, KnowledgeBaseError, Problem
from bot.knowledge.parsing import parse_yaml
from bot.knowledge.scope import parse_out_of_scope
from bot.knowledge.text import strip_invisible

FIELD_ORDER = (
    "id",
    "category",
    "question",
    "phrasings",
    "keywords",
    "answer",
    "related",
    "source",
)

Document = dict[str, Any]


def version_of(document: Document) -> str:
    """A short fingerprint of an entry's content (12 hex: fits a custom_id)."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:12]


def entry_document(entry: Entry) -> Document:
    """A loaded entry as the fields of its file (empty ones left out), to open a form from
    what is loaded rather than from the files."""
    fields = {
        "id": entry.id,
        "category": entry.category,
        "question": entry.question,
        "phrasings": list(entry.phrasings),
        "keywords": list(entry.keywords),
        "answer": entry.answer,
        "related": list(entry.related),
        "source": entry.source,
        "not": list(entry.not_examples),
        "answers": list(entry.answers),
    }
    return {k: v for k, v in fields.items() if v not in ("", [])}


def slug(question: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", question.lower()).split()
    text = "-".join(words)[:MAX_ID_CHARS].rstrip("-")
    return text or "entry"


class _BlockDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent list items, as the hand-written files do


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _text)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)


def dump_entry(document: Document) -> str:
    ordered = {k: document[k] for k in FIELD_ORDER if k in document and document[k] != []}
    ordered |= {k: v for k, v in document.items() if k not in FIELD_ORDER}
    return dump_yaml(ordered)


def form_document(
    *, question: str, phrasings: str, answer: str, category: str, keywords: str, base: Document
) -> Document:
    """An entry from a moderator's form: phrasings one per line, keywords comma-separated.

    `base` supplies what the form does not show (id, related, source). Text is kept as typed,
    less invisible formatting characters (zero-width spaces, bidi overrides).
    """
    answer = strip_invisible(answer).strip()
    document = dict(base)
    document.update(
        question=strip_invisible(question).strip(),
        phrasings=[
            line.strip() for line in strip_invisible(phrasings).splitlines() if line.strip()
        ],
        answer=answer + "\n" if "\n" in answer else answer,
        category=strip_invisible(category).strip(),
        keywords=[k.strip() for k in re.split(r"[,\n]", strip_invisible(keywords)) if k.strip()],
    )
    return document


def rewritten(old_text: str, new: dict[str, Any], plain: Callable[[dict[str, Any]], str]) -> str:
    """`old_text` changed to hold `new` (a mapping of fields) in its author's style
    (bot/knowledge/roundtrip), or `plain(new)` when the old text cannot be kept (not a
    mapping, or a result that would not read back as `new`)."""
    from bot.knowledge.roundtrip.edit import rewrite  # ruamel.yaml: never loaded by a reader

    fallback = plain(new)
    target = parse_yaml(fallback)  # `plain` decides what is written (order, empty fields)
    if not isinstance(target, dict):
        return fallback
    return rewrite(old_text, target) or fallback


def entry_documents(texts: dict[str, str]) -> dict[str, Document]:
    """Entry id -> document of each entry file's text. One that is not a mapping (a
    sentence, a list) is invalid here as it is for validation: KnowledgeBaseError."""
    documents = parse_documents(texts)
    problems: list[Problem] = []
    for entry_id, document in documents.items():
        if not isinstance(document, dict):
            parse_entry(document, f"{entry_id}.yaml", problems)
    if problems:
        raise KnowledgeBaseError(problems)
    return documents


def out_of_scope_text(text: str | None, change: Callable[[dict[str, Any]], None]) -> str:
    """The out-of-scope file after `change(topics)`, the rest kept as written. A file that
    cannot be read or does not validate is refused (KnowledgeBaseError, each problem with
    its line), never replaced."""
    if text is not None:
        parse_out_of_scope(text)
    data = copy.deepcopy(parse_yaml(text)) if text else None
    data = data if isinstance(data, dict) else {"topics": {}}
    change(data["topics"])
    return rewritten(text, data, dump_yaml) if text else dump_yaml(data)
