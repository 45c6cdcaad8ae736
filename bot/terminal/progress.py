"""A progress line on the terminal while the search index is built (the first run only)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from bot.config import Settings
from bot.knowledge.store import KnowledgeStore
from bot.matching.matcher import Matcher
from bot.startup import build_matcher as build_quietly


def index_progress(stream: TextIO | None = None) -> Callable[[int, int], None] | None:
    """What `build_matcher` calls as it encodes the wordings: one line rewritten in place
    on a terminal, nothing in a pipe or a log (None)."""
    out = stream or sys.stderr
    if not out.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        out.write(f"\rBuilding the search index (first run only): {done:,} of {total:,} wordings")
        out.write(end)
        out.flush()

    return show


def build_matcher(
    settings: Settings, warn: Callable[[str], None], store: KnowledgeStore | None = None
) -> Matcher:
    """bot.startup's build_matcher, showing its progress on a terminal (a command: the
    model loads beside the knowledge base)."""
    return build_quietly(settings, warn, store, index_progress(), model_aside=True)
