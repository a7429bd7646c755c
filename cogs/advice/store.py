"""Database access for the advice cog: seen history, community snippets, share cooldowns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.storage.db import Database
from cogs.advice.tables import advice_seen, advice_shares, advice_snippets

# Community snippets are shown and removed by this id; "c" and a number never
# clashes with a library id in practice, and the cog checks at start-up.
COMMUNITY_PREFIX = "c"


def community_id(number: int) -> str:
    return f"{COMMUNITY_PREFIX}{number}"


def parse_community_id(text: str) -> int | None:
    """'c12', 'C12' or '12' -> 12; anything else -> None."""
    text = text.strip().lower().lstrip("#")
    if text.startswith(COMMUNITY_PREFIX):
        text = text[len(COMMUNITY_PREFIX) :]
    return int(text) if text.isdigit() and len(text) < 10 else None


def _utc(value: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; everything here is stored in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class CommunitySnippet:
    number: int
    community: str
    title: str
    body: str
    topics: tuple[str, ...]
    try_this_week: str | None
    source_url: str | None
    source_name: str | None
    added_by: str
    added_by_name: str
    created_at: datetime

    @property
    def id(self) -> str:
        return community_id(self.number)


class AdviceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- seen history ----------------------------------------------------------

    async def seen(self, community: str, user_id: str) -> dict[str, int]:
        """Snippet id -> its place in the order this member was shown them (higher = later)."""
        async with self.db.read() as conn:
            rows = await conn.execute(
                sa.select(advice_seen.c.snippet_id, advice_seen.c.seq).where(
                    advice_seen.c.community == community, advice_seen.c.user_id == user_id
                )
            )
            return {sid: int(seq) for sid, seq in rows}

    async def mark_seen(
        self, community: str, user_id: str, snippet_id: str, when: datetime
    ) -> None:
        mine = (advice_seen.c.community == community, advice_seen.c.user_id == user_id)
        try:
            async with self.db.begin() as conn:
                top = (
                    await conn.execute(sa.select(sa.func.max(advice_seen.c.seq)).where(*mine))
                ).scalar()
                values = {"seen_at": when, "seq": int(top or 0) + 1}
                updated = await conn.execute(
                    advice_seen.update()
                    .where(*mine, advice_seen.c.snippet_id == snippet_id)
                    .values(**values)
                )
                if updated.rowcount == 0:
                    await conn.execute(
                        advice_seen.insert().values(
                            community=community, user_id=user_id, snippet_id=snippet_id, **values
                        )
                    )
        except IntegrityError:
            pass  # a double click recorded it a moment ago; that is the same fact

    async def forget_member(self, community: str, user_id: str) -> None:
        """Delete a member's seen history (community snippets they added stay, as community content)."""
        async with self.db.begin() as conn:
            await conn.execute(
                advice_seen.delete().where(
                    advice_seen.c.community == community, advice_seen.c.user_id == user_id
                )
            )

    async def forget_seen(self, community: str, user_id: str, snippet_ids: Iterable[str]) -> None:
        """Start a pool over: these snippets count as unseen again."""
        ids = list(snippet_ids)
        if not ids:
            return
        async with self.db.begin() as conn:
            await conn.execute(
                advice_seen.delete().where(
                    advice_seen.c.community == community,
                    advice_seen.c.user_id == user_id,
                    advice_seen.c.snippet_id.in_(ids),
                )
            )

    # -- community snippets ------------------------------------------------------

    async def add_snippet(
        self,
        *,
        community: str,
        title: str,
        body: str,
        topics: tuple[str, ...],
        try_this_week: str | None,
        source_url: str | None,
        source_name: str | None,
        added_by: str,
        added_by_name: str,
        when: datetime,
    ) -> CommunitySnippet:
        values = {
            "community": community,
            "title": title,
            "body": body,
            "topics": list(topics),
            "try_this_week": try_this_week,
            "source_url": source_url,
            "source_name": source_name,
            "added_by": added_by,
            "added_by_name": added_by_name,
            "created_at": when,
        }
        async with self.db.begin() as conn:
            result = await conn.execute(advice_snippets.insert().values(**values))
            key = result.inserted_primary_key
            assert key is not None
            number = int(key[0])
        return self._snippet({"id": number, **values})

    async def remove_snippet(self, community: str, number: int) -> bool:
        async with self.db.begin() as conn:
            result = await conn.execute(
                advice_snippets.delete().where(
                    advice_snippets.c.community == community, advice_snippets.c.id == number
                )
            )
            if result.rowcount:
                await conn.execute(
                    advice_seen.delete().where(
                        advice_seen.c.community == community,
                        advice_seen.c.snippet_id == community_id(number),
                    )
                )
        return bool(result.rowcount)

    async def community_snippets(self) -> list[CommunitySnippet]:
        async with self.db.read() as conn:
            rows = await conn.execute(advice_snippets.select().order_by(advice_snippets.c.id))
            return [self._snippet(dict(row._mapping)) for row in rows]

    @staticmethod
    def _snippet(row: dict[str, object]) -> CommunitySnippet:
        created = row["created_at"]
        assert isinstance(created, datetime)
        topics = row["topics"]
        assert isinstance(topics, list)
        return CommunitySnippet(
            number=int(str(row["id"])),
            community=str(row["community"]),
            title=str(row["title"]),
            body=str(row["body"]),
            topics=tuple(str(t) for t in topics),
            try_this_week=str(row["try_this_week"]) if row["try_this_week"] else None,
            source_url=str(row["source_url"]) if row["source_url"] else None,
            source_name=str(row["source_name"]) if row["source_name"] else None,
            added_by=str(row["added_by"]),
            added_by_name=str(row["added_by_name"]),
            created_at=_utc(created),
        )

    # -- share cooldown ------------------------------------------------------------

    async def claim_share(
        self,
        community: str,
        channel_id: str,
        *,
        user_id: str,
        snippet_id: str,
        now: datetime,
        cooldown: timedelta,
    ) -> datetime | None:
        """Take this channel's share slot. None when taken; else when it frees up.

        Each step is one atomic statement, so two clicks (or two instances) cannot
        both win the same slot.
        """
        values = {"shared_at": now, "user_id": user_id, "snippet_id": snippet_id}
        try:
            async with self.db.begin() as conn:
                await conn.execute(
                    advice_shares.insert().values(
                        community=community, channel_id=channel_id, **values
                    )
                )
            return None
        except IntegrityError:
            pass
        where = (advice_shares.c.community == community, advice_shares.c.channel_id == channel_id)
        async with self.db.begin() as conn:
            updated = await conn.execute(
                advice_shares.update()
                .where(*where, advice_shares.c.shared_at <= now - cooldown)
                .values(**values)
            )
            if updated.rowcount:
                return None
            last = (
                await conn.execute(sa.select(advice_shares.c.shared_at).where(*where))
            ).scalar_one()
        return _utc(last) + cooldown

    async def release_share(self, community: str, channel_id: str, *, now: datetime) -> None:
        """Give back a slot taken at `now` (the post failed), so the next try is not blocked."""
        async with self.db.begin() as conn:
            await conn.execute(
                advice_shares.delete().where(
                    advice_shares.c.community == community,
                    advice_shares.c.channel_id == channel_id,
                    advice_shares.c.shared_at == now,
                )
            )
