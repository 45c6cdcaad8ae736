"""How a YAML file is laid out: a byte-order mark, its line endings, how deep it indents
nested mappings and where its list dashes sit (column 0 under the key, 2 or 4 spaces in).
Read from the text so a rewrite can write the same way."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

BOM = "\ufeff"
_KEY_LINE = re.compile(r"( *)(?:- +)?[^\s#\-'\"][^#]*?:[ \t]*(?:#.*)?")  # `key:` ending a line
_CHILD = re.compile(r"( *)(-(?: |$))?")


@dataclass(frozen=True, slots=True)
class Layout:
    bom: bool = False
    newline: str = "\n"
    mapping: int = 2  # a nested mapping's indent
    offset: int = 2  # a list's dash, from its key's column

    def apply(self, text: str) -> str:
        """`text` (LF, no mark) written in this layout."""
        if self.newline != "\n":
            text = text.replace("\n", self.newline)
        return BOM + text if self.bom else text


def plain_text(text: str) -> str:
    """The text as a YAML editor should see it: no byte-order mark, LF line endings."""
    return text.removeprefix(BOM).replace("\r\n", "\n")


def layout_of(text: str) -> Layout:
    body = plain_text(text)
    offsets: Counter[int] = Counter()
    mappings: Counter[int] = Counter()
    lines = [line for line in body.split("\n") if line.strip() and line.lstrip()[0] != "#"]
    for parent, line in itertools.pairwise(lines):
        key = _KEY_LINE.fullmatch(parent)
        child = _CHILD.match(line)
        if key is None or child is None:
            continue
        column = len(parent) - len(parent.lstrip(" -"))  # of the key, after any dash
        depth = len(child.group(1)) - column
        if child.group(2) and depth >= 0:
            offsets[depth] += 1
        elif not child.group(2) and depth > 0:
            mappings[depth] += 1
    return Layout(
        bom=text.startswith(BOM),
        newline="\r\n" if "\r\n" in text else "\n",
        mapping=mappings.most_common(1)[0][0] if mappings else 2,
        offset=offsets.most_common(1)[0][0] if offsets else 2,
    )
