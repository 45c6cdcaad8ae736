"""A YAML file changed to hold new values, keeping everything else about its text.

ruamel.yaml edits the document in its author's layout (bot/knowledge/roundtrip/layout.py):
mappings and lists are changed in place, so comments, key order, quotes and the comments of
list items that stay are kept. What ruamel would re-flow (a plain or quoted scalar over
several lines, a flow list over several lines with its comments) is copied from the old text
when its value is unchanged; an item appended to such a flow list is spliced in before its
closing bracket. ruamel only sees text our safe loader (parsing.parse_yaml: no aliases or
tags, bounded) has read already, and the result must read back as exactly the new values.
"""

from __future__ import annotations

import io
import secrets
from typing import Any

import yaml
from ruamel.yaml import YAML, YAMLError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString
from ruamel.yaml.tokens import CommentToken

from bot.knowledge.parsing import parse_yaml
from bot.knowledge.roundtrip.layout import Layout, layout_of, plain_text

Path = tuple[Any, ...]  # keys and list positions from the document's root


class _Source:
    """The old text's nodes by path, and placeholders standing for text copied from it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.nodes: dict[Path, yaml.Node] = {}
        self.kept: dict[str, str] = {}
        self.tag = f"kept{secrets.token_hex(6)}n"
        try:
            self._index(yaml.compose(text, Loader=yaml.SafeLoader), ())
        except yaml.YAMLError:  # ruamel read it; without marks nothing is copied verbatim
            self.nodes.clear()

    def _index(self, node: yaml.Node | None, path: Path) -> None:
        if node is None:
            return
        self.nodes[path] = node
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    self._index(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for n, item in enumerate(node.value):
                self._index(item, (*path, n))

    def slice(self, path: Path) -> str | None:
        """The old text of a value ruamel would re-flow (it spans lines), else None."""
        node = self.nodes.get(path)
        if node is None:
            return None
        text = self.text[node.start_mark.index : node.end_mark.index]
        if "\n" not in text.rstrip("\n"):
            return None
        flow = isinstance(node, yaml.CollectionNode) and node.flow_style
        plain = isinstance(node, yaml.ScalarNode) and node.style in (None, "'", '"')
        return text if flow or plain else None

    def keep(self, value: Any, path: Path, text: str | None = None) -> Any:
        """`value`, or a placeholder that `restore` turns into `text` (the old text)."""
        text = self.slice(path) if text is None else text
        if text is None:
            return value
        placeholder = f"{self.tag}{len(self.kept)}"
        self.kept[placeholder] = text
        return placeholder

    def appended(self, path: Path, items: list[Any]) -> str | None:
        """A multi-line flow list's old text with `items` added before its bracket."""
        node = self.nodes.get(path)
        if self.slice(path) is None or not isinstance(node, yaml.SequenceNode) or not node.value:
            return None
        end = node.value[-1].end_mark.index
        added = "".join(f", {_flow(item)}" for item in items)
        return self.text[node.start_mark.index : end] + added + self.text[end : node.end_mark.index]

    def restore(self, text: str) -> str:
        for placeholder, old in self.kept.items():
            for written in (f"'{placeholder}'", f'"{placeholder}"', placeholder):
                if written in text:  # ruamel may quote it as the old value was
                    text = text.replace(written, old, 1)
                    break
        return text


def _flow(value: Any) -> str:
    """One value as an item of a flow list."""
    dumped = yaml.safe_dump([value], default_flow_style=True, width=1 << 30, allow_unicode=True)
    return dumped.strip()[1:-1]


def _fresh(value: Any) -> Any:
    """A new value as the plain writer would write it: multi-line text as a block."""
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    return value


