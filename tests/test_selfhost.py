"""What a server admin runs: init, invite, the installed command from any folder, logging to a
file, and the documented behaviours of the terminal that used to differ from the README."""

from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import Settings
from bot.discord_adapter.lifecycle import LOG_FILE_KEPT, setup_logging
from bot.discord_adapter.readiness import PERMISSIONS, application_id_from_token, invite_url
from bot.knowledge.database import Database
from bot.records.activity import group_unanswered, read_unanswered, record_unanswered
from bot.records.health import beat
from bot.terminal.comp_commands import console_comp, join_negative_values
from tests.conftest import KNOWLEDGE, ROOT
from tests.test_cli import run

SCRIPT = Path(sys.executable).parent / "ml-career-bot"


def fake_token(user_id: int) -> str:
    head = base64.b64encode(str(user_id).encode()).decode().rstrip("=")
    return f"{head}.XXXXXX.signature"


def test_invite_link_comes_from_the_token_with_exactly_the_listed_permissions():
    assert application_id_from_token(fake_token(1234567890123)) == 1234567890123
    assert application_id_from_token("not a token") is None
    result = run("invite", env={"DISCORD_TOKEN": fake_token(1234567890123)})
    assert result.stdout.strip() == invite_url(1234567890123)
    assert f"permissions={PERMISSIONS.value}" in result.stdout
    assert "scope=bot+applications.commands" in result.stdout
    refused = run("invite", env={"DISCORD_TOKEN": ""})
    assert refused.returncode == 2 and "DISCORD_TOKEN" in refused.stderr


