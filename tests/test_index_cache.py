"""Built indexes kept in DATA_DIR/index: read back when nothing changed, rebuilt otherwise."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os

import numpy as np
import pytest

from bot.config import Settings
from bot.knowledge.store import KnowledgeStore
from bot.matching.answerability import wordings
from bot.matching.build import lexical_matcher
from bot.matching.index_cache import IndexCache, file_sha256
from bot.matching.lexical import LexicalScorer
from bot.matching.matcher import indexed_entries
from bot.startup import build_matcher, load_knowledge

QUESTIONS = ("do i need a phd", "how much do ml engineers make at big tech", "salary negotiatoin")


def scores(scorer: LexicalScorer) -> list[np.ndarray]:
    return [scorer.score(q) for q in QUESTIONS]


def test_a_saved_lexical_index_scores_exactly_as_a_built_one(kb, tmp_path):
    entries = indexed_entries(kb)
    built = LexicalScorer(entries)
    LexicalScorer(entries, IndexCache(tmp_path))  # builds and saves
    (saved,) = (tmp_path / "index").glob("lexical-*.npz")
    loaded = LexicalScorer(entries, IndexCache(tmp_path))
    for a, b in zip(scores(built), scores(loaded), strict=True):
        assert np.array_equal(a, b)
    assert saved.exists()


def test_an_edit_gets_a_new_index_and_the_old_one_goes(kb, tmp_path):
    cache = IndexCache(tmp_path)
    lexical_matcher(kb, tmp_path)
    before = set((tmp_path / "index").glob("lexical-*"))
    first = kb.entries[0]
    assert "when" not in wordings.tables(kb).kinds[0]
    edited = dataclasses.replace(
        kb, entries=(dataclasses.replace(first, keywords=("zebra",)), *kb.entries[1:])
    )
    matcher = lexical_matcher(edited, tmp_path)
    after = set((tmp_path / "index").glob("lexical-*"))
    assert len(after) == 1 and after != before
    assert matcher.scores("zebra")[0][0] > 0
    assert LexicalScorer(indexed_entries(edited), cache).score("zebra")[0] > 0


def test_a_corrupt_or_unwritable_index_is_rebuilt(kb, tmp_path):
    entries = indexed_entries(kb)
    LexicalScorer(entries, IndexCache(tmp_path))
    (saved,) = (tmp_path / "index").glob("lexical-*.npz")
    saved.write_bytes(b"garbage")
    expected = scores(LexicalScorer(entries))
    assert all(
        np.array_equal(a, b)
        for a, b in zip(scores(LexicalScorer(entries, IndexCache(tmp_path))), expected, strict=True)
    )
    blocked = tmp_path / "file"
    blocked.write_text("a file where DATA_DIR should be")
    assert all(
        np.array_equal(a, b)
        for a, b in zip(scores(LexicalScorer(entries, IndexCache(blocked))), expected, strict=True)
    )


class StandInEncoder:
    model_hash = "stand-in"
    dimensions = 4

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded += texts
        return np.ones((len(texts), 4), dtype=np.float32) / 2


def test_after_an_edit_only_the_changed_wording_is_encoded(tmp_path):
    """Including wordings whose digest ends in a zero byte (numpy's bytes arrays drop it)."""
    from bot.matching.semantic import _digest, embeddings

    texts = [f"wording {i}" for i in range(600)]
    assert any(_digest("stand-in", t).endswith(b"\0") for t in texts)
    cache = IndexCache(tmp_path)
    embeddings(texts, StandInEncoder(), cache)
    encoder = StandInEncoder()
    _, encoded = embeddings(["an edited wording", *texts[1:]], encoder, cache)
    assert encoded == 1 and encoder.encoded == ["an edited wording"]


def test_building_the_embeddings_reports_progress_to_the_last_wording(tmp_path):
    from bot.matching.semantic import PROGRESS_STEP, embeddings

    texts = [f"wording {i}" for i in range(PROGRESS_STEP * 2 + 5)]
    heard: list[tuple[int, int]] = []
    embeddings(texts, StandInEncoder(), IndexCache(tmp_path), lambda *p: heard.append(p))
    total = len(texts)
    assert heard == [(PROGRESS_STEP, total), (PROGRESS_STEP * 2, total), (total, total)]
    heard.clear()
    embeddings(texts, StandInEncoder(), IndexCache(tmp_path), lambda *p: heard.append(p))
    assert heard == []  # kept: nothing to encode, nothing to show


class Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_the_progress_line_is_rewritten_in_place_on_a_terminal_and_absent_in_a_pipe():
    from bot.terminal.progress import index_progress

    assert index_progress(Terminal(tty=False)) is None
    screen = Terminal(tty=True)
    show = index_progress(screen)
    assert show is not None
    show(128, 1439)
    show(1439, 1439)
    assert screen.getvalue() == (
        "\rBuilding the search index (first run only): 128 of 1,439 wordings"
        "\rBuilding the search index (first run only): 1,439 of 1,439 wordings\n"
    )


def test_a_files_digest_is_remembered_only_while_the_file_is_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"first weights")
    assert file_sha256(weights) == hashlib.sha256(b"first weights").hexdigest()
    memo = tmp_path / "cache" / "ml-career-bot" / "file-digests.json"
    remembered = json.loads(memo.read_text())
    remembered[str(weights.resolve())][-1] = "remembered"
    memo.write_text(json.dumps(remembered))
    assert file_sha256(weights) == "remembered"  # not read again while unchanged
    weights.write_bytes(b"other weights")  # same size; a later time
    os.utime(weights, ns=(1, weights.stat().st_mtime_ns + 1))
    assert file_sha256(weights) == hashlib.sha256(b"other weights").hexdigest()
    memo.write_text("{not json")
    assert file_sha256(weights) == hashlib.sha256(b"other weights").hexdigest()


