"""The writers' lock held by another process: a bounded wait, then one sentence naming the
holder's PID and since when, in the core and in the terminal; nothing changes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.knowledge.store import Actor, KnowledgeStore, StoreError
from tests.conftest import recorded_changes
from tests.e2e.test_curate_busy import HOLD
from tests.synthetic import snapshot
from tests.test_cli import ROOT, run


def hold(knowledge: Path, data: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(knowledge), str(data)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_held_lock_is_waited_for_a_bounded_time_then_named(knowledge_copy, tmp_path):
    store = KnowledgeStore(knowledge_copy, tmp_path / "data")
    store.files.lock_wait = 0.3
    before = snapshot(knowledge_copy)
    holder = hold(knowledge_copy, tmp_path / "data")
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as refused:
            store.add_phrasing("phd-required", "is a doctorate a must", Actor("1", "mod"))
        waited = time.monotonic() - started
    finally:
        holder.communicate("", timeout=30)
    assert waited < 30, "bounded"
    assert f"busy with another change (held by PID {holder.pid}, since 20" in str(refused.value)
    assert snapshot(knowledge_copy) == before and recorded_changes(store.database) == []
    store.add_phrasing("phd-required", "is a doctorate a must", Actor("1", "mod"))


# `python -m bot` with the bounded wait at half a second instead of five (the bound itself
# is tested above): the command as a maintainer runs it otherwise.
SHORT_WAIT = (
    "import sys; from bot.knowledge import transaction; transaction.LOCK_WAIT_SECONDS = 0.5; "
    "from bot.__main__ import main; sys.exit(main(sys.argv[1:]))"
)


def test_the_terminal_says_busy_instead_of_waiting_silently(knowledge_copy, tmp_path):
    holder = hold(knowledge_copy, tmp_path / "data")
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    try:
        done = run(
            "kb", "phrasing", "phd-required", "is a doctorate a must", env=env, code=SHORT_WAIT
        )
    finally:
        holder.communicate("", timeout=30)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"held by PID {holder.pid}" in done.stderr and "try again" in done.stderr
