"""YAML as the knowledge base reads it, and the rules its files share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # use fullmatch: $ allows a final \n
MAX_EXAMPLE_CHARS = 300  # a `not:` or out-of-scope example: one question, one line

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
    return yaml.load(text, Loader=_UniqueKeyLoader)  # a safe loader (no tags)


def describe_yaml_error(exc: Exception) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {exc.problem}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return f"could not be read: {exc}"


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
