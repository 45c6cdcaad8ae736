"""The report worker process: `python -c "...; report_worker.main()"`, started by the Discord
adapter (bot/discord_adapter/reporting.py). It reads requests (a report's name and its
arguments) on stdin and writes each result on stdout, one length-prefixed pickle each way.

It is its own small program rather than a multiprocessing child, so it never imports the
bot's main module again: a script that embeds the bot without an `if __name__ == "__main__"`
guard still gets its reports. It ends when stdin closes (the bot stopped, or died)."""

from __future__ import annotations

import os
import pickle
import struct
import sys
import traceback
from collections.abc import Callable
from typing import BinaryIO

from bot.rendering import reports

HEADER = struct.Struct(">Q")  # the length of the pickle that follows
REPORTS: dict[str, Callable[..., object]] = {
    report.__name__: report
    for report in (
        reports.unanswered_groups,
        reports.votes,
        reports.stats_and_chart,
        reports.votes_newest_first,  # the dashboard's
        reports.entry_votes,
        reports.dismiss_unanswered,
    )
}


def write_frame(stream: BinaryIO, value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: BinaryIO) -> object | None:
    """The next value, or None at the end of the stream."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    return pickle.loads(stream.read(HEADER.unpack(header)[0]))


def answer(name: str, args: tuple[object, ...]) -> tuple[str, object, str]:
    """("ok", result, "") or ("error", the exception, its traceback as text)."""
    try:
        return "ok", REPORTS[name](*args), ""
    except Exception as exc:
        return "error", exc, traceback.format_exc()


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    while (request := read_frame(requests)) is not None:
        name, args = request  # type: ignore[misc]
        reply = answer(name, args)
        try:
            write_frame(answers, reply)
        except (pickle.PicklingError, TypeError, AttributeError):  # an odd exception type
            write_frame(answers, ("error", RuntimeError(repr(reply[1])), reply[2]))


def main() -> None:
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not end up in a reply
    serve(sys.stdin.buffer, answers)
