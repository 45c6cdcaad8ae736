"""Round trips keep the author's style: a change to an entry is a one-line diff whatever
the file's layout (lists at column 0 or 4 spaces in, CRLF, a byte-order mark, comments in a
flow list or on list items, text over several lines)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.knowledge.entry_yaml import version_of
from bot.knowledge.parsing import parse_yaml
from bot.knowledge.store import Actor, KnowledgeStore

MOD = Actor("1", "mod")
ENTRY = "phd-required"
NEW = "is a doctorate a must for ML jobs"
QUESTION = "question: Do I need a PhD to become a well-paid ML engineer?"


def column_0(text: str) -> str:  # as PyYAML and many editors write lists
    return yaml.safe_dump(parse_yaml(text), sort_keys=False, allow_unicode=True, width=100)


def four_spaces(text: str) -> str:
    return column_0(text).replace("\n- ", "\n    - ")


def flow_comment(text: str) -> str:
    start = text.index("keywords: [")
    end = text.index("]\n", start) + 2
    return (
        text[:start] + "keywords: [phd, doctorate,  # the degree itself\n  degree]\n" + text[end:]
    )


def plain_lines(text: str) -> str:
    return text.replace(QUESTION, "question: Do I need a PhD to become\n  a well-paid ML engineer?")


def quoted_lines(text: str) -> str:
    return text.replace(
        QUESTION, 'question: "Do I need a PhD to become\n  a well-paid ML engineer?"'
    )


@pytest.fixture
def store(knowledge_copy: Path, tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore(knowledge_copy, tmp_path / "data")


def entry_file(store: KnowledgeStore) -> Path:
    return store.knowledge_dir / "entries" / f"{ENTRY}.yaml"


def restyle(store: KnowledgeStore, style: Callable[[str], str], newline: str = "\n") -> bytes:
    path = entry_file(store)
    text = style(path.read_text(encoding="utf-8"))
    path.write_bytes(text.replace("\n", newline).encode())
    assert store.document(ENTRY)["question"].startswith("Do I need a PhD")
    return path.read_bytes()


def changed_lines(before: bytes, after: bytes) -> list[str]:
    diff = difflib.unified_diff(before.decode().splitlines(True), after.decode().splitlines(True))
    return [line for line in list(diff)[2:] if line[:1] in "+-"]


@pytest.mark.parametrize(
    ("style", "added"),
    [
        (column_0, f"+- {NEW}\n"),
        (four_spaces, f"+    - {NEW}\n"),
        (flow_comment, f"+  - {NEW}\n"),
        (plain_lines, f"+  - {NEW}\n"),
        (quoted_lines, f"+  - {NEW}\n"),
    ],
    ids=["column-0", "4-space", "flow-comment", "plain-lines", "quoted-lines"],
)
def test_a_phrasing_is_one_line_whatever_the_layout(store, style, added):
    before = restyle(store, style)
    store.add_phrasing(ENTRY, NEW, MOD)
    assert changed_lines(before, entry_file(store).read_bytes()) == [added]
    store.undo(MOD)
    assert entry_file(store).read_bytes() == before


def test_crlf_and_a_byte_order_mark_are_kept_and_undone_exactly(store):
    before = restyle(store, lambda text: "\ufeff" + text, newline="\r\n")
    store.add_phrasing(ENTRY, NEW, MOD)
    after = entry_file(store).read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and after.count(b"\n") == after.count(b"\r\n")
    assert changed_lines(before, after) == [f"+  - {NEW}\r\n"]
    store.undo(MOD)
    assert entry_file(store).read_bytes() == before


def test_a_comment_in_a_flow_list_survives_an_added_keyword(store):
    before = restyle(store, flow_comment)
    document = store.document(ENTRY)
    edited = {**document, "keywords": [*document["keywords"], "thesis"]}
    store.edit(ENTRY, edited, MOD, version_of(document))
    assert changed_lines(before, entry_file(store).read_bytes()) == [
        "-  degree]\n",
        "+  degree, thesis]\n",
    ]


def test_an_edit_that_rebuilds_a_list_keeps_the_comments_of_items_that_stay(store):
    def commented(text: str) -> str:
        for n, item in enumerate(parse_yaml(text)["phrasings"]):
            assert f"  - {item}\n" in text or f'  - "{item}"\n' in text
            text = re.sub(f'(  - "?{re.escape(item)}"?)\n', f"  # why {n}\n\\1  # seen {n}\n", text)
        return text

    restyle(store, commented)
    document = store.document(ENTRY)
    kept = [p for n, p in enumerate(document["phrasings"]) if n != 3]
    edited = {**document, "phrasings": [*kept[5:], *kept[:5]]}  # one gone, the rest moved
    store.edit(ENTRY, edited, MOD, version_of(document))
    after = entry_file(store).read_text(encoding="utf-8")
    assert parse_yaml(after)["phrasings"] == edited["phrasings"]
    for n in range(len(document["phrasings"])):
        assert (f"# seen {n}\n" in after) == (n != 3), n
        assert f"# why {n}\n" in after, "a comment above an item stays with the list"