def _kept(old: Any, value: Any, path: Path, source: _Source | None) -> Any:
    """The new value in the old one's style (see the module's description)."""
    if old == value and isinstance(old, bool) == isinstance(value, bool):
        return source.keep(old, path) if source else old
    if isinstance(old, CommentedMap) and isinstance(value, dict):
        for key in [k for k in old if k not in value]:
            del old[key]
        for key, item in value.items():
            kept = key in old
            old[key] = _kept(old[key], item, (*path, key), source) if kept else _fresh(item)
        return old
    if isinstance(old, CommentedSeq) and isinstance(value, list):
        if source and value[: len(old)] == list(old):
            text = source.appended(path, value[len(old) :])
            if text is not None:
                return source.keep(old, path, text)
        return _seq(old, value, path, source)
    if isinstance(value, str) and "\n" in value and isinstance(old, LiteralScalarString):
        return LiteralScalarString(value)
    return _fresh(value)


def _seq(old: CommentedSeq, value: list[Any], path: Path, source: _Source | None) -> CommentedSeq:
    """A list holding `value`, each item that stays with its comment and old text.

    ruamel hangs full-line comments on the item above them: the lines under an item that
    goes move to the item now above them, and those under the old last item (a comment
    before the next key) move to the new last item."""
    seq = CommentedSeq()
    if old.fa.flow_style():
        seq.fa.set_flow_style()
    seq.ca.comment = old.ca.comment
    seq.ca.end = old.ca.end
    placed: dict[int, int] = {}  # old position -> new position
    for n, item in enumerate(value):
        match = next((i for i, o in enumerate(old) if i not in placed and o == item), None)
        if match is None:
            seq.append(_fresh(item))
            continue
        placed[match] = n
        seq.append(source.keep(old[match], (*path, match)) if source else old[match])
        if match in old.ca.items:
            seq.ca.items[n] = list(old.ca.items[match])
    orphans = [i for i in range(len(old)) if i not in placed]
    last = len(old) - 1
    if last in placed and placed[last] != len(value) - 1 and value:
        orphans.append(last)  # its trailing lines belong after the list
    for i in sorted(orphans):
        token = (old.ca.items.get(i) or [None])[0]
        if token is None or "\n" not in token.value.rstrip("\n"):
            continue
        above = max((placed[j] for j in placed if j < i), default=None)
        if i == last and i in placed:
            above = len(value) - 1
            seq.ca.items[placed[i]][0] = _comment(token, token.value.split("\n", 1)[0] + "\n")
        if above is not None:
            _add_lines(seq, above, token)
    return seq


def _comment(like: CommentToken, value: str) -> CommentToken:
    return CommentToken(value, like.start_mark, like.end_mark)


def _add_lines(seq: CommentedSeq, n: int, token: CommentToken) -> None:
    """Put the full-line comments under `token`'s first line beneath item `n`."""
    lines = token.value.split("\n", 1)[1]
    current = (seq.ca.items.get(n) or [None])[0]
    value = (current.value if current else "\n") + lines
    entry = seq.ca.items.setdefault(n, [None, None, None, None])
    entry[0] = _comment(current or token, value)


def _editor(layout: Layout) -> YAML:
    editor = YAML(typ="rt")
    editor.preserve_quotes = True
    editor.width = 4096  # never re-wrap a long line
    editor.indent(mapping=layout.mapping, sequence=layout.offset + 2, offset=layout.offset)
    return editor


def rewrite(old_text: str, new: dict[str, Any]) -> str | None:
    """`old_text` changed to hold `new`, in its own layout; None if that cannot be done (not
    a mapping, or no result that reads back as `new`)."""
    layout = layout_of(old_text)
    body = plain_text(old_text)
    for source in (_Source(body), None):  # copying old text verbatim first
        editor = _editor(layout)
        try:
            data = editor.load(body)
        except YAMLError:
            return None
        if not isinstance(data, CommentedMap):
            return None
        data = _kept(data, new, (), source)
        out = io.StringIO()
        editor.dump(data, out)
        text = layout.apply(source.restore(out.getvalue()) if source else out.getvalue())
        try:
            if parse_yaml(text) == new:
                return text
        except yaml.YAMLError:
            continue
    return None
