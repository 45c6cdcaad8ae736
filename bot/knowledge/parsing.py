"""YAML as the knowledge base reads it, and the rules its files share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from bot.knowledge.files import MAX_BYTES, UnreadableFile

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # use fullmatch: $ allows a final \n
MAX_EXAMPLE_CHARS = 300  # a `not:` or out-of-scope example: one question, one line
MAX_DEPTH = 10  # collections inside collections
_COLLECTION_START = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # not \t or \n
_PLAIN = re.compile(r"[^\s#'\"\[\]{},:?|>\-]+")

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


class TagRefused(yaml.MarkedYAMLError):
    """An explicit tag (`!!python/…`) in text from untrusted hands."""


def parse_yaml(text: str, tags: bool = True) -> Any:
    """A safe load of text no bigger than MAX_BYTES, without anchors or aliases and nested
    at most MAX_DEPTH deep, checked before anything is built: a hostile file on disk (a
    billion laughs, a hundred thousand brackets) is one YAMLError, not a MemoryError, a
    RecursionError or a minute of CPU (brackets are counted first, in linear time, as the
    parser's own bookkeeping grows with the square of their nesting). `tags=False` refuses
    explicit tags too (TagRefused). Raises yaml.YAMLError."""
    if len(text) > MAX_BYTES or len(text.encode()) > MAX_BYTES:
        raise yaml.YAMLError(f"over {MAX_BYTES // 1_000_000} MB")
    if (where := too_deep(text)) is not None:
        raise yaml.MarkedYAMLError(
            problem=f"nested more than {MAX_DEPTH} levels deep",
            problem_mark=yaml.Mark("", where, *_line_column(text, where), None, None),
        )
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            _refuse("anchors and aliases (& and *) are not accepted", event)
        if not tags and getattr(event, "tag", None):  # only explicit tags are reported
            raise TagRefused(problem="tags are not accepted", problem_mark=event.start_mark)
        if isinstance(event, _COLLECTION_START):
            depth += 1
            if depth > MAX_DEPTH:
                _refuse(f"nested more than {MAX_DEPTH} levels deep", event)
        elif isinstance(event, _COLLECTION_END):
            depth -= 1
    return yaml.load(text, Loader=_UniqueKeyLoader)


def too_deep(text: str) -> int | None:
    """Where flow brackets (`[`, `{`) first nest deeper than MAX_DEPTH, by one pass over the
    text; None if they never do. Brackets inside quoted text, comments and block scalars
    (`|`, `>`) do not count, nor a bracket inside plain text outside brackets (`see [1]`)."""
    depth, n, size = 0, 0, len(text)
    start = True  # at the start of a token: a line's indentation, or after `- `, `: `, `[`…
    indent, line_indent = 0, 0
    while n < size:
        char = text[n]
        if char == "\n":
            n += 1
            line_indent = 0
            while n < size and text[n] == " ":
                n, line_indent = n + 1, line_indent + 1
            start = True
            continue
        if char in " \t":
            n += 1
            continue
        if plain := _PLAIN.match(text, n):  # a run of text that is nothing of the above
            n, start = plain.end(), False
            continue
        if char == "#" and (n == 0 or text[n - 1] in " \t\n"):
            n = _line_end(text, n)
        elif start and char in "'\"":
            n = _quoted_end(text, n)
            start = False
            continue
        elif char in "[{" and (start or depth):
            depth += 1
            if depth > MAX_DEPTH:
                return n
            start = True
        elif char in "]}" and depth:
            depth -= 1
            start = False
        elif depth and char in ",:?":
            start = True
        elif not depth and char in "-:?" and text[n + 1 : n + 2] in (" ", "\n", ""):
            start = start or char == ":"  # `key: ` anywhere, `- ` and `? ` first on a line
        elif not depth and start and char in "|>":
            indent = line_indent
            n = _line_end(text, n)
            while n < size:  # the scalar's lines: blank, or indented deeper than its key's
                end = _line_end(text, n + 1)
                line = text[n + 1 : end]
                if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
                    break
                n = end
            continue
        else:
            start = False
        n += 1
    return None


def _line_end(text: str, n: int) -> int:
    end = text.find("\n", n)
    return len(text) if end < 0 else end


def _quoted_end(text: str, n: int) -> int:
    """Just past the quoted scalar that starts at `n` (or the end of the text)."""
    quote, n = text[n], n + 1
    while n < len(text):
        if quote == '"' and text[n] == "\\":
            n += 2
            continue
        if text[n] == quote:
            if quote == "'" and text[n + 1 : n + 2] == "'":  # '' is a quote inside '…'
                n += 2
                continue
            return n + 1
        n += 1
    return n


def _line_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index)
    return line, index - (text.rfind("\n", 0, index) + 1)


def _refuse(problem: str, event: yaml.Event) -> None:
    raise yaml.MarkedYAMLError(problem=problem, problem_mark=event.start_mark)


def describe_yaml_error(exc: Exception) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {exc.problem}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        return f"not valid YAML: it holds the character U+{exc.character:04X}, which YAML forbids"
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
        elif _CONTROL.search(example):
            problems.append(f"{example[:40]!r}… holds a control character; remove it")
        elif len(example) > MAX_EXAMPLE_CHARS:
            problems.append(
                f"an example is {len(example)} characters; the limit is {MAX_EXAMPLE_CHARS}"
            )
    return problems