def test_init_makes_a_deployment_folder_the_installed_command_runs_from(tmp_path):
    folder = tmp_path / "deploy"
    made = subprocess.run(
        [str(SCRIPT), "init", str(folder)], capture_output=True, text=True, check=False
    )
    assert made.returncode == 0, made.stderr
    assert (folder / "knowledge" / "entries" / "phd-required.yaml").is_file()
    assert (folder / ".env").read_text().startswith("# Copy to .env")
    assert (folder / "data").is_dir()
    again = subprocess.run([str(SCRIPT), "init", str(folder)], capture_output=True, text=True)
    assert "kept" in again.stdout, "what is there is kept"
    env = {"SEMANTIC": "off", "PATH": "/usr/bin:/bin"}
    answered = subprocess.run(
        [str(SCRIPT), "ask", "do I need a phd"], cwd=folder, env=env, capture_output=True, text=True
    )
    assert "Do I need a PhD" in answered.stdout, answered.stderr
    elsewhere = subprocess.run(
        [str(SCRIPT), "kb", "list"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert "(phd-required)" in elsewhere.stdout, "the shipped knowledge base, from anywhere"
    helped = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True)
    assert helped.stdout.startswith("usage: ml-career-bot")


def test_log_file_gets_the_log_and_rotates(tmp_path, monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    log_file = tmp_path / "logs" / "bot.log"
    setup_logging(Settings(log_file=log_file))
    handler = root.handlers[-1]
    logging.getLogger("bot.test").warning("written to the file")
    handler.flush()
    assert "written to the file" in log_file.read_text()
    assert handler.backupCount == LOG_FILE_KEPT and handler.maxBytes > 0
    for handler in root.handlers:
        handler.close()


def test_the_application_imports_no_cog():
    code = (
        "import bot.discord_adapter.app, sys; "
        "print(sorted(m for m in sys.modules if m.startswith('bot.discord_adapter.cogs')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "[]", result.stderr


def test_console_comp_help_and_bare_comp_say_something_useful():
    assert console_comp("/comp", KNOWLEDGE).startswith("Say what to price")
    assert console_comp("/comp --help", KNOWLEDGE).startswith("usage: /comp")
    assert console_comp("/comp offer --help", KNOWLEDGE).startswith("usage: /comp offer")
    falling = console_comp("/comp offer --base 100k --stock 400k --growth -60%", KNOWLEDGE)
    assert "expected one argument" not in falling and "Year" in falling
    assert join_negative_values(["--growth", "-60%", "--base", "-x"]) == [
        "--growth=-60%",
        "--base",
        "-x",
    ]


def test_kb_list_shows_ids_and_kb_test_names_its_mode():
    listed = run("kb", "list").stdout
    assert "Do I need a PhD to become a well-paid ML engineer? (phd-required)" in listed
    tested = run("kb", "test", "do i need a phd")
    assert "lexical matching" in tested.stdout.splitlines()[0]
    empty = run("kb", "test", "")
    assert empty.returncode == 2 and empty.stderr.startswith("Type a question")


def test_declined_questions_name_no_closest_entry(tmp_path, lexical):
    database = Database(tmp_path)
    record_unanswered(database, lexical.match("best pizza in town"), None, None)
    record_unanswered(database, lexical.match("ml engineer pay"), None, None)
    declined, unsure = read_unanswered(database)
    assert declined["decision"] == "decline" and declined["best"] is None
    assert unsure["decision"] == "suggest" and unsure["best"]
    groups = {g.example: g.best for g in group_unanswered([declined, unsure])}
    assert groups["best pizza in town"] is None and groups["ml engineer pay"] == unsure["best"]


def test_health_reads_the_heartbeat_a_connected_bot_leaves(tmp_path):
    env = {"DATA_DIR": str(tmp_path)}
    missing = run("health", env=env)
    assert missing.returncode == 1 and "no heartbeat for ever" in missing.stderr
    beat(tmp_path)
    assert run("health", env=env).returncode == 0
    old = time.time() - 600
    os.utime(tmp_path / "heartbeat", (old, old))
    stale = run("health", "--max-age", "180", env=env)
    said = re.search(r"no heartbeat for (\d+) s", stale.stderr)
    assert stale.returncode == 1 and said, stale.stderr
    assert 600 <= int(said[1]) < 600 + 60, "the age, however long the command took to start"


def test_the_container_entrypoint_passes_sigterm_on_and_keeps_the_exit_status(tmp_path):
    """As the container's PID 1 a shell ignores SIGTERM: the entrypoint must pass it to the
    bot (here a stand-in that stops on SIGTERM) and end with the bot's status."""
    stand_in = tmp_path / "ml-career-bot"
    stand_in.write_text(
        "#!/usr/bin/env python3\n"
        "import signal, sys, time\n"
        "if sys.argv[1] == 'bad-config':\n    sys.exit(2)\n"
        "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
        "sys.exit(1)\n"
    )
    stand_in.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    entrypoint = [str(ROOT / "deploy" / "docker-entrypoint.sh")]
    running = subprocess.Popen([*entrypoint, "run"], env=env, stdout=subprocess.PIPE, text=True)
    assert running.stdout is not None and running.stdout.readline() == "ready\n"
    running.send_signal(signal.SIGTERM)
    assert running.wait(timeout=10) == 0, "stopped by SIGTERM, cleanly"
    refused = subprocess.run([*entrypoint, "bad-config"], env=env, capture_output=True, text=True)
    assert refused.returncode == 0 and "not restarting" in refused.stderr


def test_the_service_unit_is_hardened():
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    unit = ROOT / "deploy" / "ml-career-bot.service"
    result = subprocess.run(
        [analyze, "security", "--offline=true", "--threshold=20", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]


@pytest.mark.parametrize("mode", ["lexical", "blended"])
def test_the_readmes_example_is_what_a_member_gets(request, mode):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    asked = readme.split("/ask question: ", 1)[1].splitlines()[0]
    shown_title = readme.split("bot      ┃ ", 1)[1].splitlines()[0]
    match = request.getfixturevalue(mode).match(asked)
    assert match.decision.value == "answer" and match.entry.question == shown_title
