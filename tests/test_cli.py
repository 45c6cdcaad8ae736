"""The terminal commands, run as a member or maintainer would: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def run(
    *args: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    code: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS`, or `python -c CODE ARGS` for a test that adjusts the bot first."""
    environment = {**os.environ, "SEMANTIC": "off", **(env or {})}
    return subprocess.run(
        [sys.executable, *(("-c", code) if code else ("-m", "bot")), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=60,
        check=False,
    )


def test_ask_prints_the_answer():
    result = run("ask", "Do I need a PhD for ML?")
    assert result.returncode == 0, result.stderr
    assert "Do I need a PhD to become a well-paid ML engineer?" in result.stdout
    assert "Traceback" not in result.stderr


def test_ask_json_has_exactly_the_contract_keys():
    result = run("ask", "--json", "what are rsus", "hello", "ml engineer pay")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    keys = {"question", "id", "answers", "score", "suggestions"}
    assert [set(line) for line in lines] == [keys] * 3
    answered, declined, unsure = lines
    assert answered["id"] == "total-comp-components" and answered["question"] == "what are rsus"
    assert answered["id"] not in answered["suggestions"]
    assert answered["answers"] == [answered["id"]]
    assert declined == {
        "question": "hello",
        "id": None,
        "answers": [],
        "score": 0,
        "suggestions": [],
    }
    assert unsure["id"] is None and unsure["suggestions"]


def test_ask_json_reads_questions_from_stdin():
    result = run("ask", "--json", "-", stdin="do i need a phd\n\nwhat is mlops\n")
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == ["phd-required", None, "skill-mlops-production"], "one line per question"
    assert result.returncode == 2 and result.stderr.startswith("Type a question")
    assert run("ask", "--json", "").returncode == 2


def test_ask_survives_hostile_input():
    hostile = ["   ", "x" * 10_000, "\x00\x1b[2J\x07", "🙂🙂", "Привет, как дела?"]
    result = run("ask", "--json", "-", stdin="\n".join(hostile) + "\n")
    assert result.returncode == 2 and "Traceback" not in result.stderr  # the blank one
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [None] * 5


def test_empty_question_gets_one_sentence_and_a_non_zero_exit():
    result = run("ask", "  ")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Type a question")
    assert "Traceback" not in result.stderr


def test_kb_validate_reports_every_problem(knowledge_copy):
    assert run("kb", "validate", str(knowledge_copy)).stdout.startswith("OK: 20 entries")
    (knowledge_copy / "entries" / "phd-required.yaml").write_text("id: phd-required\n\tx: 1\n")
    result = run("kb", "validate", str(knowledge_copy))
    assert result.returncode == 1
    assert "phd-required.yaml: (no id): file: not valid YAML at line 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_knowledge_directory_is_one_clear_sentence(tmp_path):
    result = run("ask", "what is mlops", env={"KNOWLEDGE_DIR": str(tmp_path / "gone")})
    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: KNOWLEDGE_DIR")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_bad_setting_is_named(tmp_path):
    result = run("ask", "what is mlops", env={"LOG_LEVEL": "LOUD"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not 'LOUD'"
    )


def test_kb_test_prints_every_kind_for_both_halves():
    result = run("kb", "test", "--verbose")
    assert result.returncode == 0 and result.stdout.startswith("mode: lexical")
    lines = result.stdout.splitlines()
    for kind in ("existing", "long", "short", "multi", "near_topic", "off_topic", "languages"):
        for split in ("fit", "check"):
            assert any(line.split()[:2] == [kind, split] for line in lines), (kind, split)
    assert "right" in result.stdout and "in reply" in result.stdout and "declined" in result.stdout
    assert any("(expected " in line for line in lines), "--verbose lists the misses"


def test_kb_test_scores_extra_files_and_shows_confusions(tmp_path):
    extra = tmp_path / "ours.yaml"
    extra.write_text(
        "short:\n"
        "  check:\n"
        "    phd-required:\n    - do i need a phd for ml\n"
        "    salary-by-city:\n    - do i need a phd for ml jobs\n"  # mislabelled on purpose
        "near_topic:\n"
        "  check:\n"
        "    none:\n    - what are rsus\n"  # an entry's own wording, labelled uncovered
    )
    result = run("kb", "test", "--eval", str(extra))
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("\nours.yaml\n")[1]
    assert section.splitlines()[0].split()[:3] == ["short", "check", "n=2"]
    assert "direct     check /ask: 1/3 right (33.3%), 1/2 covered answered" in section
    confusions = result.stdout.split("Confusions")[1]
    taken = confusions.split("\n  salary-by-city\n")[1].splitlines()[0]
    assert taken.startswith("    its questions answered as: ") and "phd-required (" in taken
    assert "total-comp-components\n    answers what it must not: 'what are rsus'" in confusions
    missing = run("kb", "test", "--eval", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert "There is no evaluation file" in missing.stderr


def test_kb_test_of_a_question_says_why():
    why = [
        line
        for line in run("kb", "test", "what does google pay an L7 engineer").stdout.splitlines()
        if line.startswith("Why: ")
    ]
    assert why[0].startswith("Why: confidence ") and "answered from" in why[0]
    assert any("never mentions: L7" in line for line in why), why


def test_console_reads_questions_from_a_pipe_and_leaves_on_eof():
    result = run("console", stdin="what are rsus\nquit\n", env={"DISCORD_TOKEN": ""})
    assert result.returncode == 0
    assert "What makes up an ML engineer's total compensation?" in result.stdout
    business = run("ask", "what value do ML engineers create for a business").stdout
    assert "- Personalisation — " in business and "**" not in business, "Markdown, readably"


def test_run_without_token_and_without_a_terminal_is_a_configuration_error():
    """A service or container: exit 2, which systemd and compose do not restart."""
    result = run("run", stdin="", env={"DISCORD_TOKEN": ""})
    assert result.returncode == 2 and result.stderr.startswith("No DISCORD_TOKEN set")


def last_line_of(code: str, data_dir: Path) -> str:
    """The last line `code` prints, run by a fresh interpreter with lexical matching."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "SEMANTIC": "off", "DATA_DIR": str(data_dir)},
        check=False,
    )
    assert result.stdout.strip(), result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "command", [["ask", "--json", "what is mlops"], ["kb", "validate"], ["kb", "test", "phd?"]]
)
def test_light_commands_import_neither_discord_nor_a_writer(command, tmp_path):
    """Reading commands stay light: no discord, and no YAML editor or store lock (ruamel.yaml
    and filelock are loaded by the first change, not by an answer)."""
    code = (
        f"import sys; from bot.__main__ import main; main({command!r});"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'discord', 'ruamel', 'filelock'}))"
    )
    assert last_line_of(code, tmp_path) == "[]"


def test_ask_loads_neither_the_calculator_nor_the_package_metadata(tmp_path):
    """`ask` answers from the knowledge base: the compensation calculator (its parser's
    options aside) and the installed version (read only for --version) are not loaded."""
    code = (
        "import sys; from bot.__main__ import main; main(['ask', 'what is mlops'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('bot.calculator.', "
        "'importlib.metadata')) and m != 'bot.calculator.amounts'))"
    )
    assert last_line_of(code, tmp_path) == "[]"


@pytest.mark.parametrize(
    "command", [["kb", "list"], ["kb", "history"], ["comp", "offer", "--base", "1"]]
)
def test_commands_that_match_nothing_load_neither_numpy_nor_the_matcher(command, tmp_path):
    """Only what matches a question (`ask`, `kb test`, the bot) loads numpy and the matcher:
    a maintainer's `kb list` starts in half the time."""
    code = (
        f"import sys; from bot.__main__ import main; main({command!r});"
        "print(sorted(m for m in sys.modules if m == 'numpy' or m == 'bot.matching.matcher'))"
    )
    assert last_line_of(code, tmp_path) == "[]"


def test_sync_without_token_says_so():
    result = run("sync", env={"DISCORD_TOKEN": ""})
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "No DISCORD_TOKEN set: set it in .env to sync the slash commands."
    )


def test_a_bad_setting_stops_start_up_with_one_line():
    result = run("run", env={"GUILD_IDS": "my server"})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Configuration error: GUILD_IDS must be Discord ids")
    assert "Traceback" not in result.stderr


def test_comp_offer_prints_the_table_and_json():
    args = (
        "comp",
        "offer",
        "--base",
        "180k",
        "--bonus",
        "30k",
        "--stock",
        "600k",
        "--vesting",
        "even",
        "--signon",
        "75k",
    )
    table = run(*args)
    assert table.returncode == 0, table.stderr
    assert "435,000" in table.stdout and "1,515,000" in table.stdout
    record = json.loads(run(*args, "--json").stdout)
    assert [y["total"] for y in record["years"]] == [435_000, 360_000, 360_000, 360_000]
    assert (record["first_year_total"], record["total"]) == (435_000, 1_515_000)


def test_comp_refuses_bad_input_with_exit_2_and_one_sentence():
    result = run("comp", "offer", "--base", "180k", "--vesting", "10/20/30")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        "Vesting percentages must add up to 100, but 10/20/30 adds up to 60. "
        "For example: 10/20/30/40."
    )
    flag_like = run("comp", "offer", "--base", "-5k")
    assert flag_like.returncode == 2 and "Traceback" not in flag_like.stderr


def test_comp_compare_bands_and_chart(tmp_path):
    chart = tmp_path / "offers.png"
    compare = run(
        "comp",
        "compare",
        "--a-base",
        "180k",
        "--a-stock",
        "600k",
        "--b-base",
        "220k",
        "--b-stock",
        "200k",
        "--json",
        "--chart",
        str(chart),
    )
    record = json.loads(compare.stdout)
    assert record["difference"] == record["b"]["total"] - record["a"]["total"] == -240_000
    assert chart.read_bytes().startswith(b"\x89PNG")
    bands = run("comp", "bands", "--level", "mid")
    assert bands.returncode == 0 and "130,000 to 180,000+" in bands.stdout


def test_console_prices_comp_lines():
    result = run(
        "console",
        stdin="/comp offer --base 180k --stock 600k --signon 75k\n"
        "/comp offer --base nothing\nquit\n",
    )
    assert "405,000" in result.stdout
    assert "Base salary: 'nothing' is not an amount." in result.stdout


def test_kb_maintainer_commands_share_the_store(knowledge_copy, tmp_path):
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    assert "Do I need a PhD" in run("kb", "list", env=env).stdout
    assert run("kb", "show", "phd-required", env=env).stdout.startswith("id: phd-required\n")
    explained = run("kb", "test", "do i need a phd", env=env).stdout
    assert explained.startswith("Decision: answer") and "1.  " in explained
    exported = tmp_path / "kb.yaml"
    run("kb", "export", str(exported), env=env)
    exported.write_text(
        exported.read_text().replace("category: Getting in", "category: Breaking in")
    )
    imported = run("kb", "import", str(exported), "--yes", env=env)
    assert imported.returncode == 0 and "Change " in imported.stdout, imported.stderr
    history = run("kb", "history", env=env).stdout
    assert " import " in history
    assert run("kb", "undo", env=env).stdout.startswith("Undid the import of phd-required")
    assert "category: Getting in" in run("kb", "show", "phd-required", env=env).stdout
    assert run("kb", "undo", env=env).stderr.strip() == "There is nothing to undo."
    missing = run("kb", "show", "no-such-entry", env=env)
    assert (
        missing.returncode == 2 and missing.stderr.strip() == "There is no entry 'no-such-entry'."
    )
    declined = run("kb", "import", str(tmp_path / "none.yaml"), env=env)
    assert declined.returncode == 2 and declined.stderr.startswith("There is no file ")


def test_bad_numbers_and_paths_get_one_sentence_not_a_traceback(knowledge_copy, tmp_path):
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    nowhere = tmp_path / "missing" / "out"
    cases = [
        (("comp", "offer", "--base", "100k", "--years", "²"), "whole number from 1"),
        (("comp", "offer", "--base", "100k", "--chart", f"{nowhere}.png"), "Could not save"),
        (("kb", "export", f"{nowhere}.yaml"), "Could not write"),
        (("kb", "unanswered", "--days", "99999999"), "from 1 to 3650"),
        (("kb", "stats", "--days", "0"), "from 1 to 3650"),
        (("kb", "stats", "--chart", f"{nowhere}.png"), "Could not save the chart"),
        (("kb", "phrasing", "no-such-entry", "a question"), "There is no entry"),
        (("kb", "phrasing", "phd-required", "  "), "Type the question"),
    ]
    for args, message in cases:
        result = run(*args, env=env)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert not nowhere.parent.exists()


def test_kb_feedback_stats_and_phrasing_from_the_shell(knowledge_copy, tmp_path):
    from bot.knowledge.database import Database
    from bot.knowledge.loader import load_knowledge_base
    from bot.matching.build import lexical_matcher
    from bot.records.feedback import record_question, vote

    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    assert (
        run("kb", "feedback", env=env).stdout.strip() == "No votes on answers in the last 30 days."
    )
    database = Database(tmp_path / "data")
    match = lexical_matcher(load_knowledge_base(knowledge_copy)).match("do I need a PhD?")
    record_question(database, 7, match, "ask", 1, 2)
    vote(database, 1, "phd-required", 7, False, 1, 2)
    listed = run("kb", "feedback", "--days", "7", env=env).stdout.splitlines()
    assert listed == [
        "phd-required: 1 of 1 vote not helpful (100%)",
        "  “do I need a PhD?”: 1 not helpful, 0 helpful",
    ]
    chart = tmp_path / "stats.png"
    stats = run("kb", "stats", "--days", "7", "--chart", str(chart), env=env).stdout
    assert stats.startswith("1 question in the last 7 days") and "phd-required (1x)" in stats
    assert chart.read_bytes().startswith(b"\x89PNG")
    added = run("kb", "phrasing", "salary-by-city", "what do ML folks make in Austin", env=env)
    assert added.stdout.strip() == "Added as a phrasing of salary-by-city."
    assert "what do ML folks make in Austin" in run("kb", "show", "salary-by-city", env=env).stdout
    assert " phrasing " in run("kb", "history", env=env).stdout


def test_output_into_a_closed_pipe_ends_quietly():
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already exited: every write fails
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "kb", "list"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "SEMANTIC": "off"},
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr and result.returncode == 141, result.stderr


