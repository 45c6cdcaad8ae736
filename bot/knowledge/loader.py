"""Read and validate the knowledge base: all of it or nothing, every problem reported at once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.files import read_text_file
from bot.knowledge.model import (
    ANSWER_KINDS,
    Entry,
    KnowledgeBase,
    KnowledgeBaseError,
    OutOfScopeTopic,
    Problem,
)
from bot.knowledge.parsing import ID_PATTERN, describe_yaml_error, example_problems, parse_yaml
from bot.knowledge.scope import load_out_of_scope
from bot.knowledge.text import canonical, first_invisible

ENTRIES_FOLDER = "entries"
MAX_ANSWER_CHARS = 1500
MAX_QUESTION_CHARS = 100  # a question is shown whole as an autocomplete choice
MAX_CATEGORY_CHARS = 100  # and a category as a select-menu label
MIN_PHRASINGS = 6
MAX_ID_CHARS = 80  # the id travels inside Discord custom_ids (at most 100 characters)
MAX_RELATED = 5  # related-entry buttons under an answer: one row
# The moderators' form (a Discord modal) shows phrasings one per line and keywords joined by
# commas in text inputs of these sizes: an entry that validates can always be edited there.
MAX_PHRASINGS_CHARS = 4000
MAX_KEYWORDS_CHARS = 1000

REQUIRED = ("id", "category", "question", "phrasings", "answer", "source")
OPTIONAL = ("keywords", "related", "not", "answers")
LIST_FIELDS = ("phrasings", "keywords", "related", "not", "answers")


def entries_dir(knowledge_dir: Path) -> Path:
    return knowledge_dir / ENTRIES_FOLDER


def load_knowledge_base(knowledge_dir: Path) -> KnowledgeBase:
    """Load `knowledge_dir/entries/*.yaml`; raise KnowledgeBaseError listing every problem.

    This reads without the store's lock: the store's `load()` is the reader that never sees a
    change half made.
    """
    documents = parse_documents(entry_texts(knowledge_dir))
    return knowledge_base(documents, load_out_of_scope(knowledge_dir))


def knowledge_base(
    documents: dict[str, Any], out_of_scope: tuple[OutOfScopeTopic, ...] = ()
) -> KnowledgeBase:
    """Validate entry id -> parsed document as one knowledge base."""
    entries = validate_entries([(f"{stem}.yaml", data) for stem, data in documents.items()])
    return KnowledgeBase(tuple(sorted(entries, key=lambda e: e.id)), out_of_scope)


def entry_texts(knowledge_dir: Path) -> dict[str, str]:
    """File stem -> text of every entry file. Files that vanish while listed are skipped;
    folders named like entries are not entries."""
    folder = entries_dir(knowledge_dir)
    if not knowledge_dir.is_dir():
        raise KnowledgeBaseError([Problem(str(knowledge_dir), "", "directory", "does not exist")])
    if not folder.is_dir():
        raise KnowledgeBaseError(
            [Problem(str(knowledge_dir), "", "directory", f"has no {ENTRIES_FOLDER}/ folder")]
        )
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    try:
        listed = sorted(folder.iterdir())
    except OSError as exc:  # not readable by the bot's user
        reason = f"cannot be read ({exc.strerror or exc})"
        raise KnowledgeBaseError([Problem(str(folder), "", "directory", reason)]) from None
    for path in listed:
        if path.suffix not in (".yaml", ".yml") or path.name.startswith(".") or not path.is_file():
            continue
        try:
            text = read_text_file(path, inside=knowledge_dir)
        except FileNotFoundError:
            continue  # removed between the listing and the read
        except OSError as exc:
            problems.append(Problem(path.name, "", "file", describe_yaml_error(exc)))
            continue
        if path.stem in texts:
            problems.append(Problem(path.name, path.stem, "id", "another file has the same name"))
        texts[path.stem] = text
    if not texts and not problems:
        raise KnowledgeBaseError([Problem(str(folder), "", "directory", "has no .yaml entries")])
    if problems:
        raise KnowledgeBaseError(problems)
    return texts


def entry_path(knowledge_dir: Path, entry_id: str) -> Path:
    """The file an entry lives in: an existing `.yml` is kept, anything new is `.yaml`."""
    folder = entries_dir(knowledge_dir)
    other = folder / f"{entry_id}.yml"
    return other if other.is_file() else folder / f"{entry_id}.yaml"


def parse_documents(texts: dict[str, str]) -> dict[str, Any]:
    """File stem -> parsed YAML; every unparsable file reported at once."""
    documents: dict[str, Any] = {}
    problems: list[Problem] = []
    for stem, text in texts.items():
        try:
            documents[stem] = parse_yaml(text)
        except yaml.YAMLError as exc:
            problems.append(Problem(f"{stem}.yaml", "", "file", describe_yaml_error(exc)))
    if problems:
        raise KnowledgeBaseError(problems)
    return documents


def validate_entries(
    parsed: Sequence[tuple[str, Any]], problems: list[Problem] | None = None
) -> list[Entry]:
    """Validate parsed documents (file name, data) as one knowledge base.

    Appends to and raises with `problems` if anything is wrong, so that a caller can add
    problems of its own (such as unreadable files) and still get one complete report.
    """
    problems = [] if problems is None else problems
    entries: list[tuple[str, Entry]] = []
    for file, data in parsed:
        entry = parse_entry(data, file, problems)
        if entry is not None:
            entries.append((file, entry))
    problems.extend(_cross_entry_problems(entries))
    problems.extend(_dangling_links(parsed))
    if problems:
        raise KnowledgeBaseError(problems)
    return [entry for _, entry in entries]


def parse_entry(data: Any, file: str, problems: list[Problem]) -> Entry | None:
    """Turn one YAML document into an Entry, appending what is wrong to `problems`."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        problems.append(Problem(file, "", "file", f"must be a mapping of fields, not {kind}"))
        return None
    raw_id = data.get("id")
    entry_id = raw_id if isinstance(raw_id, str) else ""
    before = len(problems)

    def bad(field: str, message: str) -> None:
        problems.append(Problem(file, entry_id, field, message))

    for key in data:
        if key not in REQUIRED and key not in OPTIONAL:
            bad(str(key), f"unknown field (allowed: {', '.join(REQUIRED + OPTIONAL)})")
    for key in REQUIRED:
        if key not in data or data[key] in (None, "", []):
            bad(key, "missing or empty")

    def text(key: str, limit: int | None = None) -> str:
        value = data.get(key)
        if value in (None, ""):
            return ""
        if not isinstance(value, str):
            bad(key, f"must be text, not {type(value).__name__}")
            return ""
        value = value.strip()
        if not value:
            bad(key, "missing or empty")
        elif limit is not None and len(value) > limit:
            bad(key, f"is {len(value)} characters; the limit is {limit}")
        return value

    def text_list(key: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            bad(key, "must be a list of text items")
            return ()
        items = tuple(v.strip() for v in value)
        if any(not v for v in items):
            bad(key, "has an empty item")
        return items

    if len(entry_id) > MAX_ID_CHARS:
        bad("id", f"is {len(entry_id)} characters; the limit is {MAX_ID_CHARS}")
    elif entry_id and not ID_PATTERN.fullmatch(entry_id):
        bad("id", "must be kebab-case: lower-case letters, digits and single hyphens")
    elif raw_id is not None and not isinstance(raw_id, str):
        bad("id", f"must be text, not {type(raw_id).__name__}")
    elif entry_id and Path(file).stem != entry_id and file.endswith((".yaml", ".yml")):
        bad("id", f"does not match the file name (expected {entry_id}.yaml)")

    question = text("question", MAX_QUESTION_CHARS)
    category = text("category", MAX_CATEGORY_CHARS)
    answer = text("answer", MAX_ANSWER_CHARS)
    source = text("source")
    phrasings = text_list("phrasings")
    keywords = text_list("keywords")
    related = text_list("related")
    not_examples = text_list("not")
    answers = text_list("answers")
    unknown = [kind for kind in answers if kind not in ANSWER_KINDS]
    if unknown:
        known = ", ".join(ANSWER_KINDS)
        bad("answers", f"{unknown[0]!r} is not a kind of question (one of: {known})")
    if phrasings and len(phrasings) < MIN_PHRASINGS:
        bad("phrasings", f"has {len(phrasings)}; write at least {MIN_PHRASINGS}")
    if entry_id in related:
        bad("related", "lists the entry itself")
    if len(set(related)) < len(related):
        bad("related", "lists an entry twice")
    if len(related) > MAX_RELATED:
        bad("related", f"has {len(related)}; the limit is {MAX_RELATED}")
    for key, items, joiner, limit in (
        ("phrasings", phrasings, "\n", MAX_PHRASINGS_CHARS),
        ("keywords", keywords, ", ", MAX_KEYWORDS_CHARS),
    ):
        if len(joiner.join(items)) > limit:
            bad(key, f"are {len(joiner.join(items))} characters together; the limit is {limit}")
    if any("\n" in p for p in phrasings):
        bad("phrasings", "one item spans several lines; write each wording on one line")
    if any("," in k or "\n" in k for k in keywords):
        bad("keywords", "an item holds a comma or a line break; write one keyword per item")
    for key, value in (("question", question), ("category", category)):
        if "\n" in value:
            bad(key, "must be one line")
    for problem in example_problems(not_examples):
        bad("not", problem)
    seen = {canonical(question)}
    for phrasing in phrasings:
        if canonical(phrasing) in seen:
            bad("phrasings", f"{phrasing!r} repeats the question or another phrasing")
        seen.add(canonical(phrasing))
    for key in ("question", "answer", "category", "source", *LIST_FIELDS):
        values = data.get(key) if isinstance(data.get(key), list) else [data.get(key)]
        hidden = next((c for v in values if isinstance(v, str) and (c := first_invisible(v))), None)
        if hidden:
            bad(key, f"holds an invisible or direction-control character ({hidden}); remove it")
    own = {canonical(w) for w in (question, *phrasings)}
    for example in not_examples:
        if canonical(example) in own:
            bad("not", f"{example!r} is also one of this entry's own wordings")

    if len(problems) > before:
        return None
    return Entry(
        entry_id,
        category,
        question,
        phrasings,
        answer,
        source,
        keywords,
        related,
        not_examples,
        tuple(dict.fromkeys(answers)),
    )


def _cross_entry_problems(entries: list[tuple[str, Entry]]) -> list[Problem]:
    problems: list[Problem] = []
    first_file: dict[str, str] = {}
    for file, entry in entries:
        if entry.id in first_file:
            problems.append(
                Problem(file, entry.id, "id", f"duplicate: also used in {first_file[entry.id]}")
            )
        first_file.setdefault(entry.id, file)
    owner: dict[str, str] = {}
    for file, entry in entries:
        for wording in entry.texts:
            key = canonical(wording)
            other = owner.setdefault(key, entry.id)
            if other != entry.id:
                problems.append(
                    Problem(file, entry.id, "phrasings", f"{wording!r} is also used by {other}")
                )
    return problems


def _dangling_links(parsed: Sequence[tuple[str, Any]]) -> list[Problem]:
    """`related` ids that name no entry, checked on the raw documents so that an invalid
    entry's links are still reported and links to an invalid entry still count."""
    documents = [(file, data) for file, data in parsed if isinstance(data, dict)]
    declared = {data.get("id") for _, data in documents}
    return [
        Problem(file, str(data.get("id") or ""), "related", f"{target!r} is not an entry")
        for file, data in documents
        if isinstance(data.get("related"), list)
        for target in data["related"]
        if isinstance(target, str) and target not in declared
    ]
