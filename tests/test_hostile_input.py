"""Hostile or odd input: deep nesting refused before any YAML is parsed, reads bounded
(never a FIFO or a device, never more than the cap), and one clear sentence for each slip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from bot.knowledge import files, parsing
from bot.knowledge.files import UnreadableFile, read_text_file
from bot.knowledge.model import KnowledgeBaseError
from bot.knowledge.parsing import MAX_BYTES, parse_yaml, too_deep
from bot.knowledge.safe_yaml import UnsafeYaml, load_untrusted
from bot.knowledge.store import Actor, KnowledgeStore, StoreError
from tests.test_cli import run

MOD = Actor("1", "mod")
DEEP = "entries: " + "[" * 100_000 + "]" * 100_000  # 200 KB, under the 1 MB cap


@pytest.fixture
def store(knowledge_copy: Path, tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore(knowledge_copy, tmp_path / "data")


@pytest.fixture
def no_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """The YAML parser never sees the deep text: it is refused after one pass over it."""
    real_parse = yaml.parse

    def parse(text: str, *args: object, **kwargs: object) -> object:
        assert "[" * 1000 not in text, "parsed before the depth was checked"
        return real_parse(text, *args, **kwargs)

    monkeypatch.setattr(parsing.yaml, "parse", parse)


def test_deep_nesting_is_refused_before_any_parse_on_every_read_path(store, no_parser):
    with pytest.raises(UnsafeYaml, match="nested more than 10 levels deep"):
        load_untrusted(DEEP)  # an import, a /kb import attachment
    with pytest.raises(UnsafeYaml, match="nested more than 10 levels deep"):
        store.plan_import(DEEP)
    (store.knowledge_dir / "entries" / "deep.yaml").write_text(DEEP)
    with pytest.raises(KnowledgeBaseError, match=r"deep.yaml.*nested more than 10 levels"):
        store.load()  # a file dropped on disk


@pytest.mark.parametrize(
    "text",
    [
        "a: '[[[[[[[[[[[[[['\nb: \"]]]]\"\n",  # brackets in quotes
        "a: |\n  [[[[[[[[[[[[[[[\n  'x\nb: [1, 2]\n",  # in a block scalar
        "a: see [1 [2 [3 [4 [5 [6 [7 [8 [9 [10 [11 [12\n# [[[[[[[[[[[[\n",  # prose, a comment
        "a: [1, [2, 'it''s [[[[[[[[[[[['], {b: \"\\\" [[[[[[[[[[[\"}]\n",  # escaped quotes
    ],
)
def test_brackets_that_nest_nothing_are_not_counted(text):
    assert too_deep(text) is None
    parse_yaml(text)


def test_quotes_cannot_hide_deep_nesting():
    hidden = "a: " + '["]" ' * 50 + "]" * 50  # each "]" is text inside quotes
    assert too_deep(hidden) is not None


def test_reads_stop_at_the_cap(tmp_path, monkeypatch):
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * MAX_BYTES)  # 50 MB, sparse
    read: list[int] = []
    real_read = os.read

    def counted(fd: int, size: int) -> bytes:
        data = real_read(fd, size)
        read.append(len(data))
        return data

    monkeypatch.setattr(files.os, "read", counted)
    with pytest.raises(UnreadableFile, match="over 1 MB"):
        read_text_file(big, MAX_BYTES)
    assert sum(read) == MAX_BYTES + 1


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_devices_and_fifos_are_refused_in_one_sentence(knowledge_copy, tmp_path, kind):
    if kind == "device":
        path = Path("/dev/zero")
    else:
        path = tmp_path / "pipe.yaml"
        os.mkfifo(path)
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    imported = run("kb", "import", str(path), "--yes", env=env)
    assert imported.returncode == 2 and "Traceback" not in imported.stderr
    assert f"{path} is not a regular file; nothing changed." in imported.stderr
    scored = run("kb", "test", "--eval", str(path), env=env)
    assert scored.returncode == 2 and "mode:" not in scored.stdout
    assert f"The evaluation file {path} is not a regular file." in scored.stderr


def test_utf16_files_get_the_save_as_utf8_sentence(knowledge_copy, tmp_path):
    path = tmp_path / "notepad.yaml"
    path.write_bytes("entries: []\n".encode("utf-16"))
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    imported = run("kb", "import", str(path), "--yes", env=env)
    assert "is saved as UTF-16; save it as UTF-8" in imported.stderr
    scored = run("kb", "test", "--eval", str(path), env=env)
    assert "is saved as UTF-16; save it as UTF-8" in scored.stderr


def test_an_eval_file_that_is_missing_is_said_before_anything_is_scored(knowledge_copy, tmp_path):
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    scored = run("kb", "test", "--eval", str(tmp_path / "missing.yaml"), env=env)
    assert scored.returncode == 2 and "mode:" not in scored.stdout
    assert "There is no evaluation file" in scored.stderr


def test_an_eval_label_that_names_no_entry_is_said(knowledge_copy, tmp_path):
    labelled = tmp_path / "mine.yaml"
    labelled.write_text("direct:\n  check:\n    no-such-entry:\n      - do I need a PhD?\n")
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    scored = run("kb", "test", "--eval", str(labelled), env=env)
    assert scored.returncode == 0 and "no-such-entry" in scored.stderr


def test_an_import_of_many_bad_items_shows_the_first_fifty_and_a_count(knowledge_copy, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("entries:\n" + "  - {id: x}\n" * 400)
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    done = run("kb", "import", str(path), "--yes", env=env)
    lines = done.stderr.splitlines()
    assert done.returncode == 1 and len(lines) <= 53
    assert lines[-2].startswith("  …and ") and lines[-2].endswith(" more (fix these first).")


def test_messages_read_as_sentences(store):
    with pytest.raises(UnsafeYaml) as refused:
        load_untrusted("a: \x07\n")
    assert "is could" not in str(refused.value) and "not valid YAML" in str(refused.value)
    with pytest.raises(StoreError, match="list of entries is empty"):
        store.plan_import("entries: []\n")


def test_history_of_an_unknown_id_says_so(knowledge_copy, tmp_path):
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    done = run("kb", "history", "no-such-id", env=env)
    assert "There is no entry 'no-such-id'" in done.stdout


def test_a_doubled_space_or_an_escape_sequence_is_not_a_new_phrasing(store):
    question = store.document("phd-required")["phrasings"][0]
    with pytest.raises(StoreError, match="already has that wording"):
        store.add_phrasing("phd-required", question.replace(" ", "  ", 1), MOD)
    with pytest.raises(KnowledgeBaseError, match="control character"):
        store.add_phrasing("phd-required", "is a \x1b[31mPhD\x1b[0m a must", MOD)
    assert len(store.history()) == 0
    store.add_phrasing("phd-required", "is a  doctorate   a must", MOD)
    assert store.document("phd-required")["phrasings"][-1] == "is a doctorate a must"
