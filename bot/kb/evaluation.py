"""Score the matcher against the labelled questions in `knowledge/evaluation.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.kb.loader import parse_yaml
from bot.kb.matcher import Decision, Match, Matcher

EVALUATION_FILE = "evaluation.yaml"


@dataclass(frozen=True, slots=True)
class LabelledSet:
    in_scope: tuple[tuple[str, str], ...]  # (question, expected entry id)
    off_topic: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    mode: str
    in_scope: int
    off_topic: int
    right: int  # answered directly with the expected entry
    wrong: int  # answered directly with another entry
    in_top3: int  # expected entry answered or among the suggestions
    declined: int  # off-topic questions declined
    misses: tuple[tuple[str, str, Match], ...]  # (question, expected id or "", match)

    def percent(self, count: int, of: int) -> float:
        return 100.0 * count / of if of else 0.0

    @property
    def right_pct(self) -> float:
        return self.percent(self.right, self.in_scope)

    @property
    def wrong_pct(self) -> float:
        return self.percent(self.wrong, self.in_scope)

    @property
    def top3_pct(self) -> float:
        return self.percent(self.in_top3, self.in_scope)

    @property
    def declined_pct(self) -> float:
        return self.percent(self.declined, self.off_topic)

    def summary(self) -> list[str]:
        return [
            f"mode: {self.mode}",
            f"direct answers right: {self.right}/{self.in_scope} ({self.right_pct:.1f}%)",
            f"direct answers wrong: {self.wrong}/{self.in_scope} ({self.wrong_pct:.1f}%)",
            f"right entry answered or in top 3: {self.in_top3}/{self.in_scope}"
            f" ({self.top3_pct:.1f}%)",
            f"off-topic declined: {self.declined}/{self.off_topic} ({self.declined_pct:.1f}%)",
        ]


def load_labelled_set(path: Path) -> LabelledSet:
    data = parse_yaml(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not {"in_scope", "off_topic"} <= data.keys():
        raise ValueError(f"{path} must be a mapping with 'in_scope' and 'off_topic'")
    in_scope = tuple((str(q), str(eid)) for eid, qs in data["in_scope"].items() for q in qs)
    return LabelledSet(in_scope, tuple(str(q) for q in data["off_topic"]))


def evaluate(matcher: Matcher, labelled: LabelledSet) -> Report:
    right = wrong = in_top3 = declined = 0
    misses: list[tuple[str, str, Match]] = []
    for question, expected in labelled.in_scope:
        m = matcher.match(question)
        ids = [m.entry.id] if m.entry else []
        ids += [s.id for s in m.suggestions]
        if m.decision is Decision.ANSWER:
            if m.entry is not None and m.entry.id == expected:
                right += 1
            else:
                wrong += 1
        if expected in ids[:3] or (m.entry is not None and m.entry.id == expected):
            in_top3 += 1
        if not (m.decision is Decision.ANSWER and ids[0] == expected):
            misses.append((question, expected, m))
    for question in labelled.off_topic:
        m = matcher.match(question)
        if m.decision is Decision.DECLINE:
            declined += 1
        else:
            misses.append((question, "", m))
    return Report(
        matcher.mode,
        len(labelled.in_scope),
        len(labelled.off_topic),
        right,
        wrong,
        in_top3,
        declined,
        tuple(misses),
    )
