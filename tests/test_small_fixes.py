"""Issue 30's smaller findings, each held: the stats window, the chart's partial and empty
bins, and the terminal's smaller promises."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.knowledge.database import Database
from bot.records.stats import read_stats
from bot.rendering.stats_chart import binned, draw, partial
from tests.test_cli import run

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


def put_question(database: Database, when: datetime, decision: str, answers: str) -> None:
    with database.transaction() as db:
        db.execute(
            "INSERT INTO questions (time, source, question, decision, answers) "
            "VALUES (?, 'ask', 'q', ?, ?)",
            (when.isoformat(timespec="seconds"), decision, answers),
        )
        if decision != "answer":
            db.execute(
                "INSERT INTO unanswered (time, question, decision) VALUES (?, 'q', ?)",
                (when.isoformat(timespec="seconds"), decision),
            )


def test_stats_lists_count_the_same_calendar_days_as_the_totals(tmp_path):
    database = Database(tmp_path)
    now = datetime.now(UTC)
    first_day = datetime.combine(now.date() - timedelta(days=2), datetime.min.time(), UTC)
    before = first_day - timedelta(seconds=1)  # within 3 x 24 h, but the day before the window
    for when in (before, before, first_day, now):
        put_question(database, when, "answer", "phd-required")
        put_question(database, when, "decline", "")
    stats = read_stats(database, 3)
    assert stats.questions == 4 and stats.decisions["answer"] == 2
    assert stats.top_entries == (("phd-required", 2),)
    assert [group.count for group in stats.unanswered] == [2]


def test_a_chart_marks_the_bins_that_hold_part_of_a_week_or_month(tmp_path):
    stats = read_stats(Database(tmp_path), 120)
    unit, bins = binned(stats)
    flags = partial(unit, bins, stats.per_day[-1][0])
    first = stats.per_day[0][0]
    today = stats.per_day[-1][0]
    assert unit == "week" and not any(flags[1:-1])
    assert flags[0] == (first.weekday() != 0) and flags[-1] == (today.weekday() != 6)
    monthly = read_stats(Database(tmp_path), 365)
    unit, bins = binned(monthly)
    flags = partial(unit, bins, today)
    assert (
        unit == "month"
        and flags[0] == (monthly.per_day[0][0].day != 1)
        and flags[-1] == ((today + timedelta(days=1)).day != 1)
    )
    figure = draw(stats)
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert ("part of a week only" in labels) == any(partial("week", binned(stats)[1], today))


def test_an_empty_chart_says_so_instead_of_an_axis_up_to_one(tmp_path):
    figure = draw(read_stats(Database(tmp_path), 30))
    axes = figure.axes[0]
    assert list(axes.get_yticks()) == [0]
    assert "No questions yet" in [text.get_text() for text in axes.texts]


def test_partial_is_exact_for_a_known_window():
    from collections import Counter

    bins = [(date(2026, 12, 3), Counter()), (date(2026, 12, 7), Counter())]  # Thu, then Mon
    assert partial("week", bins, date(2026, 12, 13)) == [True, False]  # Sunday: a whole week
    assert partial("week", bins, date(2026, 12, 9)) == [True, True]


def test_an_offer_without_stock_gets_no_stock_warnings():
    plain = run("comp", "offer", "--base", "200k", "--years", "6", "--growth", "10%")
    assert plain.returncode == 0 and "!" not in plain.stdout, plain.stdout
    granted = run("comp", "offer", "--base", "200k", "--stock", "400k", "--years", "6")
    assert "fully vested after year 4" in granted.stdout


def test_comp_bands_does_not_call_the_figures_with_bonus_base_pay():
    bands = run("comp", "bands")
    assert bands.returncode == 0 and "with bonus about" in bands.stdout
    assert "All figures are base pay" not in bands.stdout


@pytest.mark.parametrize("age", ["-5", "0", "1.5", "soon"])
def test_health_refuses_a_max_age_that_is_not_a_positive_number_of_seconds(age):
    result = run("health", "--max-age", age)
    assert result.returncode == 2 and "--max-age" in result.stderr


def test_a_folder_named_heartbeat_is_not_a_heartbeat(tmp_path):
    (tmp_path / "heartbeat").mkdir()
    result = run("health", env={"DATA_DIR": str(tmp_path)})
    assert result.returncode == 1 and "Unhealthy" in result.stderr


@pytest.mark.parametrize("what", ["a file", "a folder without entries/"])
def test_init_refuses_a_knowledge_that_is_not_a_knowledge_base(tmp_path, what):
    target = tmp_path / "mybot"
    target.mkdir()
    if what == "a file":
        (target / "knowledge").write_text("notes")
    else:
        (target / "knowledge").mkdir()
    result = run("init", str(target))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "not a knowledge base" in lines[0]
    assert sorted(p.name for p in target.iterdir()) == ["knowledge"], "nothing created"


@pytest.mark.parametrize("script", ["match.py", "e2e.py"])
def test_the_benchmarks_load_where_there_is_no_resource_module(script):
    """Windows has no `resource`: the benchmarks still run, without their memory figures."""
    code = (
        "import sys, importlib.util\n"
        "sys.modules['resource'] = None  # import resource -> ImportError, as on Windows\n"
        f"spec = importlib.util.spec_from_file_location('bench_script', {str(BENCH / script)!r})\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_a_test_run_leaves_no_cache_folder_behind(tmp_path):
    temp = tmp_path / "temp"
    temp.mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_config.py::test_environment_wins_over_env_file",
        ],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(temp)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert not list(temp.glob("ml-career-bot-cache-*"))
