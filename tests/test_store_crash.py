"""The store under real kills and real concurrency: a `kb import --yes` process SIGKILLed at
random moments, and readers racing writers from another process and from this one.

`make stress` runs the long versions (STORE_KILLS, STORE_RACE_IMPORTS) and prints the counts.
Where a kill lands varies from run to run; what is asserted holds wherever it lands.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from bot.knowledge import history
from bot.knowledge.entry_yaml import version_of
from bot.knowledge.model import ConflictError, StoreError
from bot.knowledge.store import Actor, KnowledgeStore
from tests.conftest import ROOT
from tests.synthetic import export_text, markers, snapshot, write_knowledge

SIZE = 300
KILLS = int(os.environ.get("STORE_KILLS", "8"))  # two before the plan, six while writing
RACE_IMPORTS = int(os.environ.get("STORE_RACE_IMPORTS", "6"))
MOD = Actor("42", "mod", guild=1)


def cli(*args: str, knowledge: Path, data: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "KNOWLEDGE_DIR": str(knowledge),
        "DATA_DIR": str(data),
        "SEMANTIC": "off",
        "PYTHONUNBUFFERED": "1",  # the plan is printed before the files are written
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_plan(process: subprocess.Popen[str]) -> float:
    """Read the import's output up to its plan (the last line before it writes)."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Remove "):
            break
    return time.monotonic()


def test_an_import_killed_at_any_moment_is_all_old_or_all_new_and_undo_is_exact(tmp_path):
    knowledge, data = tmp_path / "knowledge", tmp_path / "data"
    write_knowledge(knowledge, SIZE, "A")
    old = snapshot(knowledge)
    new_file = tmp_path / "new.yaml"
    new_file.write_text(export_text(SIZE, "B"))
    # One whole import, timed, to aim the kills: a quarter anywhere before the plan is printed,
    # the rest in the window where the files are being written.
    started = time.monotonic()
    whole = cli("kb", "import", str(new_file), "--yes", knowledge=knowledge, data=data)
    planning = wait_for_plan(whole) - started
    assert whole.wait(60) == 0, whole.stderr.read() if whole.stderr else ""
    writing = time.monotonic() - started - planning
    KnowledgeStore(knowledge, data).undo(MOD)
    assert snapshot(knowledge) == old

    rng = random.Random(11)
    landed: Counter[str] = Counter()
    for n in range(KILLS):
        process = cli("kb", "import", str(new_file), "--yes", knowledge=knowledge, data=data)
        if n % 4 == 0:
            time.sleep(rng.uniform(0, planning))
        else:
            planned = wait_for_plan(process)
            time.sleep(rng.uniform(0, 1.2 * writing))
        process.kill()
        process.wait(60)
        if n % 4 and process.returncode == 0:  # it had finished: aim the next kills sooner
            writing = min(writing, time.monotonic() - planned)
        store = KnowledgeStore(knowledge, data)  # the next process to read
        if history.pending(store.database):
            landed["mid-change"] += 1
        else:
            landed["done" if process.returncode == 0 else "before any change"] += 1
        seen = markers(store.documents())
        assert seen in ({"A"}, {"B"}), f"a reader saw a mixed knowledge base: {seen}"
        assert not list((knowledge / "entries").glob(".*.tmp")), "temp files cleaned up"
        latest = store.history(limit=1)[0]
        if seen == {"B"}:
            assert latest["action"] == "import" and len(latest["entries"]) == SIZE
            store.undo(MOD)
        else:
            assert latest["action"] == "undo", "no import in the history that is not on disk"
        assert snapshot(knowledge) == old, "undo restores every file byte for byte"
    print(f"\n{KILLS} kills of `kb import --yes` ({SIZE} entries): {dict(landed)}")


def test_readers_never_see_half_a_change_while_the_bot_and_the_terminal_write(tmp_path):
    knowledge, data = tmp_path / "knowledge", tmp_path / "data"
    write_knowledge(knowledge, SIZE, "A")
    files = {}
    for marker in "AB":
        files[marker] = tmp_path / f"{marker}.yaml"
        files[marker].write_text(export_text(SIZE, marker))
    stop = threading.Event()
    editing = threading.Lock()  # held by an edit; the test holds it while an import must land
    reads: Counter[str] = Counter()
    edits: Counter[str] = Counter()
    failures: list[str] = []

    def reader() -> None:
        store = KnowledgeStore(knowledge, data)
        while not stop.is_set():
            try:
                seen = markers(store.documents())
                store.load()
            except StoreError as exc:  # a long change outlasted the bounded wait: said so
                assert "busy with another change" in str(exc), exc
                reads["busy"] += 1
                continue
            except Exception as exc:  # any crash is a finding
                failures.append(repr(exc))
                continue
            reads["mixed" if len(seen) != 1 else "whole"] += 1

    def bot_editor() -> None:  # a second writer, as the bot's /kb edit would be
        store = KnowledgeStore(knowledge, data)
        while not stop.is_set():
            with editing:
                document = store.document("topic-1")
                opened = version_of(document)
                document["keywords"] = [f"edit {edits['done']}"]
                try:
                    store.edit("topic-1", document, MOD, opened)
                    edits["done"] += 1
                except ConflictError:
                    edits["conflict"] += 1
                except StoreError as exc:
                    assert "busy with another change" in str(exc), exc
                    edits["busy"] += 1
            stop.wait(0.05)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    threads.append(threading.Thread(target=bot_editor))
    for thread in threads:
        thread.start()
    imported: Counter[str] = Counter()
    try:
        for n in range(RACE_IMPORTS):
            marker = "B" if n % 2 == 0 else "A"
            # Two imports in four run while the bot pauses its edits, so they land (B, then A)
            # under the readers; the others race its edits too, and may meet a conflict.
            quiet = n % 4 < 2
            if quiet:
                editing.acquire()
            try:
                process = cli(
                    "kb", "import", str(files[marker]), "--yes", knowledge=knowledge, data=data
                )
                _, err = process.communicate(timeout=120)
            finally:
                if quiet:
                    editing.release()
            # Another writer may change the base between preview and apply: a conflict.
            assert process.returncode in (0, 2), err
            busy = "busy with another change" in err  # the bounded wait for the lock ran out
            outcome = "applied" if process.returncode == 0 else "busy" if busy else "conflict"
            imported[outcome] += 1
            if outcome == "conflict":
                assert "changed after this import was previewed" in err, err
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert not failures, failures[:3]
    assert reads["mixed"] == 0 and reads["whole"] > 0
    assert imported["applied"] > 0, "the readers raced imports that were written"
    store = KnowledgeStore(knowledge, data)
    applied = store.history(limit=10_000)
    assert len(applied) == imported["applied"] + edits["done"], "every write is in the history"
    print(
        f"\nreader race: {dict(reads)} reads, terminal imports {dict(imported)}, "
        f"bot edits {dict(edits)}"
    )
