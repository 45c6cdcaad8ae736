"""A progress line on the terminal while the search index is built (the first run only)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO


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
