"""What the bot must not answer: the out-of-scope topics in `knowledge/out_of_scope.yaml`.

They compete with the entries (bot/matching/matcher.py): a question closer to an out-of-scope
example, or to an entry's `not:` examples, than to the entry itself is not answered.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.files import read_text_file
from bot.knowledge.model import Entry, KnowledgeBaseError, OutOfScopeTopic, Problem
from bot.knowledge.parsing import (
    ID_PATTERN,
    MAX_BYTES,
    describe_yaml_error,
    example_problems,
    parse_yaml,
)

OUT_OF_SCOPE_FILE = "out_of_scope.yaml"
DEFAULT_TOPIC = "other"
MAX_POINTER_CHARS = 200
TOPIC_FIELDS = ("pointer", "examples")


def load_out_of_scope(knowledge_dir: Path) -> tuple[OutOfScopeTopic, ...]:
    """The topics, or none when the file does not exist. Raises KnowledgeBaseError."""
    path = knowledge_dir / OUT_OF_SCOPE_FILE
    try:
        text = read_text_file(path, MAX_BYTES, inside=knowledge_dir)
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise _file_problem(exc) from None
    return parse_out_of_scope(text)


def parse_out_of_scope(text: str) -> tuple[OutOfScopeTopic, ...]:
    """The topics of the file's text; every problem names its line."""
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise _file_problem(exc) from None
    try:
        return validate_out_of_scope(data)
    except KnowledgeBaseError as exc:
        raise KnowledgeBaseError(_with_lines(text, exc.problems)) from None


def _with_lines(text: str, problems: list[Problem]) -> list[Problem]:
    """Each problem with the line of what it is about: the field, else its topic, else the
    top-level key. Only called on text parse_yaml has read (bounded, no aliases)."""
    root = yaml.compose(text.removeprefix("\ufeff"), Loader=yaml.SafeLoader)

    def child(node: Any, key: str) -> tuple[Any, Any]:
        for key_node, value in node.value if isinstance(node, yaml.MappingNode) else ():
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return key_node, value
        return None, None

    found = []
    for problem in problems:
        topics_key, topics = child(root, "topics")
        topic_key, body = child(topics, problem.entry_id) if problem.entry_id else (None, None)
        field_key, _ = child(body if problem.entry_id else root, problem.field)
        node = field_key or topic_key or topics_key or root
        line = node.start_mark.line + 1 if node is not None else 1
        found.append(replace(problem, line=line))
    return found


def _file_problem(exc: Exception) -> KnowledgeBaseError:
    return KnowledgeBaseError([Problem(OUT_OF_SCOPE_FILE, "", "file", describe_yaml_error(exc))])


def validate_out_of_scope(data: Any) -> tuple[OutOfScopeTopic, ...]:
    """Every problem at once, in the knowledge base's `file: id: field: message` form."""
    problems: list[Problem] = []

    def bad(topic: str, field: str, message: str) -> None:
        problems.append(Problem(OUT_OF_SCOPE_FILE, topic, field, message))

    topics = data.get("topics") if isinstance(data, dict) else None
    for key in data if isinstance(data, dict) else ():
        if key != "topics":
            bad("", str(key), "unknown field (allowed: topics)")
    if data is not None and not isinstance(topics, dict):
        bad("", "topics", "must be a mapping of topic name to its pointer and examples")
        raise KnowledgeBaseError(problems)
    found = []
    for name, body in (topics or {}).items():
        name = str(name)
        if not ID_PATTERN.fullmatch(name):
            bad(name, "topic", "must be kebab-case: lower-case letters, digits and single hyphens")
        if not isinstance(body, dict):
            bad(name, "topic", "must be a mapping with examples and an optional pointer")
            continue
        for key in body:
            if key not in TOPIC_FIELDS:
                bad(name, str(key), f"unknown field (allowed: {', '.join(TOPIC_FIELDS)})")
        examples = body.get("examples")
        if (
            not isinstance(examples, list)
            or not examples
            or not all(isinstance(e, str) and e.strip() for e in examples)
        ):
            bad(name, "examples", "must be a non-empty list of questions")
            continue
        for problem in example_problems(examples):
            bad(name, "examples", problem)
        pointer = body.get("pointer", "")
        if not isinstance(pointer, str) or "\n" in pointer or len(pointer) > MAX_POINTER_CHARS:
            bad(name, "pointer", f"must be one line of at most {MAX_POINTER_CHARS} characters")
            pointer = ""
        found.append(OutOfScopeTopic(name, tuple(e.strip() for e in examples), pointer.strip()))
    if problems:
        raise KnowledgeBaseError(problems)
    return tuple(found)


def competitors(
    kb_entries: tuple[Entry, ...], topics: tuple[OutOfScopeTopic, ...]
) -> tuple[Entry, ...]:
    """Pseudo-entries the scorers index beside the real ones: one per out-of-scope topic and
    one per entry with `not:` examples (id `not:ENTRY`). They are never answered."""
    found = [
        Entry(f"out-of-scope:{t.name}", "", t.examples[0], t.examples[1:], "", "") for t in topics
    ]
    found += [
        Entry(f"not:{e.id}", "", e.not_examples[0], e.not_examples[1:], "", "")
        for e in kb_entries
        if e.not_examples
    ]
    return tuple(found)
