"""Check-ins end to end on the console: a full week, and the next week's recap.

Also home to small helpers the other check-in test files import.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.console.adapter import ConsoleCtx
from bot.app import App
from bot.core.events import Channel, Community, Incoming, User
from cogs.checkins import CheckinsCog
from cogs.checkins.store import Store
from cogs.checkins.weeks import Week
from cogs.help import HelpCog
from tests.console_harness import ConsoleHarness

LOCAL = Community("local", "Local console", "console")
SETUP = "/checkins setup channel:#checkins day:mon time:09:00 timezone:Europe/London"


def member(name: str) -> User:
    return User(name, name.title(), "console")


def store_of(app: App) -> Store:
    cog = app.registry.loaded["checkins"].cog
    assert isinstance(cog, CheckinsCog)
    return cog.store


async def thread_reply(h: ConsoleHarness, user: User, text: str, thread_id: str) -> None:
    """A plain message inside the week's thread, as a platform adapter would hand it over."""
    channel = Channel("checkins", "checkins", thread_id=thread_id)
    message = Incoming(f"m-{user.id}-{len(text)}", user, LOCAL, channel, text)
    ctx = ConsoleCtx(h.adapter, message=message)
    ctx.user = user
    ctx.channel = channel
    await h.app.dispatcher.run_listeners("message", ctx, message)


def dms_to(text: str, user_id: str) -> int:
    return text.count(f"[direct message to {user_id}]")


