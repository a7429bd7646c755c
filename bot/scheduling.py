"""Scheduling: APScheduler 3 for timing, our database for truth.

- Interval jobs (`@every` on cogs) run sweeps such as "any reminders due?".
- Weekly schedules are rows in `schedules`; at start every row is re-armed as an
  APScheduler date job at its next local occurrence (no pickled job store).
- `claim(job, period)` inserts a unique row; only the caller whose insert wins may
  act, so a restart or a second instance never posts twice.
- `tick()` (run at start, every `tick_seconds`, and when a date job fires) hands each
  schedule its latest occurrence if that is within the misfire grace, so a bot that
  was down at the minute posts once, late; after the grace it skips and logs.

Local times are computed with zoneinfo: on a spring-forward day a time inside the
gap happens at the same wall-clock time shifted by the gap (02:30 -> 03:30 in New
York); on a fall-back day an ambiguous time happens at its first occurrence.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import IntegrityError

from bot.core.clock import Clock
from bot.storage.db import Database
from bot.storage.tables import claims, schedules

log = logging.getLogger("coinflip.scheduler")
OWNER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Weekly:
    job_id: str
    kind: str
    weekday: int  # 0 = Monday
    hour: int
    minute: int
    timezone: str
    payload: dict[str, Any] = field(default_factory=dict)
    paused_until: datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def at(self, day: date) -> datetime:
        """The UTC instant of this schedule's local time on `day`."""
        local = datetime.combine(day, time(self.hour, self.minute), tzinfo=self.zone)
        # Round-trip through UTC so a wall time inside a DST gap maps forward.
        return local.astimezone(UTC)

    def latest(self, now: datetime) -> datetime:
        """The most recent occurrence at or before `now`."""
        local_today = now.astimezone(self.zone).date()
        day = local_today - timedelta(days=(local_today.weekday() - self.weekday) % 7)
        for back in (0, 7, 14):
            when = self.at(day - timedelta(days=back))
            if when <= now:
                return when
        raise AssertionError("unreachable: an occurrence exists within two weeks")

    def next(self, now: datetime) -> datetime:
        """The first occurrence strictly after `now`."""
        local_today = now.astimezone(self.zone).date()
        day = local_today + timedelta(days=(self.weekday - local_today.weekday()) % 7)
        for ahead in (0, 7, 14):
            when = self.at(day + timedelta(days=ahead))
            if when > now:
                return when
        raise AssertionError("unreachable: an occurrence exists within two weeks")


WeeklyHandler = Callable[[Weekly, datetime], Awaitable[None]]


