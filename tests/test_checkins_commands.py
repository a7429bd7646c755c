"""Check-in commands: validation, permissions, status, pause and resume, the chart."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from bot.core.context import Ctx
from bot.core.events import Channel, Community, User
from bot.core.replies import MessageRef, Reply
from cogs.checkins import CheckinsCog
from cogs.checkins.weeks import Week
from tests.console_harness import ConsoleHarness
from tests.test_checkins_flow import SETUP, member, store_of

KEY = "console:local"


class MemberCtx(Ctx):
    """A plain member on a chat platform (the console's own user is always an admin)."""

    def __init__(self, outbox, user: User, community: Community) -> None:
        super().__init__(user=user, community=community, channel=Channel("general"), outbox=outbox)
        self.texts: list[str] = []

    async def _send(self, reply: Reply) -> MessageRef | None:
        self.texts.append(reply.text)
        return None


async def nothing_set_up(app) -> bool:
    return await store_of(app).get_setup(KEY) is None and not app.scheduler.weekly


async def test_bad_input_is_refused_kindly_and_changes_nothing(app_factory):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    out = await h.send("/checkins setup channel:#checkins day:mon time:25:99")
    assert "`time` needs a 24-hour time like 09:00 or 17:30; I got `25:99`." in out
    assert await nothing_set_up(app)
    out = await h.send("/checkins setup channel:#checkins day:mon time:09:00 timezone:Mars/Base")
    assert "`Mars/Base` is not a time zone I know" in out
    assert await nothing_set_up(app)
    out = await h.send("/checkins setup channel:#checkins day:someday time:09:00")
    assert "`day` must be one of: mon, tue" in out
    out = await h.send("/checkins setup channel:#checkins day:wed time:09:00 nudge_day:mon")
    assert "The nudge has to come after the post" in out
    out = await h.send("/checkins setup channel:#checkins day:mon time:09:00 nudge_time:7pm")
    assert "`nudge_time` needs a 24-hour time" in out
    assert await nothing_set_up(app)
    assert "Traceback" not in h.transcript and "Sorry, something went wrong" not in h.transcript

    await h.send(SETUP)
    before = await store_of(app).get_setup(KEY)
    for weeks in ("0", "13", "soon"):
        out = await h.send(f"/checkins pause weeks:{weeks}")
        assert (
            "`weeks` must be at least 1." in out
            or "`weeks` must be at most 12." in out
            or "`weeks` needs a whole number" in out
        )
    assert await store_of(app).get_setup(KEY) == before
    assert before is not None and before.paused_until is None


async def test_members_cannot_run_admin_commands(app_factory):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    team = Community("T1", "Team", "slack")
    guest = User("U2", "guest", "slack")
    ctx = MemberCtx(h.adapter.outbox, guest, team)
    for line in (
        "checkins setup channel:#checkins day:mon time:09:00",
        "checkins pause weeks:2",
        "checkins resume",
        "checkins stop",
    ):
        assert await app.dispatcher.run_text(ctx, line)
        assert "Only community admins can use" in ctx.texts[-1]
    assert await store_of(app).get_setup("slack:T1") is None
    assert not app.scheduler.weekly
    # Member commands work for them, and an admin may set up.
    assert await app.dispatcher.run_text(ctx, "checkin remind on")
    assert "Nudges on" in ctx.texts[-1]
    boss = MemberCtx(h.adapter.outbox, User("U1", "boss", "slack", is_admin=True), team)
    assert await app.dispatcher.run_text(boss, "checkins setup channel:C1 day:fri time:16:00")
    assert "Check-ins are set up" in boss.texts[-1]
    assert await store_of(app).get_setup("slack:T1") is not None


async def test_status_shows_the_zone_and_utc(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    out = await h.send("/checkins status")
    assert "aren't set up here yet" in out
    await h.send(
        "/checkins setup channel:#checkins day:mon time:09:00 timezone:America/New_York"
        " nudge_day:thu nudge_time:18:30"
    )
    out = await h.send("/checkins status", user=member("ana"))  # anyone may ask
    assert "every Monday at 09:00 (New York time) in #checkins" in out
    assert "Next post: Mon 7 Dec, 09:00 New York time, in 6 days (Mon 7 Dec, 14:00 UTC)." in out
    assert "Thursday at 18:30" in out
    assert "Week 49 (30 Nov–6 Dec) has no thread yet." in out


async def test_pause_skips_weeks_and_resume_restarts(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    await h.send(SETUP)
    out = await h.send("/checkins pause weeks:2")
    assert "skip the next 2 weekly posts" in out
    assert "Next post: Mon 21 Dec, 09:00 UK time" in out
    assert "Mon 21 Dec, 09:00 UK time" in await h.send("/checkins status")
    ben = member("ben")
    await h.send("/checkin goals", "holiday reading", "", "", user=ben)
    await h.send("/checkin remind on", user=ben)
    for day in (7, 9, 14, 16):
        clock.set(datetime(2026, 12, day, 9, 0, tzinfo=UTC))
        await h.send("/checkin goals", "holiday reading", "", "", user=ben)
        await app.scheduler.tick()
    assert "new thread" not in h.transcript
    assert "[direct message to ben]" not in h.transcript  # no nudges while paused
    clock.set(datetime(2026, 12, 21, 9, 0, tzinfo=UTC))
    await app.scheduler.tick()
    assert h.transcript.count("new thread: Week 52") == 1

    # Pause again, then resume at once: the next Monday posts.
    await h.send("/checkins pause weeks:3")
    out = await h.send("/checkins resume")
    assert "Check-ins are back on. Next post: Mon 28 Dec" in out
    assert "aren't paused" in await h.send("/checkins resume")
    clock.set(datetime(2026, 12, 28, 9, 0, tzinfo=UTC))
    await app.scheduler.tick()
    assert h.transcript.count("new thread: Week 53 (28 Dec–3 Jan)") == 1


async def test_stop_removes_the_schedules(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    await h.send(SETUP)
    assert len(app.scheduler.weekly) == 2
    assert "Check-ins are off" in await h.send("/checkins stop")
    assert not app.scheduler.weekly
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    await app.scheduler.tick()
    assert "new thread" not in h.transcript


async def test_setup_can_turn_nudges_off_and_sunday_posts_have_none(app_factory):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    out = await h.send("/checkins setup channel:#checkins day:tue time:10:00 nudge_day:off")
    assert "No nudge DMs" in out
    assert set(app.scheduler.weekly) == {"checkins:console:local"}
    out = await h.send("/checkins setup channel:#checkins day:sun time:10:00")
    assert "No nudge DMs" in out
    out = await h.send("/checkins setup channel:#checkins day:sat time:10:00")
    assert "DM on Sunday at 10:00" in out
    assert set(app.scheduler.weekly) == {"checkins:console:local", "checkins:console:local:nudge"}


async def test_stats_is_a_real_png(app_factory, clock, tmp_path):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app, files_dir=tmp_path / "files")
    await h.send(SETUP)
    for i, who in enumerate(("ana", "ben", "cat")):
        await h.send("/checkin goals", "a goal", "", "", user=member(who))
        if i:
            await h.send('/checkin done note:"went fine"', user=member(who))
    out = await h.send("/checkins stats")
    assert "This week so far: 3 set goals, 2 reported back." in out
    assert "(only you can see this)" not in out  # the chart is for everyone
    m = re.search(r"\(file saved: (.+?)\)", out)
    assert m, out
    data = Path(m.group(1)).read_bytes()  # noqa: ASYNC240
    assert len(data) > 0
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size[0] > 200 and image.size[1] > 100
    image.verify()


async def test_done_options_and_their_errors(app_factory):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    out = await h.send("/checkin done goal:2 status:done")
    assert "You have no goals set this week" in out
    out = await h.send('/checkin done "note:read a paper, no goals needed"')
    assert "Thanks for reporting back for Week 49" in out
    await h.send("/checkin goals", "first", "second", "")
    out = await h.send("/checkin done status:partly")
    assert "Which goal?" in out
    out = await h.send("/checkin done goal:3 status:done")
    assert "goal 3 isn't one" in out
    out = await h.send("/checkin done 2 not-yet waiting on a reply")
    assert "second: _not yet_ (waiting on a reply)" in out
    # A form answer that doesn't start with a status keeps the note and the status.
    out = await h.send("/checkin done", "made some progress", "", "")
    assert "first: _open_ (made some progress)" in out
    assert "I kept the note and left the goal as it was" in out
    # The form comes back prefilled with what was reported.
    out = await h.send("/checkin done", "", "", "")
    assert "[made some progress]" in out and "[not yet: waiting on a reply]" in out
    assert "first: _open_ (made some progress)" in out
    await h.send("/checkin goals", "new one", "", "", user=member("dee"))
    out = await h.send("/checkin done", "", "", user=member("dee"))
    assert "Nothing to save" in out


async def test_goals_form_sent_after_the_week_closed_is_refused(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    cog = app.registry.loaded["checkins"].cog
    assert isinstance(cog, CheckinsCog)
    clock.set(datetime(2026, 12, 6, 23, 58, tzinfo=UTC))  # Sunday night, week 49
    form = cog.goals_form(KEY, Week(2026, 49), [])
    clock.advance(timedelta(minutes=5))  # Monday: week 50
    ctx = MemberCtx(h.adapter.outbox, User("you", "you", "console"), Community("local"))
    await app.dispatcher.run_submit(ctx, form.id, {"goal1": "late goal"}, form.meta)
    assert "Week 49 (30 Nov–6 Dec) closed while the form was open" in ctx.texts[-1]
    assert await store_of(app).get_goals(KEY, Week(2026, 49), "you") == []
    assert await store_of(app).get_goals(KEY, Week(2026, 50), "you") == []


async def test_empty_prompt_content_falls_back_to_built_in_prompts(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    # The loaded library is shared between apps (cached): swap it, never mutate it.
    app.content = dataclasses.replace(app.content, checkin_prompts={})
    h = ConsoleHarness(app)
    await h.send(SETUP)
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    await app.scheduler.tick()
    assert "new thread: Week 50" in h.transcript
    assert "Where are you stuck, and who could you ask?" in h.transcript
    assert "Prompts adapted from" not in h.transcript


async def test_setup_refuses_a_channel_the_bot_cannot_see(app_factory):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)

    async def nowhere(channel_id: str) -> None:
        return None

    h.adapter.outbox.channel_info = nowhere  # type: ignore[method-assign]
    out = await h.send(SETUP)
    assert "I can't see #checkins" in out
    assert await nothing_set_up(app)


async def test_skip_twice_and_streak_privacy(app_factory):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    assert "Marked you away for Week 49" in await h.send("/checkin skip")
    assert "already marked away" in await h.send("/checkin skip")
    out = await h.send("/checkin me")
    assert "You're marked away this week." in out
    assert "Streak in the weekly recap: off" in out
    assert "stays private" in await h.send("/checkin streaks off")
