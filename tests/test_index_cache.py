"""Built indexes kept in DATA_DIR/index: read back when nothing changed, rebuilt otherwise."""

from __future__ import annotations

import dataclasses

import numpy as np

from bot.matching.build import lexical_matcher
from bot.matching.index_cache import IndexCache
from bot.matching.lexical import LexicalScorer
from bot.matching.matcher import indexed_entries

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
    before = set((tmp_path / "index").iterdir())
    first = kb.entries[0]
    edited = dataclasses.replace(
        kb, entries=(dataclasses.replace(first, keywords=("zebra",)), *kb.entries[1:])
    )
    matcher = lexical_matcher(edited, tmp_path)
    after = set((tmp_path / "index").iterdir())
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