async def test_full_week_on_the_console(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog, HelpCog])
    h = ConsoleHarness(app)
    store = store_of(app)
    ana, ben, cat, dan, eve = (member(n) for n in ("ana", "ben", "cat", "dan", "eve"))

    out = await h.send(SETUP)
    assert "Check-ins are set up" in out
    assert "every Monday at 09:00 (UK time)" in out
    assert "Mon 7 Dec, 09:00 UK time, in 6 days" in out
    assert "Wednesday at 09:00" in out  # default nudge: two days later

    # Nothing before the minute.
    clock.set(datetime(2026, 12, 7, 8, 59, tzinfo=UTC))
    await app.scheduler.tick()
    assert "new thread" not in h.transcript

    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    before = len(h.transcript)
    assert await app.scheduler.tick() == 1
    post = h.transcript[before:]
    assert "[#checkins] new thread: Week 50 (7–13 Dec)" in post
    assert "Last week was quiet here" in post
    assert "Posting late" not in post
    assert post.count("\n- ") >= 3  # 3 to 5 prompts
    assert "Prompts adapted from" in post
    assert "[1] Set my goals" in post
    week = Week(2026, 50)
    saved = await store.get_post("console:local", week)
    assert saved is not None and saved.thread_id and not saved.late

    # Goals through the form, for five members.
    out = await h.send("/checkin goals", "Write the MATS essay", "Read two papers", "", user=ana)
    assert "Saved your goals for Week 50 (7–13 Dec)" in out
    assert "Write the MATS essay: _open_" in out
    for who in (ben, cat, dan):
        await h.send("/checkin goals", f"{who.id}'s goal", "", "", user=who)
    for who in (ana, ben, dan, eve):
        out = await h.send("/checkin remind on", user=who)
        assert "Nudges on" in out

    # Editing works: the form comes back prefilled; an empty answer keeps the default.
    out = await h.send("/checkin goals", "", "Read three papers", "Email a mentor", user=ana)
    assert "[Write the MATS essay]" in out  # default shown
    assert [g.text for g in await store.get_goals("console:local", week, "ana")] == [
        "Write the MATS essay",
        "Read three papers",
        "Email a mentor",
    ]

    # Progress: ana with options, dan with a plain reply in the thread.
    out = await h.send("/checkin done goal:1 status:done sent it off", user=ana)
    assert "Thanks for reporting back" in out
    assert "Write the MATS essay: _done_ (sent it off)" in out
    await thread_reply(h, dan, "Finished my goal, and started a second one", saved.thread_id)
    assert "Counted your reply as your check-in for Week 50" in h.transcript
    # A bot's message in the thread counts for nothing.
    await thread_reply(h, User("bot1", "Bot", "console", is_bot=True), "hello", saved.thread_id)
    # A message elsewhere is not a check-in.
    await thread_reply(h, cat, "just chatting", "some-other-thread")

    # Wednesday: only ben (opted in, goals, no report) is nudged; cat never opted in,
    # eve set no goals, ana and dan reported.
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    before = len(h.transcript)
    await app.scheduler.tick()
    await app.scheduler.tick()
    clock.set(datetime(2026, 12, 9, 10, 0, tzinfo=UTC))
    await app.scheduler.tick()
    nudges = h.transcript[before:]
    assert dms_to(nudges, "ben") == 1
    for quiet in ("ana", "cat", "dan", "eve"):
        assert dms_to(nudges, quiet) == 0
    assert "A gentle nudge" in nudges and "Stop these" in nudges
    assert "ben's goal" in nudges

    # ben reports through the form: first line marks the goal, the last is a free note.
    out = await h.send("/checkin done", "partly: drafted half of it", "busy week", user=ben)
    assert "ben's goal: _partly_ (drafted half of it)" in out
    out = await h.send("/checkin remind", user=ben)
    assert "Nudges are on" in out

    out = await h.send("/checkin me", user=ana)
    assert "only you can see this" in out
    assert "Streak:** 1 week reported in a row" in out
    await h.send("/checkin streaks on", user=ana)
    await h.send("/checkin skip", user=eve)

    # Next Monday: the recap counts last week.
    clock.set(datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
    before = len(h.transcript)
    assert await app.scheduler.tick() == 1
    post = h.transcript[before:]
    assert "new thread: Week 51 (14–20 Dec)" in post
    assert "Last week 4 of you set goals and 3 reported back; 1 was away." in post
    assert "Streaks (members who chose to share): Ana 1 week." in post
    assert "Ben" not in post  # no opt-in, no name

    # ana's streak grows; a week away keeps it.
    await h.send("/checkin done", "done", "", "", "", user=ana)
    clock.set(datetime(2026, 12, 21, 9, 0, tzinfo=UTC))
    await app.scheduler.tick()
    await h.send("/checkin skip", user=ana)
    clock.set(datetime(2026, 12, 28, 9, 0, tzinfo=UTC))
    out = await h.send("/checkin me", user=ana)
    assert "Streak:** 2 weeks reported in a row" in out
    assert "- Week 52 (21–27 Dec): away" in out
    assert "- Week 51 (14–20 Dec): reported back\n" in out
    assert "- Week 50 (7–13 Dec): reported back, 1 of 3 done" in out


async def test_stop_these_button_turns_nudges_off(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    ben = member("ben")
    await h.send(SETUP)
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    await app.scheduler.tick()
    await h.send("/checkin goals", "one thing", "", "", user=ben)
    await h.send("/checkin remind on", user=ben)
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    await app.scheduler.tick()
    assert dms_to(h.transcript, "ben") == 1
    out = await h.send("2", user=ben)  # [1] Report progress  [2] Stop these
    assert "Nudges off" in out
    assert not (await store_of(app).get_member("console:local", "ben")).remind

    # Next week ben sets goals again, doesn't report, and hears nothing.
    clock.set(datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
    await app.scheduler.tick()
    await h.send("/checkin goals", "another thing", "", "", user=ben)
    clock.set(datetime(2026, 12, 16, 9, 0, tzinfo=UTC))
    before = len(h.transcript)
    await app.scheduler.tick()
    assert dms_to(h.transcript[before:], "ben") == 0


async def test_report_progress_button_on_the_nudge_opens_the_form(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    ben = member("ben")
    await h.send(SETUP)
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    await app.scheduler.tick()
    await h.send("/checkin goals", "ship the repo", "", "", user=ben)
    await h.send("/checkin remind on", user=ben)
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    await app.scheduler.tick()
    out = await h.send("1", "done: it's public now", "", user=ben)
    assert "ship the repo: _done_ (it's public now)" in out
    assert (await store_of(app).counts("console:local", ["2026-W50"]))["2026-W50"].reported == 1
