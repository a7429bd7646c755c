"""The claim primitive and weekly schedules: once per period, across restarts and instances."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from bot.core.clock import FakeClock
from bot.scheduling import Weekly
from tests.conftest import make_config


async def test_two_concurrent_claimers_get_one_win(app_factory, tmp_path):
    config = make_config(tmp_path, "shared")
    a = await app_factory(cogs=[], config=config)
    b = await app_factory(cogs=[], config=make_config(tmp_path, "shared"))
    results = await asyncio.gather(
        *(app.scheduler.claim("post", "2026-W49") for app in (a, b, a, b))
    )
    assert sorted(results) == [False, False, False, True]


async def test_claim_survives_restart(app_factory, tmp_path):
    first = await app_factory(cogs=[], config=make_config(tmp_path, "restart"))
    assert await first.scheduler.claim("post", "p1")
    await first.stop()
    second = await app_factory(cogs=[], config=make_config(tmp_path, "restart"))
    assert not await second.scheduler.claim("post", "p1")
    assert await second.scheduler.claim("post", "p2")
    await second.scheduler.release("post", "p2")
    assert await second.scheduler.claim("post", "p2")


def test_weekly_occurrences_across_dst():
    ny = Weekly("j", "k", weekday=6, hour=2, minute=30, timezone="America/New_York")
    # Sunday 8 March 2026: 02:30 does not exist in New York; it happens at 03:30 EDT (07:30 UTC).
    assert ny.latest(datetime(2026, 3, 8, 12, tzinfo=UTC)) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )
    # Sunday 1 November 2026: clocks fall back at 02:00, 02:30 happens once, EST (07:30 UTC).
    assert ny.latest(datetime(2026, 11, 1, 12, tzinfo=UTC)) == datetime(
        2026, 11, 1, 7, 30, tzinfo=UTC
    )
    london = Weekly("j", "k", weekday=6, hour=2, minute=30, timezone="Europe/London")
    assert london.next(datetime(2026, 3, 28, tzinfo=UTC)) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    assert london.next(datetime(2026, 10, 24, tzinfo=UTC)) == datetime(
        2026, 10, 25, 2, 30, tzinfo=UTC
    )


async def test_tick_runs_late_within_grace_once_and_skips_after(app_factory, tmp_path, caplog):
    clock = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # Tuesday
    app = await app_factory(cogs=[], config=make_config(tmp_path, "tick"), clock_=clock)
    seen: list[datetime] = []

    async def handler(sched: Weekly, occurrence: datetime) -> None:
        if await app.scheduler.claim(sched.job_id, occurrence.isoformat()):
            seen.append(occurrence)

    app.scheduler.on("test.kind", handler)
    await app.scheduler.put_weekly(
        Weekly("w1", "test.kind", weekday=1, hour=10, minute=0, timezone="UTC")
    )
    await app.scheduler.tick()
    assert seen == []  # 10:00 has not come yet
    clock.advance(timedelta(hours=3))  # 12:00, two hours late: within the 12 h grace
    await app.scheduler.tick()
    await app.scheduler.tick()
    assert seen == [datetime(2026, 12, 1, 10, 0, tzinfo=UTC)]

    # A restart 13 h after next week's minute: skipped and logged, nothing posted.
    clock.set(datetime(2026, 12, 8, 23, 0, tzinfo=UTC))
    other = await app_factory(cogs=[], config=make_config(tmp_path, "tick"), clock_=clock)
    other.scheduler.on("test.kind", handler)
    await other.scheduler.load()
    with caplog.at_level(logging.WARNING, logger="coinflip.scheduler"):
        await other.scheduler.tick()
    assert len(seen) == 1
    assert any("schedule skipped job=w1" in r.getMessage() for r in caplog.records)


async def test_expiring_claims_are_pruned(app_factory, clock):
    app = await app_factory(cogs=[])
    app.scheduler.expire_claims("dedup", timedelta(days=2))
    assert await app.scheduler.claim("dedup", "e1")
    assert await app.scheduler.claim("keep", "k1")
    clock.advance(timedelta(days=3))
    assert await app.scheduler.prune_claims() == 1
    assert await app.scheduler.claim("dedup", "e1")  # free again
    assert not await app.scheduler.claim("keep", "k1")  # never expires
