"""Per-member state of the encouragement cog: the auto-reply cooldown and what was last shown.

The cooldown is taken atomically: `take_cooldown` is a conditional UPDATE (or a first
INSERT), so two messages from one member handled at once, or by two instances, give
at most one automatic reply per period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.storage.db import Database
from cogs.encouragement.tables import encouragement_members as members


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; everything we store is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class MemberState:
    last_auto_at: datetime | None = None
    last_story: str | None = None
    last_step: str | None = None


class EncouragementStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _key(community: str, user_id: str) -> sa.ColumnElement[bool]:
        return sa.and_(members.c.community == community, members.c.user_id == user_id)

    async def get(self, community: str, user_id: str) -> MemberState:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(
                        members.c.last_auto_at, members.c.last_story, members.c.last_step
                    ).where(self._key(community, user_id))
                )
            ).first()
        if row is None:
            return MemberState()
        return MemberState(_utc(row[0]), row[1], row[2])

    async def take_cooldown(
        self, community: str, user_id: str, now: datetime, period: timedelta
    ) -> tuple[bool, datetime | None]:
        """Record an automatic reply at `now` unless one happened within `period`.

        Returns (won, previous time) so a failed send can `give_back` the slot.
        """
        cutoff = now - period
        try:
            async with self.db.begin() as conn:
                row = (
                    await conn.execute(
                        sa.select(members.c.last_auto_at).where(self._key(community, user_id))
                    )
                ).first()
                if row is None:
                    await conn.execute(
                        members.insert().values(
                            community=community, user_id=user_id, last_auto_at=now, updated_at=now
                        )
                    )
                    return True, None
                previous = _utc(row[0])
                if previous is not None and previous > cutoff:
                    return False, previous
                # Conditional, so a concurrent winner (who already moved the time) stops us.
                result = await conn.execute(
                    members.update()
                    .where(
                        self._key(community, user_id),
                        sa.or_(members.c.last_auto_at.is_(None), members.c.last_auto_at <= cutoff),
                    )
                    .values(last_auto_at=now, updated_at=now)
                )
                return result.rowcount == 1, previous
        except IntegrityError:
            # Another handler inserted the member's first row at the same moment; it won.
            return False, None

    async def give_back(
        self, community: str, user_id: str, taken_at: datetime, previous: datetime | None
    ) -> None:
        """Undo `take_cooldown` after the reply could not be sent."""
        async with self.db.begin() as conn:
            await conn.execute(
                members.update()
                .where(self._key(community, user_id), members.c.last_auto_at == taken_at)
                .values(last_auto_at=previous, updated_at=taken_at)
            )

    async def remember(
        self,
        community: str,
        user_id: str,
        now: datetime,
        *,
        story: str | None = None,
        step: str | None = None,
    ) -> None:
        """Note the story and/or next step just shown, so the next pick differs."""
        values: dict[str, object] = {"updated_at": now}
        if story is not None:
            values["last_story"] = story
        if step is not None:
            values["last_step"] = step
        update = members.update().where(self._key(community, user_id)).values(**values)
        try:
            async with self.db.begin() as conn:
                if (await conn.execute(update)).rowcount == 0:
                    await conn.execute(
                        members.insert().values(community=community, user_id=user_id, **values)
                    )
        except IntegrityError:
            # The member's first row appeared meanwhile; update that one instead.
            async with self.db.begin() as conn:
                await conn.execute(update)

    async def forget(self, community: str, user_id: str) -> int:
        """Delete what we keep about a member (for data deletion requests)."""
        async with self.db.begin() as conn:
            result = await conn.execute(members.delete().where(self._key(community, user_id)))
        return int(result.rowcount or 0)
