"""Score the matcher on the labelled questions in `knowledge/evaluation.yaml`, per kind of
question and per split (`fit`: what thresholds are tuned on; `check`: the honest measure)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.files import read_text_file
from bot.knowledge.parsing import MAX_BYTES, parse_yaml
from bot.matching.matcher import Decision, Match

EVALUATION_FILE = "evaluation.yaml"
SPLITS = ("fit", "check")
NONE = "none"  # the expected label of a question the bot must not answer directly


@dataclass(frozen=True, slots=True)
class Case:
    kind: str
    split: str
    text: str
    expected: tuple[str, ...]  # entry ids it asks about; () when it must not be answered


def load_cases(path: Path) -> list[Case]:
    """kind -> split -> expected (an id, ids joined by "+", or none) -> questions."""
    data = parse_yaml(read_text_file(path, MAX_BYTES))  # OSError: gone, a FIFO, UTF-16…
    if not isinstance(data, dict):
        raise ValueError(f"{path} must be a mapping of kinds")
    cases = []
    for kind, splits in data.items():
        for split, labelled in (splits or {}).items():
            if split not in SPLITS or not isinstance(labelled, dict):
                raise ValueError(f"{path}: {kind}: {split} must be fit or check, a mapping")
            for label, texts in labelled.items():
                expected = () if label == NONE else tuple(str(label).split("+"))
                cases += [Case(kind, split, str(text), expected) for text in texts or []]
    return cases


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    match: Match

    @property
    def answered(self) -> tuple[str, ...]:
        return tuple(entry.id for entry in self.match.answers)

    @property
    def offered(self) -> tuple[str, ...]:
        """Answered, then suggested: everything the reply shows."""
        return self.answered + tuple(entry.id for entry in self.match.suggestions)

    @property
    def right(self) -> bool:
        """Answered directly, and only with what was asked (every asked entry, if several)."""
        return bool(self.answered) and set(self.answered) <= set(self.case.expected)

    @property
    def complete(self) -> bool:
        """Every asked entry answered directly."""
        return set(self.case.expected) <= set(self.answered)

    @property
    def wrong(self) -> bool:
        return any(entry not in self.case.expected for entry in self.answered)

    @property
    def covered(self) -> bool:
        """Every asked entry appears in the reply, answered or among the first 3 offers."""
        return bool(self.case.expected) and all(
            entry in self.answered or entry in self.offered[: len(self.answered) + 3]
            for entry in self.case.expected
        )

    @property
    def declined(self) -> bool:
        return self.match.decision is Decision.DECLINE


@dataclass(frozen=True, slots=True)
class KindReport:
    kind: str
    split: str
    outcomes: tuple[Outcome, ...]

    @property
    def asked(self) -> tuple[Outcome, ...]:
        """Questions the knowledge base covers."""
        return tuple(o for o in self.outcomes if o.case.expected)

    @property
    def uncovered(self) -> tuple[Outcome, ...]:
        """Questions it must not answer."""
        return tuple(o for o in self.outcomes if not o.case.expected)

    @staticmethod
    def share(outcomes: tuple[Outcome, ...], test: Callable[[Outcome], bool]) -> float:
        return 100.0 * sum(map(test, outcomes)) / len(outcomes) if outcomes else 0.0

    def figures(self) -> dict[str, float]:
        """right / wrong / in reply (answered or in the top 3) over the covered questions;
        answered / declined over the uncovered ones."""
        figures = {}
        if self.asked:
            figures |= {
                "right": self.share(self.asked, lambda o: o.right),
                "wrong": self.share(self.asked, lambda o: o.wrong),
                "in reply": self.share(self.asked, lambda o: o.covered),
            }
            if any(len(o.case.expected) > 1 for o in self.asked):
                figures["all asked"] = self.share(self.asked, lambda o: o.complete)
        if self.uncovered:
            figures |= {
                "answered": self.share(self.uncovered, lambda o: bool(o.answered)),
                "declined": self.share(self.uncovered, lambda o: o.declined),
            }
        return figures

    def line(self) -> str:
        counts = (
            f"n={len(self.asked)}+{len(self.uncovered)}"
            if self.asked and self.uncovered
            else f"n={len(self.outcomes)}"
        )
        figures = "  ".join(f"{name} {value:5.1f}%" for name, value in self.figures().items())
        return f"{self.kind:10} {self.split:5} {counts:9} {figures}"


def evaluate(match: Callable[[str], Match], cases: Iterable[Case]) -> list[KindReport]:
    """One report per (kind, split), in file order."""
    grouped: dict[tuple[str, str], list[Outcome]] = {}
    for case in cases:
        grouped.setdefault((case.kind, case.split), []).append(Outcome(case, match(case.text)))
    return [KindReport(kind, split, tuple(o)) for (kind, split), o in grouped.items()]


def figures(reports: list[KindReport], split: str) -> dict[str, dict[str, float]]:
    """kind -> its figures on one split."""
    return {r.kind: r.figures() for r in reports if r.split == split}


def direct_answers(
    reports: list[KindReport], split: str, unasked: Callable[[Match], Match] | None = None
) -> str:
    """How many direct answers of one half are right (`unasked`: as answer channels and
    forums would show them, Matcher.unasked), and of how many covered questions they answer."""
    outcomes = [o for r in reports if r.split == split for o in r.outcomes]
    if unasked is not None:
        outcomes = [Outcome(o.case, unasked(o.match)) for o in outcomes]
    answered = [o for o in outcomes if o.answered]
    right = sum(o.right for o in answered)
    covered = sum(bool(o.case.expected) for o in outcomes)
    share = 100.0 * right / len(answered) if answered else 100.0
    return f"{right}/{len(answered)} right ({share:.1f}%), {right}/{covered} covered answered"


def misses(reports: list[KindReport]) -> list[Outcome]:
    """Covered questions not answered right, and uncovered ones answered or suggested."""
    return [
        o
        for r in reports
        for o in r.outcomes
        if (o.case.expected and not o.right) or (not o.case.expected and not o.declined)
    ]


@dataclass(frozen=True, slots=True)
class Confusion:
    """Where one entry goes wrong: what answers its questions instead, and which questions
    it must not answer it answers (where `not:` examples would help)."""

    taken_by: dict[str, int]  # another entry answered one of its questions: how often
    takes: tuple[str, ...]  # uncovered questions it answered directly


def confusions(reports: list[KindReport]) -> dict[str, Confusion]:
    """Per entry, only those with something to fix, by entry id."""
    taken: dict[str, dict[str, int]] = {}
    takes: dict[str, list[str]] = {}
    for outcome in (o for r in reports for o in r.outcomes):
        for other in (a for a in outcome.answered if a not in outcome.case.expected):
            if outcome.case.expected:
                for asked in outcome.case.expected:
                    counts = taken.setdefault(asked, {})
                    counts[other] = counts.get(other, 0) + 1
            else:
                takes.setdefault(other, []).append(outcome.case.text)
    return {
        entry: Confusion(taken.get(entry, {}), tuple(takes.get(entry, ())))
        for entry in sorted(taken.keys() | takes.keys())
    }