def test_an_unusable_data_dir_refuses_writes_in_one_sentence_and_still_answers(
    knowledge_copy, tmp_path
):
    data = tmp_path / "data"
    (data / "bot.sqlite3").mkdir(parents=True)  # the database cannot be opened
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(data)}
    exported = tmp_path / "kb.yaml"
    assert run("kb", "export", str(exported), env=env).returncode == 0
    exported.write_text(exported.read_text().replace("category: Getting in", "category: Other"))
    for args in (("kb", "undo"), ("kb", "import", str(exported), "--yes"), ("kb", "history")):
        result = run(*args, env=env)
        assert result.returncode == 2 and "DATA_DIR" in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert "Do I need a PhD" in run("ask", "do I need a phd", env=env).stdout


def test_raise_applies_in_the_terminal_as_in_discord():
    result = run("comp", "offer", "--base", "100k", "--raise", "10%", "--years", "2", "--json")
    assert [y["base"] for y in json.loads(result.stdout)["years"]] == [100_000, 110_000]
    compare = run(
        "comp", "compare", "--a-base", "100k", "--b-base", "100k", "--raise", "10%", "--json"
    )
    assert json.loads(compare.stdout)["a"]["years"][1]["base"] == 110_000
    refused = run("comp", "offer", "--base", "100k", "--raise", "abc")
    assert refused.returncode == 2 and "Yearly raise: 'abc' is not a percentage" in refused.stderr


