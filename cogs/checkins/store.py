"""Queries for check-ins. Every write is one short transaction, committed before we answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Database
from cogs.checkins.tables import entries, goals, members, reports, setups, weeks
from cogs.checkins.weeks import Week

STATUSES = ("open", "done", "partly", "not_yet")
STREAK_LOOKBACK = 104  # weeks


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Setup:
    community_key: str
    channel_id: str
    weekday: int
    hour: int
    minute: int
    timezone: str
    nudge_weekday: int | None
    nudge_hour: int | None
    nudge_minute: int | None
    paused_until: datetime | None
    admin_user_id: str

    @property
    def nudges(self) -> bool:
        return self.nudge_weekday is not None


@dataclass(frozen=True)
class WeekPost:
    community_key: str
    week: str
    channel_id: str
    message_id: str
    thread_id: str | None
    posted_at: datetime
    late: bool


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str = ""
    remind: bool = False
    show_streak: bool = False


@dataclass(frozen=True)
class Goal:
    slot: int
    text: str
    status: str = "open"
    note: str | None = None


@dataclass(frozen=True)
class Entry:
    week: str
    goals_set: bool
    reported: bool
    away: bool


@dataclass(frozen=True)
class Counts:
    set_goals: int = 0
    reported: int = 0
    away: int = 0


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- setup ---------------------------------------------------------------

    async def get_setup(self, community_key: str) -> Setup | None:
        async with self.db.read() as conn:
            row = (
                (
                    await conn.execute(
                        sa.select(setups).where(setups.c.community_key == community_key)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        return Setup(
            row["community_key"],
            row["channel_id"],
            row["weekday"],
            row["hour"],
            row["minute"],
            row["timezone"],
            row["nudge_weekday"],
            row["nudge_hour"],
            row["nudge_minute"],
            utc(row["paused_until"]),
            row["admin_user_id"],
        )

    async def save_setup(self, setup: Setup, now: datetime) -> None:
        values = {
            "channel_id": setup.channel_id,
            "weekday": setup.weekday,
            "hour": setup.hour,
            "minute": setup.minute,
            "timezone": setup.timezone,
            "nudge_weekday": setup.nudge_weekday,
            "nudge_hour": setup.nudge_hour,
            "nudge_minute": setup.nudge_minute,
            "paused_until": setup.paused_until,
            "admin_user_id": setup.admin_user_id,
            "updated_at": now,
        }
        async with self.db.begin() as conn:
            done = await conn.execute(
                setups.update()
                .where(setups.c.community_key == setup.community_key)
                .values(**values)
            )
            if done.rowcount == 0:
                await conn.execute(
                    setups.insert().values(community_key=setup.community_key, **values)
                )

    async def delete_setup(self, community_key: str) -> None:
        async with self.db.begin() as conn:
            await conn.execute(setups.delete().where(setups.c.community_key == community_key))

    # -- weekly posts ----------------------------------------------------------

    async def get_post(self, community_key: str, week: Week) -> WeekPost | None:
        async with self.db.read() as conn:
            row = (
                (
                    await conn.execute(
                        sa.select(weeks).where(
                            weeks.c.community_key == community_key, weeks.c.week == week.key
                        )
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        posted = utc(row["posted_at"])
        assert posted is not None
        return WeekPost(
            row["community_key"],
            row["week"],
            row["channel_id"],
            row["message_id"],
            row["thread_id"],
            posted,
            bool(row["late"]),
        )

    async def save_post(self, post: WeekPost) -> None:
        values = {
            "channel_id": post.channel_id,
            "message_id": post.message_id,
            "thread_id": post.thread_id,
            "posted_at": post.posted_at,
            "late": post.late,
        }
        async with self.db.begin() as conn:
            done = await conn.execute(
                weeks.update()
                .where(weeks.c.community_key == post.community_key, weeks.c.week == post.week)
                .values(**values)
            )
            if done.rowcount == 0:
                await conn.execute(
                    weeks.insert().values(
                        community_key=post.community_key, week=post.week, **values
                    )
                )

    async def posted_weeks(self, community_key: str, keys: Iterable[str]) -> set[str]:
        async with self.db.read() as conn:
            rows = await conn.execute(
                sa.select(weeks.c.week).where(
                    weeks.c.community_key == community_key, weeks.c.week.in_(list(keys))
                )
            )
            return {r[0] for r in rows}

    # -- members ---------------------------------------------------------------

    async def get_member(self, community_key: str, user_id: str) -> Member:
        async with self.db.read() as conn:
            row = (
                (
                    await conn.execute(
                        sa.select(members).where(
                            members.c.community_key == community_key, members.c.user_id == user_id
                        )
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return Member(user_id)
        return Member(user_id, row["name"], bool(row["remind"]), bool(row["show_streak"]))

    async def save_member(
        self,
        community_key: str,
        user_id: str,
        name: str,
        now: datetime,
        *,
        remind: bool | None = None,
        show_streak: bool | None = None,
    ) -> None:
        """Remember a member's display name, and change their choices when given."""
        values: dict[str, object] = {"name": name[:100], "updated_at": now}
        if remind is not None:
            values["remind"] = remind
        if show_streak is not None:
            values["show_streak"] = show_streak
        async with self.db.begin() as conn:
            done = await conn.execute(
                members.update()
                .where(members.c.community_key == community_key, members.c.user_id == user_id)
                .values(**values)
            )
            if done.rowcount == 0:
                await conn.execute(
                    members.insert().values(
                        community_key=community_key,
                        user_id=user_id,
                        remind=bool(remind),
                        show_streak=bool(show_streak),
                        **{k: v for k, v in values.items() if k not in ("remind", "show_streak")},
                    )
                )

    async def streak_members(self, community_key: str) -> list[Member]:
        async with self.db.read() as conn:
            rows = (
                (
                    await conn.execute(
                        sa.select(members).where(
                            members.c.community_key == community_key, members.c.show_streak
                        )
                    )
                )
                .mappings()
                .all()
            )
        return [Member(r["user_id"], r["name"], bool(r["remind"]), True) for r in rows]

    # -- goals, reports, away ----------------------------------------------------

    async def get_goals(self, community_key: str, week: Week, user_id: str) -> list[Goal]:
        async with self.db.read() as conn:
            rows = (
                (
                    await conn.execute(
                        sa.select(goals)
                        .where(
                            goals.c.community_key == community_key,
                            goals.c.week == week.key,
                            goals.c.user_id == user_id,
                        )
                        .order_by(goals.c.slot)
                    )
                )
                .mappings()
                .all()
            )
        return [Goal(r["slot"], r["text"], r["status"], r["note"]) for r in rows]

    async def _entry_values(
        self, conn: AsyncConnection, key: str, week: Week, user_id: str
    ) -> dict[str, object] | None:
        row = (
            (
                await conn.execute(
                    sa.select(entries).where(
                        entries.c.community_key == key,
                        entries.c.week == week.key,
                        entries.c.user_id == user_id,
                    )
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row is not None else None

    async def _put_entry(
        self,
        conn: AsyncConnection,
        key: str,
        week: Week,
        user_id: str,
        now: datetime,
        **values: object,
    ) -> dict[str, object] | None:
        """Update a member's week row (creating it); returns the row as it was before."""
        before = await self._entry_values(conn, key, week, user_id)
        if before is None:
            await conn.execute(
                entries.insert().values(
                    community_key=key, week=week.key, user_id=user_id, updated_at=now, **values
                )
            )
        else:
            await conn.execute(
                entries.update()
                .where(
                    entries.c.community_key == key,
                    entries.c.week == week.key,
                    entries.c.user_id == user_id,
                )
                .values(updated_at=now, **values)
            )
        return before

    async def set_goals(
        self, community_key: str, week: Week, user_id: str, texts: list[str], now: datetime
    ) -> list[Goal]:
        """Replace a member's goals for the week; a goal whose text is unchanged keeps its status."""
        texts = [t.strip()[:200] for t in texts if t.strip()][:3]
        old = {g.slot: g for g in await self.get_goals(community_key, week, user_id)}
        result: list[Goal] = []
        async with self.db.begin() as conn:
            await conn.execute(
                goals.delete().where(
                    goals.c.community_key == community_key,
                    goals.c.week == week.key,
                    goals.c.user_id == user_id,
                )
            )
            for slot, text in enumerate(texts, 1):
                prev = old.get(slot)
                keep = prev is not None and prev.text == text
                goal = Goal(
                    slot,
                    text,
                    prev.status if keep and prev else "open",
                    prev.note if keep and prev else None,
                )
                result.append(goal)
                await conn.execute(
                    goals.insert().values(
                        community_key=community_key,
                        week=week.key,
                        user_id=user_id,
                        slot=slot,
                        text=text,
                        status=goal.status,
                        note=goal.note,
                        updated_at=now,
                    )
                )
            await self._put_entry(
                conn, community_key, week, user_id, now, goals_set_at=now if texts else None
            )
        return result

    async def report(
        self,
        community_key: str,
        week: Week,
        user_id: str,
        now: datetime,
        *,
        source: str,
        text: str = "",
        updates: dict[int, tuple[str | None, str | None]] | None = None,
    ) -> bool:
        """Record progress (and goal updates: slot -> (status, note)). True if it is the week's first."""
        async with self.db.begin() as conn:
            for slot, (status, note) in (updates or {}).items():
                values: dict[str, object] = {"updated_at": now}
                if status is not None:
                    values["status"] = status
                if note is not None:
                    values["note"] = note[:500] or None
                await conn.execute(
                    goals.update()
                    .where(
                        goals.c.community_key == community_key,
                        goals.c.week == week.key,
                        goals.c.user_id == user_id,
                        goals.c.slot == slot,
                    )
                    .values(**values)
                )
            await conn.execute(
                reports.insert().values(
                    community_key=community_key,
                    week=week.key,
                    user_id=user_id,
                    source=source,
                    text=text[:1000],
                    created_at=now,
                )
            )
            before = await self._entry_values(conn, community_key, week, user_id)
            first = before is None or before.get("reported_at") is None
            await self._put_entry(
                conn,
                community_key,
                week,
                user_id,
                now,
                away=False,
                **({"reported_at": now} if first else {}),
            )
        return first

    async def set_away(self, community_key: str, week: Week, user_id: str, now: datetime) -> bool:
        """Mark the week away; False if it already was."""
        async with self.db.begin() as conn:
            before = await self._put_entry(conn, community_key, week, user_id, now, away=True)
        return not (before is not None and before.get("away"))

    async def entries_for(
        self, community_key: str, user_id: str, keys: Iterable[str]
    ) -> dict[str, Entry]:
        async with self.db.read() as conn:
            rows = (
                (
                    await conn.execute(
                        sa.select(entries).where(
                            entries.c.community_key == community_key,
                            entries.c.user_id == user_id,
                            entries.c.week.in_(list(keys)),
                        )
                    )
                )
                .mappings()
                .all()
            )
        return {
            r["week"]: Entry(
                r["week"],
                r["goals_set_at"] is not None,
                r["reported_at"] is not None,
                bool(r["away"]),
            )
            for r in rows
        }

    async def goal_tallies(
        self, community_key: str, user_id: str, keys: Iterable[str]
    ) -> dict[str, dict[str, int]]:
        """week -> {status: count} for one member."""
        async with self.db.read() as conn:
            rows = await conn.execute(
                sa.select(goals.c.week, goals.c.status, sa.func.count())
                .where(
                    goals.c.community_key == community_key,
                    goals.c.user_id == user_id,
                    goals.c.week.in_(list(keys)),
                )
                .group_by(goals.c.week, goals.c.status)
            )
            out: dict[str, dict[str, int]] = {}
            for week_key, status, n in rows:
                out.setdefault(week_key, {})[status] = int(n)
        return out

    async def counts(self, community_key: str, keys: Iterable[str]) -> dict[str, Counts]:
        """Per week: members who set goals, who reported back, who were away."""
        keys = list(keys)
        c = entries.c
        async with self.db.read() as conn:
            rows = await conn.execute(
                sa.select(
                    c.week,
                    sa.func.count(c.goals_set_at),
                    sa.func.count(c.reported_at),
                    sa.func.sum(sa.case((c.away, 1), else_=0)),
                )
                .where(c.community_key == community_key, c.week.in_(keys))
                .group_by(c.week)
            )
            found = {w: Counts(int(g), int(r), int(a or 0)) for w, g, r, a in rows}
        return {k: found.get(k, Counts()) for k in keys}

    async def nudge_candidates(self, community_key: str, week: Week) -> list[str]:
        """Members who asked for nudges, set goals this week, and have not reported or gone away."""
        e, m = entries.c, members.c
        async with self.db.read() as conn:
            rows = await conn.execute(
                sa.select(e.user_id)
                .join_from(
                    entries,
                    members,
                    sa.and_(m.community_key == e.community_key, m.user_id == e.user_id),
                )
                .where(
                    e.community_key == community_key,
                    e.week == week.key,
                    e.goals_set_at.is_not(None),
                    e.reported_at.is_(None),
                    sa.not_(e.away),
                    m.remind,
                )
                .order_by(e.user_id)
            )
            return [r[0] for r in rows]

    async def streak(self, community_key: str, user_id: str, current: Week) -> int:
        """Weeks reported in a row, ending now.

        A week away, a week with no check-in thread (paused), and the week still in
        progress never break it; a posted week with nothing from the member does.
        """
        keys = [current.shift(-i).key for i in range(STREAK_LOOKBACK)]
        mine = await self.entries_for(community_key, user_id, keys)
        posted = await self.posted_weeks(community_key, keys)
        streak = 0
        for i, key in enumerate(keys):
            entry = mine.get(key)
            if entry is not None and entry.reported:
                streak += 1
            elif (entry is not None and entry.away) or i == 0 or key not in posted:
                continue
            else:
                break
        return streak

    async def delete_member_data(self, community_key: str, user_id: str) -> None:
        async with self.db.begin() as conn:
            for table in (goals, entries, reports, members):
                await conn.execute(
                    table.delete().where(
                        table.c.community_key == community_key, table.c.user_id == user_id
                    )
                )
