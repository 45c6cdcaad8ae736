"""Mistakes a new operator makes get one sentence and exit 2, never a traceback or a hang:
names too long for the file system, files the bot's user cannot read, a log file that cannot
be written."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.discord_adapter.lifecycle import LogFile
from tests.test_cli import run

LONG = "a" * 300
AS_USER = ["unshare", "--user", "--map-user=1000", "--map-group=1000"]


def one_sentence(result: subprocess.CompletedProcess[str], *words: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert all(word in lines[0] for word in words), lines[0]


def unprivileged() -> list[str]:
    """A command prefix that runs without root's power to read any file."""
    if os.geteuid() != 0:
        return []
    if shutil.which("unshare") and subprocess.run([*AS_USER, "true"], check=False).returncode == 0:
        return AS_USER  # root's files look like the user's own: their mode bits apply
    pytest.skip("root without user namespaces reads every file")


def run_unprivileged(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*unprivileged(), sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "SEMANTIC": "off", **env},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("name", ["DATA_DIR", "KNOWLEDGE_DIR", "LOG_FILE"])
def test_a_name_longer_than_the_file_system_allows_is_one_sentence(tmp_path, name):
    one_sentence(run("kb", "stats", env={name: str(tmp_path / LONG / "x")}), name, "255")


def test_an_unreadable_env_file_is_one_sentence(tmp_path):
    (tmp_path / ".env").write_text("LOG_LEVEL=INFO\n")
    (tmp_path / ".env").chmod(0)
    one_sentence(run_unprivileged(tmp_path, "ask", "do I need a PhD?"), ".env", "cannot be read")


def test_an_unreadable_entries_folder_is_one_sentence(tmp_path, knowledge_copy):
    (knowledge_copy / "entries").chmod(0)
    try:
        result = run_unprivileged(tmp_path, "ask", "hi", KNOWLEDGE_DIR=str(knowledge_copy))
    finally:
        (knowledge_copy / "entries").chmod(0o755)
    one_sentence(result, "KNOWLEDGE_DIR", "cannot be used")


def test_a_log_file_that_cannot_be_written_is_refused_before_connecting(tmp_path):
    result = run("run", env={"DISCORD_TOKEN": "not-used", "LOG_FILE": "/dev/full"}, cwd=tmp_path)
    one_sentence(result, "LOG_FILE", "/dev/full", "cannot be written")


def test_a_log_file_that_fills_up_says_so_once(capsys):
    handler = LogFile("/dev/full", encoding="utf-8")
    logger = logging.getLogger("tests.full-disk")
    logger.addHandler(handler)
    try:
        for n in range(3):
            logger.warning("record %d", n)
    finally:
        logger.removeHandler(handler)
        handler.close()
    errors = capsys.readouterr().err
    assert errors.count("cannot be written any more") == 1 and "Traceback" not in errors


def test_ask_dash_with_nothing_on_standard_input_exits_2():
    result = run("ask", "-", stdin="")
    one_sentence(result, "No question on standard input")
    assert result.stdout == ""


def test_standard_input_reaches_the_bot_through_the_container_entrypoint(tmp_path):
    """`docker run -i … ask -` and `… console`: the entrypoint runs the bot as a child (to
    pass SIGTERM on), and a shell gives a background child /dev/null unless told otherwise."""
    installed = Path(sys.executable).parent / "ml-career-bot"
    if not installed.exists():
        pytest.skip("the ml-career-bot command is not installed in this environment")
    entrypoint = str(Path(__file__).resolve().parents[1] / "deploy" / "docker-entrypoint.sh")
    env = {**os.environ, "PATH": f"{installed.parent}:{os.environ['PATH']}", "SEMANTIC": "off"}

    def through_entrypoint(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [entrypoint, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )

    question = "do I need a PhD to become an ML engineer?\n"
    asked = through_entrypoint("ask", "--json", "-", stdin=question)
    assert asked.returncode == 0 and '"id": "phd-required"' in asked.stdout, asked.stderr
    console = through_entrypoint("console", stdin=question + "quit\n")
    assert console.returncode == 0 and "PhD" in console.stdout, console.stderr
