"""Posts cut into what they ask; out-of-scope topics and `not:` examples: validated, curated
through the store (audited, undoable, exported and imported) and obeyed by the matcher."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.model import KnowledgeBaseError
from bot.knowledge.scope import OUT_OF_SCOPE_FILE, parse_out_of_scope
from bot.knowledge.store import Actor, KnowledgeStore
from bot.matching.build import lexical_matcher
from bot.matching.explain import examine
from bot.matching.parts import split_post
from bot.rendering import replies
from tests.synthetic import snapshot
from tests.test_cli import run

MOD = Actor("42", "mod", guild=1)


@pytest.fixture
def store(knowledge_copy: Path, tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore(knowledge_copy, tmp_path / "data")


@pytest.mark.parametrize(
    ("post", "questions"),
    [
        ("do I need a PhD for ML?", ("do I need a PhD for ML?",)),
        (
            "Hi all! Long story short, I'm a web dev. Anyway, is python enough for ML jobs? Thanks",
            ("is python enough for ML jobs?",),  # the lead-in is not a question of its own
        ),
        (
            "Two things: do I need a PhD, and what does a junior ML engineer make?",
            ("Two things: do I need a PhD", "what does a junior ML engineer make?"),
        ),
        ("1) which algorithms to learn 2) is data cleaning important", None),
        ("I have been an engineer for years and I like it", None),
    ],
)
def test_a_post_is_cut_into_what_it_asks(post, questions):
    found = split_post(post).questions
    if questions is None:
        assert 1 <= len(found) <= 3 and all(part in post for part in found)
    else:
        assert found == questions


def test_the_question_survives_a_long_preamble():
    post = "Context sentence about my background. " * 100 + "Do I need a PhD for ML?"
    assert split_post(post).questions[-1] == "Do I need a PhD for ML?"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("topics: [a, b]\n", "must be a mapping of topic name"),
        ("topics:\n  Bad Name:\n    examples: [x]\n", "kebab-case"),
        ("topics:\n  a:\n    examples: []\n", "non-empty list"),
        ("topics:\n  a:\n    examples: [x]\n    colour: red\n", "unknown field"),
        ("topics:\n  a:\n    examples: [x]\n    pointer: [1]\n", "one line"),
        ("topics:\n  a:\n    examples: [x]\n  a:\n    examples: [y]\n", "written twice"),
    ],
)
def test_a_bad_out_of_scope_file_is_refused_with_every_problem(text, message):
    with pytest.raises(KnowledgeBaseError, match=message) as caught:
        parse_out_of_scope(text)
    assert all(str(p).startswith(OUT_OF_SCOPE_FILE) for p in caught.value.problems)


def test_not_and_out_of_scope_examples_go_through_the_store_and_undo_exactly(store):
    old = snapshot(store.knowledge_dir)
    old_scope = (store.knowledge_dir / OUT_OF_SCOPE_FILE).read_bytes()
    question = "how do I choose between two startup equity offers"
    store.add_out_of_scope(question, "negotiation", MOD)
    store.add_not_example("total-comp-components", "is my stock taxed twice", MOD)
    kb = store.load()
    assert question in next(t for t in kb.out_of_scope if t.name == "negotiation").examples
    assert kb.by_id["total-comp-components"].not_examples[-1] == "is my stock taxed twice"
    actions = [r["action"] for r in store.history()]
    assert actions == ["not", "out-of-scope"]
    store.undo(MOD)
    store.undo(MOD)
    assert snapshot(store.knowledge_dir) == old
    assert (store.knowledge_dir / OUT_OF_SCOPE_FILE).read_bytes() == old_scope


def test_a_not_example_may_not_be_the_entrys_own_wording(store):
    own = store.document("phd-required")["phrasings"][0]
    with pytest.raises(KnowledgeBaseError, match="own wordings"):
        store.add_not_example("phd-required", own, MOD)


def test_out_of_scope_topics_are_exported_and_imported(store):
    exported = yaml.safe_load(store.export())
    assert "negotiation" in exported["out_of_scope"]["topics"]
    exported["out_of_scope"]["topics"]["visas-only"] = {"examples": ["can I work abroad"]}
    plan = store.plan_import(yaml.safe_dump(exported))
    assert plan.changed == ("out_of_scope",) and not plan.added and not plan.removed
    store.apply_import(plan, MOD)
    assert "visas-only" in [t.name for t in store.load().out_of_scope]
    del exported["out_of_scope"]  # a file without topics keeps the current ones
    assert store.plan_import(yaml.safe_dump(exported)).empty


def test_an_out_of_scope_example_turns_an_answer_into_a_decline(store):
    question = "do ML engineers get sign-on bonuses at startups"
    before = lexical_matcher(store.load()).match(question)
    store.add_out_of_scope(question, "negotiation", MOD)
    after = lexical_matcher(store.load()).match(question)
    assert after.decision.value == "decline" and after.topic is not None
    assert after.topic.name == "negotiation" and before.entry is not None


def test_kb_not_and_out_of_scope_from_the_terminal(knowledge_copy, tmp_path):
    env = {"KNOWLEDGE_DIR": str(knowledge_copy), "DATA_DIR": str(tmp_path / "data")}
    done = run(
        "kb", "out-of-scope", "add", "how do I ask for a title bump", "--topic", "x-y", env=env
    )
    assert done.returncode == 0 and "x-y" in done.stdout, done.stderr
    assert run("kb", "not", "phd-required", "is a PhD fun", env=env).returncode == 0
    kb = load_knowledge_base(knowledge_copy)
    assert kb.by_id["phd-required"].not_examples[-1] == "is a PhD fun"
    refused = run("kb", "out-of-scope", "add", "x", "--topic", "Not Kebab", env=env)
    assert refused.returncode == 1 and "kebab-case" in refused.stderr
    tested = run("kb", "test", "how do I negotiate my first ML offer", env=env)
    assert "Nearest out-of-scope:" in tested.stdout


@pytest.mark.parametrize(
    ("phrasing", "question"),
    [
        (
            "¿necesito un doctorado para trabajar en machine learning?",
            "necesito un doctorado para trabajar en ML",
        ),
        (
            "нужна ли степень доктора для работы в машинном обучении",
            "нужна ли степень доктора для работы в ML?",
        ),
    ],
)
def test_a_phrasing_added_in_another_language_matches(store, phrasing, question):
    from bot.knowledge.entry_yaml import version_of

    document = store.document("phd-required")
    edited = {**document, "phrasings": [*document["phrasings"], phrasing]}
    store.edit("phd-required", edited, MOD, version_of(document))
    match = lexical_matcher(store.load()).match(question)
    assert match.entry is not None and match.entry.id == "phd-required"


@pytest.mark.parametrize("mode", ["lexical", "blended"])
@pytest.mark.parametrize(
    ("question", "pointer"),
    [
        ("what is the weather like today", None),
        ("asdkjh qwpoeiru zxcmvn", None),
        ("best pizza in town", None),
        ("如何准备机器学习面试", None),
        ("how do I negotiate my offer", "#offers"),
    ],
)
def test_a_decline_points_to_a_channel_only_when_the_message_is_about_it(
    request, mode, question, pointer
):
    matcher = request.getfixturevalue(mode)
    match = matcher.match(question)
    said = replies.match_text(match, matcher.kb, topics_hint="", pick_hint="")
    shown = replies.ranking_text(examine(matcher, question), matcher.mode)
    if pointer is None:
        assert "#" not in said, said
    else:
        assert pointer in said
    if match.decision.value == "decline":  # kb test shows the pointer the member gets
        topic = match.topic
        expected = f"{topic.name}: {topic.pointer}" if topic and topic.pointer else "none"
        assert f"Pointer shown: {expected}" in shown
