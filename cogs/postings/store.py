"""Reads and writes for postings, decisions and feeds. Each method is one short transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.core.clock import Clock
from bot.core.replies import MessageRef
from bot.storage.db import Database
from cogs.postings.tables import (
    ACTIVE,
    posting_decisions,
    posting_feed_items,
    posting_feeds,
    postings,
)
from cogs.postings.validate import Draft


def utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def ref_to_json(ref: MessageRef) -> dict[str, Any]:
    return {
        "channel_id": ref.channel_id,
        "message_id": ref.message_id,
        "thread_id": ref.thread_id,
        "extra": dict(ref.extra),
    }


def ref_from_json(data: Any) -> MessageRef | None:
    if not data:
        return None
    return MessageRef(
        str(data["channel_id"]),
        str(data["message_id"]),
        data.get("thread_id"),
        {str(k): str(v) for k, v in (data.get("extra") or {}).items()},
    )


@dataclass(frozen=True)
class Posting:
    id: int
    community_key: str
    status: str
    kind: str
    title: str
    organisation: str
    location: str
    link: str
    description: str
    deadline: datetime | None
    deadline_text: str
    rolling: bool
    submitter_id: str
    submitter_name: str
    anonymous: bool
    feed_id: int | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decided_by_name: str | None
    reason: str | None
    live_at: datetime | None
    renewed_at: datetime | None
    ended_at: datetime | None
    queue_ref: MessageRef | None
    feed_ref: MessageRef | None
    feed_card_closed: bool
    told: str | None

    @classmethod
    def of(cls, row: Any) -> Posting:
        m = dict(row._mapping)
        for key in ("deadline", "created_at", "decided_at", "live_at", "renewed_at", "ended_at"):
            m[key] = utc(m[key])
        m["queue_ref"] = ref_from_json(m["queue_ref"])
        m["feed_ref"] = ref_from_json(m["feed_ref"])
        m["rolling"] = bool(m["rolling"])
        m["anonymous"] = bool(m["anonymous"])
        m["feed_card_closed"] = bool(m["feed_card_closed"])
        return cls(**m)

    def expires_at(self, rolling_days: int) -> datetime | None:
        """When a rolling posting leaves the feed, counted from approval or the last renewal."""
        start = self.renewed_at or self.live_at
        if not self.rolling or start is None:
            return None
        return start + timedelta(days=rolling_days)


@dataclass(frozen=True)
class Feed:
    id: int
    community_key: str
    url: str
    title: str
    added_by: str
    added_at: datetime
    etag: str | None
    last_modified: str | None
    checked_at: datetime | None
    failures: int
    last_error: str | None
    paused: bool

    @classmethod
    def of(cls, row: Any) -> Feed:
        m = dict(row._mapping)
        m["added_at"] = utc(m["added_at"])
        m["checked_at"] = utc(m["checked_at"])
        m["paused"] = bool(m["paused"])
        return cls(**m)


class Duplicate(Exception):
    def __init__(self, existing: Posting) -> None:
        super().__init__(f"posting {existing.id} has that link")
        self.existing = existing


WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


class Store:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # -- postings -----------------------------------------------------------

    async def get(self, posting_id: int) -> Posting | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(sa.select(postings).where(postings.c.id == posting_id))
            ).first()
        return Posting.of(row) if row else None

    async def active_with_link(self, community_key: str, link: str) -> Posting | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(postings).where(
                        postings.c.community_key == community_key,
                        postings.c.link == link,
                        postings.c.status.in_(ACTIVE),
                    )
                )
            ).first()
        return Posting.of(row) if row else None

    async def add(
        self,
        community_key: str,
        draft: Draft,
        *,
        submitter_id: str,
        submitter_name: str,
        anonymous: bool,
        feed_id: int | None = None,
    ) -> Posting:
        """Insert a pending posting (committed on return); raises Duplicate for an active link."""
        values = {
            "community_key": community_key,
            "status": "pending",
            "kind": draft.kind,
            "title": draft.title,
            "organisation": draft.organisation,
            "location": draft.location,
            "link": draft.link,
            "description": draft.description,
            "deadline": draft.deadline.when,
            "deadline_text": draft.deadline.label,
            "rolling": draft.deadline.rolling,
            "submitter_id": submitter_id,
            "submitter_name": submitter_name[:200],
            "anonymous": anonymous,
            "feed_id": feed_id,
            "created_at": self.clock.now(),
        }
        try:
            async with self.db.begin() as conn:
                result = await conn.execute(postings.insert().values(**values))
                new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        except IntegrityError:
            existing = await self.active_with_link(community_key, draft.link)
            if existing is None:
                raise
            raise Duplicate(existing) from None
        posting = await self.get(new_id)
        assert posting is not None
        return posting

    async def decide(
        self,
        posting_id: int,
        *,
        to: str,
        actor_id: str,
        actor_name: str,
        reason: str | None = None,
    ) -> bool:
        """Move a pending posting to `to` ("live" or "rejected"). Exactly one caller wins.

        The status change and the decision record commit together.
        """
        now = self.clock.now()
        values: dict[str, Any] = {
            "status": to,
            "decided_at": now,
            "decided_by": actor_id,
            "decided_by_name": actor_name[:200],
            "reason": reason,
        }
        if to == "live":
            values["live_at"] = now
        async with self.db.begin() as conn:
            result = await conn.execute(
                postings.update()
                .where(postings.c.id == posting_id, postings.c.status == "pending")
                .values(**values)
            )
            if result.rowcount != 1:
                return False
            await _record_decision(
                conn,
                posting_id,
                "approve" if to == "live" else "reject",
                actor_id,
                actor_name,
                now,
                reason=reason,
            )
        return True

    async def edit(self, posting_id: int, draft: Draft, *, actor_id: str, actor_name: str) -> bool:
        """Change the fields of a pending or live posting; False when it is neither any more."""
        now = self.clock.now()
        try:
            async with self.db.begin() as conn:
                result = await conn.execute(
                    postings.update()
                    .where(postings.c.id == posting_id, postings.c.status.in_(ACTIVE))
                    .values(
                        kind=draft.kind,
                        title=draft.title,
                        organisation=draft.organisation,
                        location=draft.location,
                        link=draft.link,
                        description=draft.description,
                        deadline=draft.deadline.when,
                        deadline_text=draft.deadline.label,
                        rolling=draft.deadline.rolling,
                    )
                )
                if result.rowcount != 1:
                    return False
                await _record_decision(conn, posting_id, "edit", actor_id, actor_name, now)
        except IntegrityError:
            async with self.db.read() as conn:
                community = (
                    await conn.execute(
                        sa.select(postings.c.community_key).where(postings.c.id == posting_id)
                    )
                ).scalar_one()
            existing = await self.active_with_link(community, draft.link)
            if existing is None:
                raise
            raise Duplicate(existing) from None
        return True

    async def end(self, posting_id: int, status: str) -> bool:
        """live -> closed | expired; True for the one caller that made the change."""
        async with self.db.begin() as conn:
            result = await conn.execute(
                postings.update()
                .where(postings.c.id == posting_id, postings.c.status == "live")
                .values(status=status, ended_at=self.clock.now())
            )
        return result.rowcount == 1

    async def renew(self, posting_id: int, *, actor_id: str, actor_name: str) -> bool:
        """Restart a rolling posting's age (and bring an expired one back)."""
        now = self.clock.now()
        async with self.db.begin() as conn:
            result = await conn.execute(
                postings.update()
                .where(
                    postings.c.id == posting_id,
                    postings.c.rolling.is_(True),
                    postings.c.status.in_(("live", "expired")),
                )
                .values(status="live", renewed_at=now, ended_at=None, feed_card_closed=False)
            )
            if result.rowcount != 1:
                return False
            await _record_decision(conn, posting_id, "renew", actor_id, actor_name, now)
        return True

    async def set_fields(self, posting_id: int, **values: Any) -> None:
        for key in ("queue_ref", "feed_ref"):
            if isinstance(values.get(key), MessageRef):
                values[key] = ref_to_json(values[key])
        async with self.db.begin() as conn:
            await conn.execute(
                postings.update().where(postings.c.id == posting_id).values(**values)
            )

    async def by_status(
        self, statuses: tuple[str, ...], community_prefix: str = "", community_key: str = ""
    ) -> list[Posting]:
        query = sa.select(postings).where(postings.c.status.in_(statuses))
        if community_key:
            query = query.where(postings.c.community_key == community_key)
        elif community_prefix:
            query = query.where(postings.c.community_key.startswith(community_prefix))
        async with self.db.read() as conn:
            rows = (await conn.execute(query.order_by(postings.c.id))).all()
        return [Posting.of(r) for r in rows]

    async def ended_cards_to_close(self, community_prefix: str) -> list[Posting]:
        query = sa.select(postings).where(
            postings.c.status.in_(("closed", "expired")),
            postings.c.feed_ref.is_not(None),
            postings.c.feed_card_closed.is_(False),
            postings.c.community_key.startswith(community_prefix),
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [Posting.of(r) for r in rows]

    async def live(self, community_key: str, *, kind: str | None = None) -> list[Posting]:
        now = self.clock.now()
        query = sa.select(postings).where(
            postings.c.community_key == community_key,
            postings.c.status == "live",
            sa.or_(postings.c.deadline.is_(None), postings.c.deadline > now),
        )
        if kind:
            query = query.where(postings.c.kind == kind)
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        items = [Posting.of(r) for r in rows]
        far = datetime.max.replace(tzinfo=UTC)
        return sorted(items, key=lambda p: (p.deadline or far, p.id))

    async def search(self, community_key: str, query: str) -> list[Posting]:
        """Live postings ranked by how many query words they contain, title words counting most."""
        wanted = set(words(query))
        if not wanted:
            return []
        scored: list[tuple[float, int, Posting]] = []
        for p in await self.live(community_key):
            title = set(words(p.title))
            org = set(words(p.organisation))
            rest = set(words(f"{p.kind} {p.location} {p.description}"))
            score = 0.0
            for w in wanted:
                if w in title:
                    score += 3
                elif w in org:
                    score += 2
                elif w in rest:
                    score += 1
                elif any(t.startswith(w) for t in title | org) and len(w) >= 3:
                    score += 0.5
            if score:
                scored.append((-score, p.id, p))
        return [p for _, _, p in sorted(scored, key=lambda t: (t[0], t[1]))]

    async def by_submitter(
        self, community_key: str, user_id: str, limit: int = 15
    ) -> list[Posting]:
        query = (
            sa.select(postings)
            .where(postings.c.community_key == community_key, postings.c.submitter_id == user_id)
            .order_by(postings.c.id.desc())
            .limit(limit)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [Posting.of(r) for r in rows]

    async def record(
        self,
        community_key: str,
        action: str,
        *,
        actor_id: str,
        actor_name: str,
        subject: str = "",
        posting_id: int | None = None,
        reason: str | None = None,
    ) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                posting_decisions.insert().values(
                    community_key=community_key,
                    posting_id=posting_id,
                    action=action,
                    actor_id=actor_id,
                    actor_name=actor_name[:200],
                    subject=subject[:600],
                    reason=reason,
                    at=self.clock.now(),
                )
            )

    async def decisions(self, posting_id: int) -> list[dict[str, Any]]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    sa.select(posting_decisions)
                    .where(posting_decisions.c.posting_id == posting_id)
                    .order_by(posting_decisions.c.id)
                )
            ).all()
        return [dict(r._mapping) for r in rows]

    # -- feeds --------------------------------------------------------------

    async def add_feed(self, community_key: str, url: str, *, title: str, added_by: str) -> Feed:
        async with self.db.begin() as conn:
            result = await conn.execute(
                posting_feeds.insert().values(
                    community_key=community_key,
                    url=url,
                    title=title[:300],
                    added_by=added_by,
                    added_at=self.clock.now(),
                )
            )
            new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        feed = await self.feed(new_id)
        assert feed is not None
        return feed

    async def feed(self, feed_id: int) -> Feed | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(sa.select(posting_feeds).where(posting_feeds.c.id == feed_id))
            ).first()
        return Feed.of(row) if row else None

    async def feed_by_url(self, community_key: str, url: str) -> Feed | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(posting_feeds).where(
                        posting_feeds.c.community_key == community_key, posting_feeds.c.url == url
                    )
                )
            ).first()
        return Feed.of(row) if row else None

    async def feeds(self, community_key: str = "", community_prefix: str = "") -> list[Feed]:
        query = sa.select(posting_feeds).order_by(posting_feeds.c.id)
        if community_key:
            query = query.where(posting_feeds.c.community_key == community_key)
        elif community_prefix:
            query = query.where(posting_feeds.c.community_key.startswith(community_prefix))
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [Feed.of(r) for r in rows]

    async def remove_feed(self, community_key: str, feed_id: int) -> bool:
        async with self.db.begin() as conn:
            await conn.execute(
                posting_feed_items.delete().where(posting_feed_items.c.feed_id == feed_id)
            )
            result = await conn.execute(
                posting_feeds.delete().where(
                    posting_feeds.c.id == feed_id, posting_feeds.c.community_key == community_key
                )
            )
        return result.rowcount == 1

    async def update_feed(self, feed_id: int, **values: Any) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                posting_feeds.update().where(posting_feeds.c.id == feed_id).values(**values)
            )

    async def feed_failed(self, feed_id: int, error: str, limit: int) -> bool:
        """Count a failure; True for the one call that pauses the feed (send one notice)."""
        async with self.db.begin() as conn:
            await conn.execute(
                posting_feeds.update()
                .where(posting_feeds.c.id == feed_id)
                .values(
                    failures=posting_feeds.c.failures + 1,
                    last_error=error[:300],
                    checked_at=self.clock.now(),
                )
            )
            result = await conn.execute(
                posting_feeds.update()
                .where(
                    posting_feeds.c.id == feed_id,
                    posting_feeds.c.failures >= limit,
                    posting_feeds.c.paused.is_(False),
                )
                .values(paused=True)
            )
        return result.rowcount == 1

    async def seen_links(self, feed_id: int) -> set[str]:
        async with self.db.read() as conn:
            rows = await conn.execute(
                sa.select(posting_feed_items.c.link).where(posting_feed_items.c.feed_id == feed_id)
            )
            return {r[0] for r in rows}

    async def mark_seen(
        self, feed_id: int, links: list[str], posting_id: int | None = None
    ) -> None:
        if not links:
            return
        now = self.clock.now()
        async with self.db.begin() as conn:
            for link in links:
                exists = (
                    await conn.execute(
                        sa.select(posting_feed_items.c.link).where(
                            posting_feed_items.c.feed_id == feed_id,
                            posting_feed_items.c.link == link,
                        )
                    )
                ).first()
                if exists is None:
                    await conn.execute(
                        posting_feed_items.insert().values(
                            feed_id=feed_id, link=link, seen_at=now, posting_id=posting_id
                        )
                    )


async def _record_decision(
    conn: Any,
    posting_id: int,
    action: str,
    actor_id: str,
    actor_name: str,
    at: datetime,
    reason: str | None = None,
) -> None:
    """Write who did what to a posting, inside the caller's transaction."""
    community = (
        await conn.execute(sa.select(postings.c.community_key).where(postings.c.id == posting_id))
    ).scalar_one()
    await conn.execute(
        posting_decisions.insert().values(
            community_key=community,
            posting_id=posting_id,
            action=action,
            actor_id=actor_id,
            actor_name=actor_name[:200],
            reason=reason,
            at=at,
        )
    )
