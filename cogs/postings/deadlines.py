"""Time-driven work: the minute sweep (reminders, closing, expiry, retries) and the digest.

- Reminder: once per posting and deadline, 24 h before it, claimed as
  `(postings.reminder, "<id>:<deadline epoch>")` so a moved deadline gets its own
  reminder. Only for postings that were live before the 24 h mark (one approved an
  hour before its deadline already shows the deadline on its card) and only while
  the deadline is still ahead (a bot that was down past it sends nothing late).
- Closing: at the deadline the posting turns `closed` (one conditional UPDATE wins)
  and its feed card is edited to say so; rolling postings turn `expired` after
  `postings.rolling_days` (60) from approval or the last `postings renew`.
  Card edits are idempotent, so they are retried until they succeed.
- Stale queue cards: when a pending posting's deadline passes, its queue card is
  edited once to say so (moderators can edit the deadline or reject it; approval is
  refused).
- Retries: pending postings without a queue card, live ones without a feed card and
  outcomes not yet told are picked up again (a crash or a transient failure between
  commit and send).
- Digest: a `Weekly` schedule per community (kind `postings.digest`, Mondays 09:00
  in the community's zone, re-created when the zone changes), claimed per
  community and ISO week. It lists live postings closing in the next 7 days and is
  skipped when there are none.

Only postings of the attached platform are touched (`<platform>:` community keys), so
one database can serve a Discord and a Slack process.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.replies import MessageRef
from bot.scheduling import Weekly
from cogs.postings import render
from cogs.postings.review import S_FEED, S_ROLLING, Desk, nonce
from cogs.postings.store import Posting, Store

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("coinflip.cogs.postings")

REMIND_BEFORE = timedelta(hours=24)
DIGEST_KIND = "postings.digest"
DIGEST_WEEKDAY, DIGEST_HOUR, DIGEST_MINUTE = 0, 9, 0
DIGEST_WINDOW = timedelta(days=7)


def digest_job(community_key: str) -> str:
    return f"{DIGEST_KIND}:{community_key}"


class Deadlines:
    def __init__(self, app: App, store: Store, desk: Desk) -> None:
        self.app = app
        self.store = store
        self.desk = desk

    async def ensure_digest(self, community_key: str) -> Weekly:
        """The community's weekly digest schedule, in its current zone."""
        zone = (await self.app.zone(community_key)).key
        job = digest_job(community_key)
        existing = self.app.scheduler.weekly.get(job)
        if existing is not None and existing.timezone == zone:
            return existing
        sched = Weekly(
            job,
            DIGEST_KIND,
            DIGEST_WEEKDAY,
            DIGEST_HOUR,
            DIGEST_MINUTE,
            zone,
            {"community": community_key},
        )
        await self.app.scheduler.put_weekly(sched)
        return sched

    async def sweep(self) -> None:
        now = self.app.clock.now()
        prefix = f"{self.app.outbox.platform}:"
        for p in await self.store.by_status(("pending",), prefix):
            if p.queue_ref is None:
                await self.desk.enqueue(p)
            elif p.deadline is not None and p.deadline <= now:
                # Once: the queue card says the deadline passed (edit or reject it).
                if await self.app.scheduler.claim("postings.queue-stale", str(p.id)):
                    await self.desk.refresh_queue_card(p.id)
        communities: set[str] = set()
        rolling_days: dict[str, int] = {}
        for p in await self.store.by_status(("live",), prefix):
            communities.add(p.community_key)
            if p.community_key not in rolling_days:
                rolling_days[p.community_key] = int(
                    await self.desk.setting(p.community_key, S_ROLLING) or 60
                )
            expires = p.expires_at(rolling_days[p.community_key])
            if p.deadline is not None and p.deadline <= now:
                await self.close(p, "closed")
                continue
            if expires is not None and expires <= now:
                await self.close(p, "expired")
                continue
            if p.feed_ref is None:
                await self.desk.publish(p)
            await self.remind(p, now)
        for p in await self.store.by_status(("live", "rejected", "closed", "expired"), prefix):
            if p.told is None and p.decided_at is not None:
                await self.desk.tell_submitter(p)
        for p in await self.store.ended_cards_to_close(prefix):
            await self.desk.refresh_feed_card(p.id)
        for key in sorted(communities):
            await self.ensure_digest(key)

    async def close(self, p: Posting, status: str) -> None:
        if await self.store.end(p.id, status):
            log.info("posting ended id=%s status=%s", p.id, status)
            await self.desk.refresh_queue_card(p.id)
        await self.desk.refresh_feed_card(p.id)

    async def remind(self, p: Posting, now: datetime) -> bool:
        if p.deadline is None or p.live_at is None:
            return False
        mark = p.deadline - REMIND_BEFORE
        if not (mark <= now < p.deadline) or p.live_at > mark:
            return False
        feed_channel = await self.desk.channel(p.community_key, S_FEED)
        if not feed_channel:
            return False
        zone = await self.app.zone(p.community_key)
        reply = render.reminder(p, zone, now, discord=self.desk.discord)
        key = f"{p.id}:{int(p.deadline.timestamp())}"

        async def send() -> MessageRef:
            return await self.app.outbox.send(feed_channel, reply, nonce=nonce("reminder", key))

        sent = await self.desk.once("reminder", key, send)
        if isinstance(sent, MessageRef):
            log.info("reminder sent posting=%s", p.id)
            return True
        return False

    async def run_digest(self, sched: Weekly, occurrence: datetime) -> None:
        """Weekly handler (kind `postings.digest`)."""
        key = str(sched.payload.get("community", ""))
        if not key.startswith(f"{self.app.outbox.platform}:"):
            return
        feed_channel = await self.desk.channel(key, S_FEED)
        if not feed_channel:
            return
        now = self.app.clock.now()
        items = [
            p
            for p in await self.store.live(key)
            if p.deadline is not None and now < p.deadline <= now + DIGEST_WINDOW
        ]
        if not items:
            log.info("digest skipped, nothing closing community=%s", key)
            return
        zone = await self.app.zone(key)
        local = occurrence.astimezone(zone)
        year, week, _ = local.isocalendar()
        period = f"{key}:{year}-W{week:02d}"
        reply = render.digest(items, zone, now)

        async def send() -> MessageRef:
            return await self.app.outbox.send(feed_channel, reply, nonce=nonce("digest", period))

        sent = await self.desk.once("digest", period, send)
        if sent is None:
            # Transient failure: raising lets the scheduler retry this occurrence later.
            raise RuntimeError(f"digest for {key} could not be sent; will retry")
