"""`kb forget` removes what a member asked through Discord (/ask, forum posts), and only
theirs: the cogs record each question's author as a salted hash."""

from __future__ import annotations

from bot.records.retention import forget

from .conftest import start_bot, stop_bot
from .test_ask import ASKER, SOMEONE_ELSE
from .test_feedback import PHD, ask
from .test_forum import ANSWERABLE, forum_bot, replies


def rows(bot) -> dict[str, int]:
    with bot.database.transaction(write=False) as db:
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("questions", "unanswered", "forum_threads")
        }


def unfinished(bot) -> int:
    with bot.database.transaction(write=False) as db:
        return db.execute("SELECT count(*) FROM forum_threads WHERE done = 0").fetchone()[0]


async def test_forget_removes_a_members_questions_and_forum_posts(fake, tmp_path, lexical):
    bot = forum_bot(tmp_path / "data", lexical)
    task = await start_bot(fake, bot)
    await ask(fake, PHD, user_id=ASKER)
    await ask(fake, "what is the best pizza topping?", user_id=ASKER)
    await ask(fake, PHD, user_id=SOMEONE_ELSE)
    await replies(fake, await fake.open_post(*ANSWERABLE, user_id=ASKER))
    await replies(fake, await fake.open_post(*ANSWERABLE, user_id=SOMEONE_ELSE))
    expected = {"questions": 5, "unanswered": 1, "forum_threads": 2}
    # After the bot's last write for both posts (marked done), so the counts are exact.
    await fake.wait_for(lambda: rows(bot) == expected and unfinished(bot) == 0)
    removed = forget(bot.database, ASKER)
    assert (removed["questions"], removed["unanswered"], removed["forum_threads"]) == (3, 1, 1)
    assert rows(bot) == {"questions": 2, "unanswered": 0, "forum_threads": 1}
    await stop_bot(bot, task)
