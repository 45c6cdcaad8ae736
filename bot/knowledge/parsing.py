"""YAML as the knowledge base reads it, and the rules its files share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from bot.knowledge.files import UnreadableFile

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # use fullmatch: $ allows a final \n
MAX_EXAMPLE_CHARS = 300  # a `not:` or out-of-scope example: one question, one line
MAX_BYTES = 1_000_000  # a YAML text: an entry file, the out-of-scope file, an import
MAX_DEPTH = 10  # collections inside collections
_COLLECTION_START = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)

try:  # libyaml's loader is ~10x faster; the pure-Python one gives the same result
    _SafeLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _SafeLoader = yaml.SafeLoader


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """The safe loader, refusing a key written twice (YAML would keep the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is written twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> Any:
    """A safe load (no tags) of text no bigger than MAX_BYTES, without anchors or aliases and
    nested at most MAX_DEPTH deep, checked on the event stream before anything is built: a
    hostile file on disk (a billion laughs, ten thousand brackets) is one YAMLError, not a
    MemoryError or a RecursionError. Raises yaml.YAMLError."""
    if len(text) > MAX_BYTES or len(text.encode()) > MAX_BYTES:
        raise yaml.YAMLError(f"over {MAX_BYTES // 1_000_000} MB")
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            _refuse("anchors and aliases (& and *) are not accepted", event)
        if isinstance(event, _COLLECTION_START):
            depth += 1
            if depth > MAX_DEPTH:
                _refuse(f"nested more than {MAX_DEPTH} levels deep", event)
        elif isinstance(event, _COLLECTION_END):
            depth -= 1
    return yaml.load(text, Loader=_UniqueKeyLoader)


def _refuse(problem: str, event: yaml.Event) -> None:
    raise yaml.MarkedYAMLError(problem=problem, problem_mark=event.start_mark)


def describe_yaml_error(exc: Exception) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {exc.problem}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, UnreadableFile | yaml.YAMLError):
        return str(exc)  # already words that read after "the file is"
    if isinstance(exc, OSError):
        return f"unreadable ({exc.strerror or exc})"
    return f"unreadable ({exc})"


def example_problems(examples: Sequence[str]) -> list[str]:
    """What is wrong with a list of example questions (`not:`, out-of-scope)."""
    problems = []
    for example in examples:
        if "\n" in example:
            problems.append(f"{example[:40]!r}… spans several lines; write one question per item")
        elif len(example) > MAX_EXAMPLE_CHARS:
            problems.append(
                f"an example is {len(example)} characters; the limit is {MAX_EXAMPLE_CHARS}"
            )
    return problems