ASKED = (
    "do i need a phd",
    "how much do ML engineers make at big tech?",
    "what is the weather in Paris",
    "what are rsus and how do they vest",
    "salary negotiatoin",
)


def answers(matcher) -> list[tuple]:
    return [dataclasses.astuple(matcher.match(q)) for q in ASKED]


def test_the_knowledge_base_is_kept_and_read_back_exactly(knowledge_copy, tmp_path, monkeypatch):
    """The parsed knowledge base is kept in DATA_DIR/index: the next start reads it instead
    of the YAML files and decides every question exactly as the files would."""
    data = tmp_path / "data"
    data.mkdir()
    settings = Settings(knowledge_dir=knowledge_copy, data_dir=data, semantic=False)
    store = KnowledgeStore(knowledge_copy, data)
    parsed = store.load()
    assert load_knowledge(store) == parsed  # read from the files, then kept
    (kept,) = (data / "index").glob("knowledge-*.json")

    def unread() -> None:
        raise AssertionError("the files were parsed again")

    monkeypatch.setattr(KnowledgeStore, "load", lambda self: unread())
    again = load_knowledge(KnowledgeStore(knowledge_copy, data))
    assert again == parsed and again.versions == parsed.versions
    assert again.by_id.keys() == parsed.by_id.keys()
    assert answers(build_matcher(settings, pytest.fail)) == answers(lexical_matcher(parsed))
    monkeypatch.undo()
    kept.write_text("{not json")  # unreadable: read from the files and kept again
    assert load_knowledge(store) == parsed and json.loads(kept.read_text())["versions"]


def test_a_changed_knowledge_file_is_read_again_not_taken_from_the_kept_base(
    knowledge_copy, tmp_path
):
    data = tmp_path / "data"
    data.mkdir()
    store = KnowledgeStore(knowledge_copy, data)
    before = load_knowledge(store)
    (old,) = (data / "index").glob("knowledge-*.json")
    path = knowledge_copy / "entries" / "phd-required.yaml"
    path.write_text(
        path.read_text().replace("phrasings:\n", "phrasings:\n  - is a zebra PhD needed\n")
    )
    after = load_knowledge(store)
    assert after == store.load() != before
    assert "is a zebra PhD needed" in after.by_id["phd-required"].phrasings
    assert after.versions["phd-required"] != before.versions["phd-required"]
    assert [p.name for p in (data / "index").glob("knowledge-*.json")] != [old.name]
    topics = knowledge_copy / "out_of_scope.yaml"
    topics.write_text(topics.read_text() + "\n")  # any byte of any file is a new key
    load_knowledge(store)
    assert len(list((data / "index").glob("knowledge-*.json"))) == 1, "the old one removed"


def test_the_matchers_tables_are_kept_and_read_back_exactly(kb, tmp_path, monkeypatch):
    """The words, exact wordings and kinds read off the base are kept in DATA_DIR/index:
    read back without reading the texts again; anything unreadable is read again."""

    def read(cache: IndexCache) -> tuple:
        wordings._last.clear()  # the in-memory copy of the last base's tables
        got = wordings.tables(kb, cache)
        kept = (got.vocabulary.sorted_words, got.vocabulary.coverage(["phd"], 0))
        return (*kept, got.refused, got.verbatim, got.kinds, got.topics, got.not_of)

    built = read(None)
    assert read(IndexCache(tmp_path)) == built
    (kept,) = (tmp_path / "index").glob("tables-*.json")

    def unread(*_) -> None:
        raise AssertionError("the texts were read again")

    monkeypatch.setattr(wordings, "_reading", unread)
    assert read(IndexCache(tmp_path)) == built
    monkeypatch.undo()
    whole = json.loads(kept.read_text())
    for damage in ("{not json", "[]", '{"refused": 1}', json.dumps({**whole, "kinds": []})):
        kept.write_text(damage)
        assert read(IndexCache(tmp_path)) == built
        assert json.loads(kept.read_text()) == whole, "read again and kept again"
    first = kb.entries[0]
    assert "when" not in wordings.tables(kb).kinds[0]
    edited = dataclasses.replace(
        kb, entries=(dataclasses.replace(first, answers=("when",)), *kb.entries[1:])
    )
    assert "when" in wordings.tables(edited, IndexCache(tmp_path)).kinds[0]
    (new,) = (tmp_path / "index").glob("tables-*.json")  # an edit is a new key; the old goes
    assert new != kept and "when" in json.loads(new.read_text())["kinds"][0]
