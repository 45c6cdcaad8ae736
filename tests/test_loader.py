from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge.loader import MAX_ANSWER_CHARS, load_knowledge_base
from bot.knowledge.model import KnowledgeBaseError

REQUIRED_IDS = {
    "why-ml-engineers-paid-so-much",
    "skill-math-statistics",
    "skill-programming",
    "skill-data-handling",
    "skill-ml-algorithms",
    "skill-mlops-production",
    "business-impact",
    "talent-scarcity",
    "industries-hiring",
    "cutting-edge-premium",
    "future-outlook",
    "salary-ranges-by-level",
    "total-comp-components",
    "example-total-comp",
    "salary-factors",
    "mle-vs-data-scientist-pay",
    "salary-by-city",
    "top-paying-specializations",
    "phd-required",
    "demand-growth",
}


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(directory)
    return [str(p) for p in caught.value.problems]


def edit(directory: Path, entry_id: str, **changes: object) -> None:
    path = directory / "entries" / f"{entry_id}.yaml"
    data = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_real_knowledge_base_has_exactly_the_required_entries(kb):
    assert {e.id for e in kb.entries} == REQUIRED_IDS
    for entry in kb.entries:
        assert len(entry.phrasings) >= 6, entry.id
        assert len(entry.answer) <= MAX_ANSWER_CHARS, entry.id
        assert entry.source and entry.category


def test_no_answer_quotes_a_sentence_of_the_article(kb):
    article = Path(__file__).parents[2] / "shared" / "source" / "article.txt"
    if not article.is_file():
        pytest.skip("shared/source/article.txt is not beside this checkout")
    text = " ".join(article.read_text(encoding="utf-8").split())
    sentences = [s.strip() for s in text.replace("!", ".").replace("?", ".").split(".")]
    long_sentences = [s for s in sentences if len(s) >= 40]
    for entry in kb.entries:
        answer = " ".join(entry.answer.split())
        quoted = [s for s in long_sentences if s in answer]
        assert not quoted, f"{entry.id} quotes the article: {quoted[0]!r}"


def test_every_problem_is_reported_at_once(knowledge_copy):
    edit(knowledge_copy, "phd-required", answer="x" * (MAX_ANSWER_CHARS + 1), colour="blue")
    edit(knowledge_copy, "salary-factors", related=["no-such-entry"], category=None)
    edit(knowledge_copy, "future-outlook", phrasings=["what are RSUs", "a", "b", "c", "d", "e"])
    problems = problems_of(knowledge_copy)
    assert "phd-required.yaml: phd-required: answer: is 1501 characters; the limit is 1500" in (
        problems
    )
    assert any(
        p.startswith("phd-required.yaml: phd-required: colour: unknown field") for p in (problems)
    )
    assert "salary-factors.yaml: salary-factors: category: missing or empty" in problems
    assert (
        "salary-factors.yaml: salary-factors: related: 'no-such-entry' is not an entry" in problems
    )
    assert any("'what are RSUs' is also used by" in p for p in problems)
    assert len(problems) == 5


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id: a\n\tcategory: b\n", "not valid YAML at line 2"),
        ("- id: a\n- id: b\n", "must be a mapping of fields, not a list"),
        ("", "must be a mapping of fields, not empty"),
        ("id: [unclosed\n", "not valid YAML at line"),
    ],
)
def test_broken_files_are_named_with_their_problem(knowledge_copy, content, expected):
    (knowledge_copy / "entries" / "broken.yaml").write_text(content)
    problems = problems_of(knowledge_copy)
    assert len(problems) == 1
    assert problems[0].startswith("broken.yaml: ") and expected in problems[0]


def test_wrong_types_and_bad_ids(knowledge_copy):
    edit(knowledge_copy, "phd-required", id="PhD required", phrasings="just one string")
    edit(knowledge_copy, "demand-growth", answer=42)
    problems = problems_of(knowledge_copy)
    assert any("id: must be kebab-case" in p for p in problems)
    assert any("phrasings: must be a list of text items" in p for p in problems)
    assert "demand-growth.yaml: demand-growth: answer: must be text, not int" in problems


def test_duplicate_ids_and_mismatched_file_names(knowledge_copy):
    original = knowledge_copy / "entries" / "phd-required.yaml"
    (knowledge_copy / "entries" / "copy.yaml").write_text(original.read_text())
    problems = problems_of(knowledge_copy)
    assert any("copy.yaml: phd-required: id: does not match the file name" in p for p in problems)


def test_too_few_phrasings(knowledge_copy):
    edit(knowledge_copy, "phd-required", phrasings=["is a phd needed"])
    assert problems_of(knowledge_copy) == [
        "phd-required.yaml: phd-required: phrasings: has 1; write at least 6"
    ]


def test_missing_directory_is_one_clear_problem(tmp_path):
    assert problems_of(tmp_path / "nope") == [
        f"{tmp_path / 'nope'}: (no id): directory: does not exist"
    ]
    (tmp_path / "empty" / "entries").mkdir(parents=True)
    assert problems_of(tmp_path / "empty")[0].endswith("has no .yaml entries")
