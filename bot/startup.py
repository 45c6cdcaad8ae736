"""What every adapter does first: load the knowledge base and build the matcher."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from bot.kb import lexical_matcher
from bot.kb.loader import load_knowledge_base
from bot.kb.matcher import Matcher


def build_matcher(settings: Settings, warn: Callable[[str], None]) -> Matcher:
    """Load and validate the knowledge base (raises KnowledgeBaseError) and index it."""
    kb = load_knowledge_base(settings.knowledge_dir)
    return lexical_matcher(kb)
