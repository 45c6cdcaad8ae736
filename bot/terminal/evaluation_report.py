"""`kb test` without a question: the matcher scored on the labelled evaluation files, per
kind and half, then where each entry goes wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from bot.knowledge.parsing import describe_yaml_error
from bot.matching.evaluation import (
    Case,
    KindReport,
    confusions,
    direct_answers,
    evaluate,
    load_cases,
    misses,
)
from bot.matching.matcher import Matcher

SHOWN_TAKES = 3  # uncovered questions quoted per entry


def score_files(
    build: Callable[[], Matcher], paths: list[Path], verbose: bool, warn: Callable[[str], None]
) -> int:
    """Print the figures of every file; 2 when a file cannot be read. Every file is read
    before the matcher is built (a missing one is said at once, not after scoring the
    others), and labels that name no entry are said, not scored silently."""
    files: list[tuple[Path, list[Case]]] = []
    for path in paths:
        try:
            files.append((path, load_cases(path)))
        except FileNotFoundError:
            warn(f"There is no evaluation file {path}.")
            return 2
        except (OSError, yaml.YAMLError) as exc:
            warn(f"The evaluation file {path} is {describe_yaml_error(exc)}.")
            return 2
        except ValueError as exc:
            warn(f"Could not read the evaluation file {path}: {exc}")
            return 2
    matcher = build()
    every: list[KindReport] = []
    print(f"mode: {matcher.mode} (fit: what the thresholds were tuned on; check: held out)")
    for path, cases in files:
        unknown = sorted({i for c in cases for i in c.expected} - set(matcher.kb.by_id))
        if unknown:
            warn(
                f"{path.name} labels questions with {len(unknown)} id(s) that are not entries "
                f"(scored as misses; fix or remove them): {', '.join(unknown[:10])}"
            )
        reports = evaluate(matcher.match, cases)
        every += reports
        print(f"\n{path.name}")
        for split in ("fit", "check"):
            half = [r for r in reports if r.split == split]
            if not half:
                continue
            for report in half:
                print(report.line())
            print(f"{'direct':10} {split:5} /ask: {direct_answers(reports, split)}")
            print(f"{'':16} channels: {direct_answers(reports, split, matcher.unasked)}")
        if verbose:
            print("\n".join(miss_lines(reports)))
    print("\n".join(confusion_lines(every)))
    return 0


def miss_lines(reports: list[KindReport]) -> list[str]:
    lines = []
    for outcome in misses(reports):
        case, offered = outcome.case, ",".join(outcome.offered)
        got = ",".join(outcome.answered) or (f"suggest {offered}" if offered else "decline")
        expected = "+".join(case.expected) or "decline"
        lines.append(
            f"  {case.kind}/{case.split} {case.text[:70]!r} -> {got} (expected {expected})"
        )
    return lines


def confusion_lines(reports: list[KindReport]) -> list[str]:
    """Per entry: what answered its questions instead, and what it answered that it must
    not (add those as `not:` examples, or to out-of-scope)."""
    found = confusions(reports)
    if not found:
        return ["\nConfusions: none (no question was answered with a wrong entry)."]
    lines = ["\nConfusions (every file, both halves):"]
    for entry, confusion in found.items():
        lines.append(f"  {entry}")
        if confusion.taken_by:
            taken = ", ".join(f"{other} ({n})" for other, n in confusion.taken_by.items())
            lines.append(f"    its questions answered as: {taken}")
        for text in confusion.takes[:SHOWN_TAKES]:
            lines.append(f"    answers what it must not: {' '.join(text.split())[:90]!r}")
        if len(confusion.takes) > SHOWN_TAKES:
            lines.append(f"    … and {len(confusion.takes) - SHOWN_TAKES} more")
    return lines