def test_a_negative_growth_is_a_value_not_an_option():
    result = run("comp", "offer", "--base", "100k", "--stock", "400k", "--growth", "-60%", "--json")
    assert result.returncode == 0, result.stderr
    stock = [y["stock"] for y in json.loads(result.stdout)["years"]]
    assert stock[1] == 40_000, "year 2 is worth 40% of its grant value"


def test_import_without_an_answer_on_stdin_changes_nothing(knowledge_copy, tmp_path):
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    exported = tmp_path / "kb.yaml"
    assert run("kb", "export", str(exported), env=env).returncode == 0
    exported.write_text(exported.read_text().replace("Do I need a PhD", "Do I really need a PhD"))
    result = run("kb", "import", str(exported), env=env)  # stdin at its end at once
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "No answer (pass --yes" in result.stderr and "Nothing changed." in result.stdout
    assert "Do I really" not in run("kb", "show", "phd-required", env=env).stdout


def test_read_only_commands_leave_nothing_where_they_ran(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATA_DIR", "KNOWLEDGE_DIR")}
    for command in (
        ("ask", "do I need a PhD?"),
        ("kb", "list"),
        ("kb", "show", "phd-required"),
        ("kb", "test", "what is an RSU"),
        ("kb", "history"),
        ("kb", "stats"),
        ("kb", "unanswered"),
        ("comp", "offer", "--base", "180k"),
    ):
        result = run(*command, env=env, cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        assert list(tmp_path.iterdir()) == [], f"{command} left {list(tmp_path.iterdir())}"


def test_the_installed_knowledge_base_is_read_only(knowledge_copy, tmp_path, monkeypatch):
    from bot.knowledge import transaction
    from bot.knowledge.store import Actor, KnowledgeStore, StoreError

    monkeypatch.setattr(transaction, "installed_knowledge", lambda: knowledge_copy.resolve())
    store = KnowledgeStore(knowledge_copy, tmp_path / "data")
    assert len(store.load()) == 20, "reading it works"
    with pytest.raises(
        StoreError, match=r"read-only.*`ml-career-bot init FOLDER`.*nothing changed"
    ):
        store.add_phrasing("phd-required", "is a doctorate required", Actor("1", "mod"))
    assert not (tmp_path / "data" / "kb.lock").exists()


def test_start_up_faults_are_one_sentence_and_exit_2(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    env = {"DISCORD_TOKEN": "not.a.token", "LOG_FILE": str(blocked / "bot.log")}
    result = run("run", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "LOG_FILE" in result.stderr and "network" not in result.stderr
    (tmp_path / ".env").write_bytes("DISCORD_TOKEN=x\n".encode("utf-16"))
    notepad = run("kb", "list", cwd=tmp_path)
    assert notepad.returncode == 2 and "UTF-16" in notepad.stderr, notepad.stderr
    (tmp_path / ".env").write_bytes(b"GUILD_IDS=1\nFORUM_ANSWERED_TAG=caf\xe9\n")
    latin = run("kb", "list", cwd=tmp_path)
    assert latin.returncode == 2 and "line 2 is not UTF-8" in latin.stderr, latin.stderr


def test_a_question_that_is_not_utf8_is_one_sentence():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", b"do I need a \xff PhD"],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "SEMANTIC": "off"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and b"not valid UTF-8" in result.stderr
    assert b"Traceback" not in result.stderr


def test_what_the_commands_say_is_what_they_do(tmp_path, knowledge_copy):
    first = run("init", str(tmp_path / "bot")).stdout
    again = run("init", str(tmp_path / "bot")).stdout
    assert "created" in first and "created" not in again and again.count("kept") == 3
    missing = run("kb", "validate", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1, missing.stderr
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    empty = run("kb", "phrasing", "phd-required", "", env=env)
    assert 'kb phrasing phd-required "QUESTION"' in empty.stderr
    own = "do i need a PhD to become a well-paid ML engineer?"  # its question, other case
    twice = run("kb", "phrasing", "phd-required", own, env=env)
    assert twice.returncode == 2 and "already has that wording" in twice.stderr
    helped = run("comp", "offer", "--help").stdout
    assert "--base BASE [--bonus" in helped and "RAISE_" not in helped