class Scheduler:
    def __init__(
        self, db: Database, clock: Clock, *, grace: timedelta, tick_seconds: float = 60
    ) -> None:
        self.db = db
        self.clock = clock
        self.grace = grace
        self.tick_seconds = tick_seconds
        self.aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "misfire_grace_time": int(grace.total_seconds()),
                "coalesce": True,
                "max_instances": 1,
            },
        )
        self.handlers: dict[str, WeeklyHandler] = {}
        self.weekly: dict[str, Weekly] = {}
        self._handled: dict[str, datetime] = {}
        self._pending_intervals: list[tuple[str, Callable[[], Awaitable[Any]], float, float]] = []
        self.expiring: dict[str, timedelta] = {}
        self.running = False

    # -- interval jobs -------------------------------------------------------

    def add_interval(
        self,
        job_id: str,
        func: Callable[[], Awaitable[Any]],
        seconds: float,
        *,
        first_after: float = 5.0,
    ) -> None:
        if not self.running:
            self._pending_intervals.append((job_id, func, seconds, first_after))
            return
        start = datetime.now(UTC) + timedelta(seconds=first_after)
        self.aps.add_job(
            self._guarded(job_id, func),
            IntervalTrigger(seconds=seconds, start_date=start),
            id=job_id,
            replace_existing=True,
        )

    def remove(self, job_id: str) -> None:
        self._pending_intervals = [p for p in self._pending_intervals if p[0] != job_id]
        if self.aps.get_job(job_id):
            self.aps.remove_job(job_id)

    def _guarded(
        self, job_id: str, func: Callable[[], Awaitable[Any]]
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            try:
                await func()
            except Exception:
                log.exception("job failed job=%s", job_id)

        return run

    # -- weekly schedules ----------------------------------------------------

    def on(self, kind: str, handler: WeeklyHandler) -> None:
        self.handlers[kind] = handler

    async def put_weekly(self, sched: Weekly) -> None:
        """Create or replace a weekly schedule; committed before it is armed."""
        ZoneInfo(sched.timezone)
        values = {
            "kind": sched.kind,
            "weekday": sched.weekday,
            "hour": sched.hour,
            "minute": sched.minute,
            "timezone": sched.timezone,
            "payload": sched.payload,
            "paused_until": sched.paused_until,
        }
        async with self.db.begin() as conn:
            updated = await conn.execute(
                schedules.update().where(schedules.c.job_id == sched.job_id).values(**values)
            )
            if updated.rowcount == 0:
                await conn.execute(
                    schedules.insert().values(
                        job_id=sched.job_id, created_at=self.clock.now(), **values
                    )
                )
        self.weekly[sched.job_id] = sched
        # A new or moved schedule starts fresh from now: no catch-up of an occurrence in the past.
        self._handled[sched.job_id] = sched.latest(self.clock.now())
        self._arm(sched)

    async def delete_weekly(self, job_id: str) -> None:
        async with self.db.begin() as conn:
            await conn.execute(schedules.delete().where(schedules.c.job_id == job_id))
        self.weekly.pop(job_id, None)
        self._handled.pop(job_id, None)
        if self.aps.get_job(f"weekly:{job_id}"):
            self.aps.remove_job(f"weekly:{job_id}")

    async def get_weekly(self, job_id: str) -> Weekly | None:
        return self.weekly.get(job_id)

    async def load(self) -> None:
        """Rebuild weekly schedules from the database."""
        async with self.db.read() as conn:
            rows = (await conn.execute(sa.select(schedules))).mappings().all()
        self.weekly = {}
        for row in rows:
            paused = row["paused_until"]
            if paused is not None and paused.tzinfo is None:
                paused = paused.replace(tzinfo=UTC)
            sched = Weekly(
                row["job_id"],
                row["kind"],
                row["weekday"],
                row["hour"],
                row["minute"],
                row["timezone"],
                dict(row["payload"] or {}),
                paused,
            )
            self.weekly[sched.job_id] = sched
            self._arm(sched)
        log.info("schedules loaded count=%d", len(self.weekly))

    def _arm(self, sched: Weekly) -> None:
        if not self.running:
            return
        run_at = sched.next(self.clock.now())
        self.aps.add_job(
            self.tick,
            DateTrigger(run_date=run_at),
            id=f"weekly:{sched.job_id}",
            replace_existing=True,
        )

    async def tick(self, now: datetime | None = None) -> int:
        """Run every schedule whose latest occurrence is due and not yet handled here."""
        now = now or self.clock.now()
        ran = 0
        for sched in list(self.weekly.values()):
            occurrence = sched.latest(now)
            if self._handled.get(sched.job_id) == occurrence:
                continue
            self._handled[sched.job_id] = occurrence
            if sched.paused_until is not None and occurrence < sched.paused_until:
                log.info(
                    "schedule paused job=%s occurrence=%s", sched.job_id, occurrence.isoformat()
                )
                continue
            late = now - occurrence
            if late > self.grace:
                log.warning(
                    "schedule skipped job=%s occurrence=%s late_by=%s grace=%s",
                    sched.job_id,
                    occurrence.isoformat(),
                    late,
                    self.grace,
                )
                continue
            handler = self.handlers.get(sched.kind)
            if handler is None:
                log.warning("no handler job=%s kind=%s", sched.job_id, sched.kind)
                continue
            try:
                await handler(sched, occurrence)
                ran += 1
            except Exception:
                # Let a later tick retry this occurrence (the handler's claim keeps it single).
                self._handled.pop(sched.job_id, None)
                log.exception(
                    "schedule failed job=%s occurrence=%s", sched.job_id, occurrence.isoformat()
                )
        if self.running:
            for sched in self.weekly.values():
                self._arm(sched)
        return ran

    # -- claims --------------------------------------------------------------

    async def claim(self, job: str, period: str) -> bool:
        """True for exactly one caller per (job, period), across restarts and processes."""
        try:
            async with self.db.begin() as conn:
                await conn.execute(
                    claims.insert().values(
                        job=job, period=period, owner=OWNER, claimed_at=self.clock.now()
                    )
                )
            return True
        except IntegrityError:
            return False

    async def release(self, job: str, period: str) -> None:
        """Give a claim back after a send failed, so a later run may retry."""
        async with self.db.begin() as conn:
            await conn.execute(
                claims.delete().where(claims.c.job == job, claims.c.period == period)
            )

    def expire_claims(self, job: str, after: timedelta) -> None:
        """Let claims of `job` be deleted once older than `after` (e.g. event dedup keys)."""
        self.expiring[job] = after

    async def prune_claims(self) -> int:
        now = self.clock.now()
        removed = 0
        async with self.db.begin() as conn:
            for job, after in self.expiring.items():
                result = await conn.execute(
                    claims.delete().where(claims.c.job == job, claims.c.claimed_at < now - after)
                )
                removed += int(result.rowcount or 0)
        if removed:
            log.info("claims pruned count=%d", removed)
        return removed

    async def is_claimed(self, job: str, period: str) -> bool:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(claims.c.job).where(claims.c.job == job, claims.c.period == period)
                )
            ).first()
        return row is not None

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        self.running = True
        self.aps.start()
        for job_id, func, seconds, first_after in self._pending_intervals:
            self.add_interval(job_id, func, seconds, first_after=first_after)
        self._pending_intervals = []
        await self.load()
        self.add_interval("core.tick", self.tick, self.tick_seconds, first_after=self.tick_seconds)
        self.add_interval("core.prune_claims", self.prune_claims, 6 * 3600, first_after=600)
        await self.tick()

    async def stop(self) -> None:
        if self.running:
            self.running = False
            self.aps.shutdown(wait=False)

    def state(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "jobs": len(self.aps.get_jobs()) if self.running else 0,
            "weekly": len(self.weekly),
        }
