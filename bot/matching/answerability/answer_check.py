"""The answer check: a second opinion where nobody asked the bot (answer channels, forums).

A cross-encoder reads the asked text together with an entry's answer and gives a logit: does
this answer answer that? It is all-MiniLM-L6-v2's layers fine-tuned by bench/answer_check.py
on pairs made from our own writing only (each wording with its own answer; wordings, `not:`
and out-of-scope examples with the nearest other answers), then averaged over two seeds,
written in int8 by tools/encoder_graph.py (answer-check-int8.onnx, ~11 MB); its embedding
tables are the encoder's own.

Its logit is the eleventh feature of a decision model of its own (ANSWER_CHECK_MODEL in
build.py), fitted on the `fit` halves. It only ever confirms: a channel answers what `/ask`
would answer, and when the stricter cut-off does not back that answer, the check may. It runs
only when its logit could change that, so most posts never load it (about 16 MB once loaded).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.matching.decision import DecisionModel
from bot.matching.index_cache import content_key, kept_session, session_options, source_hash
from bot.matching.result import Decision, Match

if TYPE_CHECKING:
    from bot.matching.encoder import SentenceEncoder

log = logging.getLogger(__name__)
GRAPH = Path(__file__).with_name("answer-check-int8.onnx")
QUESTION_TOKENS, ANSWER_TOKENS = 48, 128  # as it was trained: the asked text, the answer's start
LOGIT_BOUND = 8.0  # the logit is clipped to this either way, as when it was fitted
CLS, SEP = 101, 102


class AnswerCheck:
    def __init__(self, encoder: SentenceEncoder, model: DecisionModel) -> None:
        self.encoder = encoder
        self.model = model  # its probability and `quiet` cut-off are used
        self._session: object | None = None
        self._failed = False
        self._loading = threading.Lock()
        self._answers: dict[str, list[int]] = {}  # an answer's first tokens, by its text
        self.pairs = 0  # pairs read, for bench/

    def could_confirm(self, match: Match) -> bool:
        """Whether the check could make `match` sure enough for a channel (cheap: the
        model is not run)."""
        return bool(self._hopeful(match))

    def confirm(self, match: Match) -> Match:
        """`match`, made confident when the check backs each answer the stricter cut-off
        did not. Blocks while the model runs (~16 ms a pair): call it off the event loop."""
        hopeful = self._hopeful(match)
        if not hopeful:
            return match
        try:
            logits = self.logits([(text, entry.answer) for text, entry, _ in hopeful])
        except Exception:  # a model that cannot run leaves the channels as they were
            if not self._failed:
                log.exception("the answer check failed; channels keep the stricter cut-off")
            self._failed = True
            return match
        backed = {
            entry.id
            for (_, entry, features), logit in zip(hopeful, logits, strict=True)
            if self.model.probability((*features, float(logit))) >= self.model.quiet
        }
        if backed >= {entry.id for _, entry, _ in match.unsure}:
            return dataclasses.replace(match, confident=True)
        return match

    def _hopeful(self, match: Match) -> list:
        """For each answer not yet backed, its likeliest unsure judgement (one pair an
        answer: a pass costs ~16 ms a pair), when the highest logit would back every one
        (else no logit can make the match confident)."""
        if match.decision is not Decision.ANSWER or match.confident or self._failed:
            return []
        likeliest: dict[str, tuple[float, tuple]] = {}
        for judged in match.unsure:
            chance = self.model.probability((*judged[2], LOGIT_BOUND))
            if chance > likeliest.get(judged[1].id, (-1.0, ()))[0]:
                likeliest[judged[1].id] = (chance, judged)
        if not likeliest or min(c for c, _ in likeliest.values()) < self.model.quiet:
            return []
        return [judged for _, judged in likeliest.values()]

    def logits(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """The check's logit for each (asked text, answer), clipped to ±LOGIT_BOUND."""
        session = self._loaded()
        tokenizer = self.encoder.tokenizer
        asked = [
            e.ids[1:-1][:QUESTION_TOKENS] for e in tokenizer.encode_batch([q for q, _ in pairs])
        ]
        rows, types = [], []
        for question, (_, answer) in zip(asked, pairs, strict=True):
            if answer not in self._answers:
                self._answers[answer] = tokenizer.encode(answer).ids[1:-1][:ANSWER_TOKENS]
            said = self._answers[answer]
            rows.append([CLS, *question, SEP, *said, SEP])
            types.append([0] * (len(question) + 2) + [1] * (len(said) + 1))
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), np.int64)
        token_types = np.zeros_like(ids)
        for i, (row, kinds) in enumerate(zip(rows, types, strict=True)):
            ids[i, : len(row)], token_types[i, : len(kinds)] = row, kinds
        texts = {"input_ids": ids, "attention_mask": (ids != 0).astype(np.int64)}
        texts["token_type_ids"] = token_types
        feeds = dict(self.encoder.tables)
        feeds |= {name: self._ort_value(values) for name, values in texts.items()}
        self.pairs += len(pairs)
        logits = session.run_with_ort_values(["logit"], feeds)[0].numpy()  # type: ignore[attr-defined]
        return np.clip(logits, -LOGIT_BOUND, LOGIT_BOUND)

    def _loaded(self) -> object:
        """The model, loaded at first use (one thread at a time)."""
        with self._loading:
            if self._session is None:
                import onnxruntime

                self._ort_value = onnxruntime.OrtValue.ortvalue_from_numpy
                weights = GRAPH.with_suffix(".npz")
                key = content_key([source_hash(str(GRAPH), str(weights)), onnxruntime.__version__])
                self._session = kept_session(
                    "answer-check",
                    key,
                    session_options,
                    GRAPH.read_bytes(),
                    partial(stored, weights),
                )
            return self._session


def stored(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as weights:
        return dict(weights)
