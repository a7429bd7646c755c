"""Exactly once: restarts, two instances, DST weeks, failing channels, nudges."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.adapters.console.adapter import ConsoleAdapter, ConsoleOutbox
from bot.core.clock import FakeClock
from bot.core.outbox import DeliveryError
from bot.core.replies import MessageRef, Reply
from cogs.checkins import CheckinsCog
from cogs.checkins.tables import weeks as weeks_table
from cogs.checkins.weeks import Week
from tests.conftest import make_config
from tests.console_harness import ConsoleHarness
from tests.test_checkins_flow import SETUP, dms_to, member, store_of

MONDAY_POST = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Mon 7 Dec 09:00 London = UTC


def threads(text: str) -> int:
    return text.count("new thread: ")


class FailingOutbox(ConsoleOutbox):
    """The console outbox, but some channels fail (as a deleted or locked channel would)."""

    def __init__(self, adapter: ConsoleAdapter, *, permanent: bool, failures: int = 10**6) -> None:
        super().__init__(adapter)
        self.permanent = permanent
        self.failures = failures
        self.attempts = 0
        self.dm_closed = False

    async def open_thread(
        self, channel_id: str, title: str, starter: Reply, *, nonce: str | None = None
    ) -> MessageRef:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise DeliveryError("Missing Permissions", permanent=self.permanent)
        return await super().open_thread(channel_id, title, starter, nonce=nonce)

    async def dm(self, user_id: str, reply: Reply) -> MessageRef | None:
        if self.dm_closed:
            return None
        return await super().dm(user_id, reply)


def failing(h: ConsoleHarness, **kwargs) -> FailingOutbox:
    outbox = FailingOutbox(h.adapter, **kwargs)
    h.adapter.outbox = outbox
    h.app.attach(outbox)
    return outbox


async def post_rows(app) -> list[dict]:
    async with app.db.read() as conn:
        rows = await conn.execute(sa.select(weeks_table).order_by(weeks_table.c.week))
        return [dict(r) for r in rows.mappings()]


async def test_restart_after_the_minute_posts_once_late(app_factory, tmp_path, clock):
    first = await app_factory(cogs=[CheckinsCog])
    await ConsoleHarness(first).send(SETUP)
    await first.stop()  # down over the weekend and through Monday morning

    clock.set(MONDAY_POST + timedelta(hours=2))
    second = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(second)
    await second.start()  # loads schedules and ticks at once
    assert threads(h.transcript) == 1
    assert "Posting late: I was offline at the usual time." in h.transcript
    await second.scheduler.tick()
    clock.advance(timedelta(minutes=5))
    await second.scheduler.tick()
    await second.stop()

    # Another restart inside the window: the claim holds, nothing twice.
    third = await app_factory(cogs=[CheckinsCog])
    h3 = ConsoleHarness(third)
    await third.scheduler.load()
    await third.scheduler.tick()
    assert threads(h.transcript) == 1 and threads(h3.transcript) == 0
    rows = await post_rows(third)
    assert [(r["week"], r["late"]) for r in rows] == [("2026-W50", True)]


async def test_moving_the_channel_after_the_post_does_not_post_twice(app_factory, clock):
    first = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(first)
    await h.send(SETUP)
    clock.set(MONDAY_POST)
    await first.scheduler.tick()
    clock.advance(timedelta(hours=1))
    await h.send("/checkins setup channel:#elsewhere day:mon time:09:00 timezone:Europe/London")
    await first.stop()
    second = await app_factory(cogs=[CheckinsCog])  # a restart inside the grace window
    h2 = ConsoleHarness(second)
    await second.scheduler.load()
    await second.scheduler.tick()
    assert threads(h.transcript) == 1 and threads(h2.transcript) == 0
    clock.set(MONDAY_POST + timedelta(days=7))
    await second.scheduler.tick()
    assert "[#elsewhere] new thread: Week 51" in h2.transcript


async def test_restart_after_the_window_skips_and_logs(app_factory, clock, caplog):
    first = await app_factory(cogs=[CheckinsCog])
    await ConsoleHarness(first).send(SETUP)
    await first.stop()

    clock.set(MONDAY_POST + timedelta(hours=13))  # grace is 12 h
    second = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(second)
    await second.scheduler.load()
    with caplog.at_level(logging.WARNING, logger="coinflip.scheduler"):
        await second.scheduler.tick()
    assert threads(h.transcript) == 0
    assert await post_rows(second) == []
    assert any(
        "schedule skipped job=checkins:console:local " in r.getMessage() for r in caplog.records
    )
    # The schedule lives on: next Monday posts on time.
    clock.set(MONDAY_POST + timedelta(days=7))
    await second.scheduler.tick()
    assert threads(h.transcript) == 1
    assert "Posting late" not in h.transcript


async def test_two_instances_post_once(app_factory, tmp_path, clock):
    a = await app_factory(cogs=[CheckinsCog], config=make_config(tmp_path, "shared"))
    ha = ConsoleHarness(a)
    await ha.send(SETUP)
    b = await app_factory(cogs=[CheckinsCog], config=make_config(tmp_path, "shared"))
    hb = ConsoleHarness(b)
    await b.scheduler.load()
    clock.set(MONDAY_POST)
    await asyncio.gather(a.scheduler.tick(), b.scheduler.tick())
    await asyncio.gather(a.scheduler.tick(), b.scheduler.tick())
    assert threads(ha.transcript) + threads(hb.transcript) == 1
    assert len(await post_rows(a)) == 1

    # Nudges from two instances: still one DM.
    ben = member("ben")
    await ha.send("/checkin goals", "one goal", "", "", user=ben)
    await ha.send("/checkin remind on", user=ben)
    clock.set(MONDAY_POST + timedelta(days=2))
    await asyncio.gather(a.scheduler.tick(), b.scheduler.tick())
    assert dms_to(ha.transcript, "ben") + dms_to(hb.transcript, "ben") == 1


DST_CASES = {
    # 02:30 does not exist on 14 March in New York: it happens at 03:30 EDT (07:30 UTC).
    "new-york-02:30": (
        "America/New_York",
        "02:30",
        datetime(2027, 3, 1, 12, tzinfo=UTC),
        datetime(2027, 3, 23, tzinfo=UTC),
        [
            datetime(2027, 3, 7, 7, 30, tzinfo=UTC),  # EST
            datetime(2027, 3, 14, 7, 30, tzinfo=UTC),  # spring forward: 03:30 EDT
            datetime(2027, 3, 21, 6, 30, tzinfo=UTC),  # EDT
        ],
    ),
    "new-york-02:30-fall": (
        "America/New_York",
        "02:30",
        datetime(2027, 10, 25, 12, tzinfo=UTC),
        datetime(2027, 11, 16, tzinfo=UTC),
        [
            datetime(2027, 10, 31, 6, 30, tzinfo=UTC),  # EDT
            datetime(2027, 11, 7, 7, 30, tzinfo=UTC),  # fall back at 02:00: 02:30 EST, once
            datetime(2027, 11, 14, 7, 30, tzinfo=UTC),
        ],
    ),
    "london-02:30": (
        "Europe/London",
        "02:30",
        datetime(2027, 3, 15, 12, tzinfo=UTC),
        datetime(2027, 4, 6, tzinfo=UTC),
        [
            datetime(2027, 3, 21, 2, 30, tzinfo=UTC),  # GMT
            datetime(2027, 3, 28, 1, 30, tzinfo=UTC),  # spring forward: BST
            datetime(2027, 4, 4, 1, 30, tzinfo=UTC),
        ],
    ),
    "london-02:30-fall": (
        "Europe/London",
        "02:30",
        datetime(2027, 10, 18, 12, tzinfo=UTC),
        datetime(2027, 11, 9, tzinfo=UTC),
        [
            datetime(2027, 10, 24, 1, 30, tzinfo=UTC),  # BST
            datetime(2027, 10, 31, 2, 30, tzinfo=UTC),  # fall back: GMT
            datetime(2027, 11, 7, 2, 30, tzinfo=UTC),
        ],
    ),
    # 01:30 London is inside the spring gap (-> 02:30 BST) and twice on the fall-back
    # night (-> the first, BST).
    "london-01:30-both": (
        "Europe/London",
        "01:30",
        datetime(2027, 3, 22, 12, tzinfo=UTC),
        datetime(2027, 11, 2, tzinfo=UTC),
        None,
    ),
}


@pytest.mark.parametrize("case", list(DST_CASES))
async def test_dst_weeks_post_once_at_the_right_instant(app_factory, case):
    zone, at, start, end, expected = DST_CASES[case]
    clock = FakeClock(start)
    app = await app_factory(cogs=[CheckinsCog], clock_=clock)
    h = ConsoleHarness(app)
    out = await h.send(f"/checkins setup channel:#checkins day:sun time:{at} timezone:{zone}")
    assert "Check-ins are set up" in out
    if expected is None:
        # Only the two DST Sundays of 2027 are walked (the weeks between are jumped over).
        spans = [
            (datetime(2027, 3, 27, 12, tzinfo=UTC), datetime(2027, 3, 29, tzinfo=UTC)),
            (datetime(2027, 10, 30, 12, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC)),
        ]
        expected = [
            datetime(2027, 3, 28, 1, 30, tzinfo=UTC),  # 01:30 GMT does not exist: 02:30 BST
            datetime(2027, 10, 31, 0, 30, tzinfo=UTC),  # 01:30 happens twice: the first, BST
        ]
    else:
        spans = [(start, end)]
    for span_start, span_end in spans:
        now = span_start
        while now < span_end:
            clock.set(now)
            await app.scheduler.tick(now)
            now += timedelta(minutes=15)
    rows = await post_rows(app)
    posted = [r["posted_at"].replace(tzinfo=UTC) for r in rows]
    assert posted == expected
    assert len({r["week"] for r in rows}) == len(expected) == threads(h.transcript)
    assert all(not r["late"] for r in rows)


async def test_permanent_failure_notifies_once_and_tries_next_week(app_factory, clock, caplog):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    await h.send("/checkins setup channel:#gone day:mon time:09:00 timezone:Europe/London")
    outbox = failing(h, permanent=True)
    clock.set(MONDAY_POST)
    with caplog.at_level(logging.WARNING):
        for minutes in (0, 1, 2, 60, 600):
            clock.set(MONDAY_POST + timedelta(minutes=minutes))
            await app.scheduler.tick()
    assert outbox.attempts == 1  # no loop
    assert dms_to(h.transcript, "you") == 1  # the admin who ran setup
    assert "I couldn't post the check-in for Week 50 (7–13 Dec) in #gone" in h.transcript
    assert "Missing Permissions" in h.transcript
    assert "`/checkins stop` turns check-ins off" in h.transcript
    assert not any(r.name == "coinflip.scheduler" and r.exc_info for r in caplog.records)

    # A restart inside the window: no second try, no second notice.
    again = await app_factory(cogs=[CheckinsCog])
    h2 = ConsoleHarness(again)
    outbox2 = failing(h2, permanent=True)
    await again.scheduler.load()
    await again.scheduler.tick()
    assert outbox2.attempts == 0 and dms_to(h2.transcript, "you") == 0

    # Next week is still attempted (and a fixed channel would work again).
    outbox.failures = 0
    clock.set(MONDAY_POST + timedelta(days=7))
    await app.scheduler.tick()
    assert outbox.attempts == 2
    assert threads(h.transcript) == 1
    assert await app.scheduler.get_weekly("checkins:console:local") is not None


async def test_notice_is_logged_when_the_admin_cannot_be_reached(app_factory, clock, caplog):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    await h.send(SETUP)
    outbox = failing(h, permanent=True)
    outbox.dm_closed = True
    clock.set(MONDAY_POST)
    with caplog.at_level(logging.WARNING, logger="coinflip.cogs.checkins"):
        await app.scheduler.tick()
    assert any("could not tell the admin" in r.getMessage() for r in caplog.records)


async def test_transient_failure_is_retried_by_a_later_tick(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    await h.send(SETUP)
    outbox = failing(h, permanent=False, failures=2)
    for minutes in range(5):
        clock.set(MONDAY_POST + timedelta(minutes=minutes))
        await app.scheduler.tick()
    assert outbox.attempts == 3
    assert threads(h.transcript) == 1
    assert dms_to(h.transcript, "you") == 0
    assert "Posting late" not in h.transcript


async def test_transient_failures_give_up_after_a_few_tries(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    await h.send(SETUP)
    outbox = failing(h, permanent=False)
    for minutes in range(30):
        clock.set(MONDAY_POST + timedelta(minutes=minutes))
        await app.scheduler.tick()
    assert outbox.attempts == 5
    assert dms_to(h.transcript, "you") == 1
    assert "sending kept failing" in h.transcript


async def test_member_without_opt_in_gets_no_dm(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    cat = member("cat")
    await h.send(SETUP)
    clock.set(MONDAY_POST)
    await app.scheduler.tick()
    await h.send("/checkin goals", "a goal", "", "", user=cat)
    clock.set(MONDAY_POST + timedelta(days=2))
    before = len(h.transcript)
    await app.scheduler.tick()
    assert "[direct message to" not in h.transcript[before:]
    # Turning it on and off again is still no DM.
    await h.send("/checkin remind on", user=cat)
    await h.send("/checkin remind off", user=cat)
    assert await store_of(app).nudge_candidates("console:local", Week(2026, 50)) == []


class FlakyDmOutbox(ConsoleOutbox):
    def __init__(self, adapter: ConsoleAdapter) -> None:
        super().__init__(adapter)
        self.dm_calls = 0

    async def dm(self, user_id: str, reply: Reply) -> MessageRef | None:
        self.dm_calls += 1
        if self.dm_calls == 1:
            raise DeliveryError("timeout", permanent=False)
        return await super().dm(user_id, reply)


async def test_a_nudge_that_hit_a_passing_error_is_sent_once_later(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    h = ConsoleHarness(app)
    ben = member("ben")
    await h.send(SETUP)
    await h.send("/checkin goals", "a goal", "", "", user=ben)  # week 49 goals do not count
    clock.set(MONDAY_POST)
    await app.scheduler.tick()
    await h.send("/checkin goals", "a goal", "", "", user=ben)
    await h.send("/checkin remind on", user=ben)
    outbox = FlakyDmOutbox(h.adapter)
    app.attach(outbox)
    for minutes in range(4):
        clock.set(MONDAY_POST + timedelta(days=2, minutes=minutes))
        await app.scheduler.tick()
    assert outbox.dm_calls == 2
    assert dms_to(h.transcript, "ben") == 1
