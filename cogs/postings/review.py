"""The review desk: queue cards for moderators, decisions, the feed card, telling the submitter.

Exactly-once sends: each send first claims `(postings.<kind>, <posting id>)` with the
scheduler; a transient `DeliveryError` gives the claim back so the sweep retries, a
permanent one keeps it (retrying a 403 only earns rate limits) and is logged. Sends
also carry a deterministic `nonce`, so a platform that honours nonces (Discord)
collapses a retried send into the first message.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from bot.core.outbox import DeliveryError
from bot.core.replies import MessageRef, Reply
from cogs.postings import render
from cogs.postings.store import Posting, Store

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("coinflip.cogs.postings")
T = TypeVar("T")

S_REVIEW = "postings.review_channel"
S_FEED = "postings.feed_channel"
S_ROLLING = "postings.rolling_days"
S_THREADS = "postings.threads"
S_BLOCKED = "postings.blocked_users"


def nonce(kind: str, key: object) -> str:
    """A deterministic nonce within Discord's 25-character limit."""
    return "cf" + hashlib.sha1(f"postings:{kind}:{key}".encode()).hexdigest()[:22]


class Desk:
    def __init__(self, app: App, store: Store, action_prefix: str) -> None:
        self.app = app
        self.store = store
        self.prefix = action_prefix

    # -- settings helpers ---------------------------------------------------

    async def setting(self, community_key: str, key: str) -> Any:
        return await self.app.settings.get("community", community_key, key)

    async def channel(self, community_key: str, key: str) -> str:
        value = await self.setting(community_key, key)
        return str(value or "").strip()

    @property
    def discord(self) -> bool:
        return self.app.outbox.supports("timestamps")

    def mention(self, channel_id: str) -> str:
        return self.app.outbox.mention_channel(channel_id) if channel_id else "the feed"

    # -- guarded sends ------------------------------------------------------

    async def once(self, kind: str, key: str, send: Callable[[], Awaitable[T]]) -> T | None | bool:
        """Claim (postings.kind, key), then run `send`: its result; False when another run
        holds the claim; None when delivery failed (claim released if it was transient)."""
        job = f"postings.{kind}"
        if not await self.app.scheduler.claim(job, key):
            return False
        try:
            return await send()
        except DeliveryError as err:
            if not err.permanent:
                await self.app.scheduler.release(job, key)
            log.warning(
                "send failed kind=%s key=%s permanent=%s error=%s", kind, key, err.permanent, err
            )
            return None
        except Exception:
            await self.app.scheduler.release(job, key)
            raise

    # -- the queue ------------------------------------------------------------

    async def enqueue(self, p: Posting) -> MessageRef | None:
        """Put a pending posting's card in the review channel (once)."""
        review = await self.channel(p.community_key, S_REVIEW)
        if not review:
            return None
        zone = await self.app.zone(p.community_key)
        feed = await self.store.feed(p.feed_id) if p.feed_id is not None else None
        reply = render.queue_card(
            p, zone, self.app.clock.now(), feed=feed, action_prefix=self.prefix
        )

        async def send() -> MessageRef:
            ref = await self.app.outbox.send(review, reply, nonce=nonce("queue", p.id))
            await self.store.set_fields(p.id, queue_ref=ref)
            return ref

        result = await self.once("queue", str(p.id), send)
        return result if isinstance(result, MessageRef) else None

    async def refresh_queue_card(self, posting_id: int) -> None:
        p = await self.store.get(posting_id)
        if p is None or p.queue_ref is None:
            return
        zone = await self.app.zone(p.community_key)
        feed = await self.store.feed(p.feed_id) if p.feed_id is not None else None
        reply = render.queue_card(
            p, zone, self.app.clock.now(), feed=feed, action_prefix=self.prefix
        )
        try:
            await self.app.outbox.edit(p.queue_ref, reply)
        except DeliveryError as err:
            log.warning("queue card edit failed posting=%s error=%s", p.id, err)

    async def notify_moderators(self, community_key: str, text: str, *, key: str) -> bool:
        """One notice in the review channel per `key` (e.g. a feed being paused)."""
        review = await self.channel(community_key, S_REVIEW)
        if not review:
            log.warning("no review channel for notice community=%s: %s", community_key, text)
            return False

        async def send() -> MessageRef:
            return await self.app.outbox.send(review, Reply(text), nonce=nonce("notice", key))

        return isinstance(await self.once("notice", key, send), MessageRef)

    # -- the feed -------------------------------------------------------------

    async def publish(self, p: Posting) -> MessageRef | None:
        """Post a live posting's card to the feed channel (once), in its own thread if on."""
        feed_channel = await self.channel(p.community_key, S_FEED)
        if not feed_channel:
            return None
        zone = await self.app.zone(p.community_key)
        reply = render.feed_card(p, zone, self.app.clock.now(), discord=self.discord)
        threads = bool(await self.setting(p.community_key, S_THREADS))

        async def send() -> MessageRef:
            if threads and self.app.outbox.supports("threads"):
                ref = await self.app.outbox.open_thread(
                    feed_channel,
                    render.neutral(p.title, 90),
                    reply,
                    nonce=nonce("feed", p.id),
                )
            else:
                ref = await self.app.outbox.send(feed_channel, reply, nonce=nonce("feed", p.id))
            await self.store.set_fields(p.id, feed_ref=ref)
            return ref

        result = await self.once("feed", str(p.id), send)
        return result if isinstance(result, MessageRef) else None

    async def refresh_feed_card(self, posting_id: int) -> None:
        p = await self.store.get(posting_id)
        if p is None or p.feed_ref is None:
            return
        zone = await self.app.zone(p.community_key)
        now = self.app.clock.now()
        if p.status == "live":
            reply = render.feed_card(p, zone, now, discord=self.discord)
        else:
            reply = render.closed_card(p, zone, now)
        # The card is the thread's starter message: it lives in the channel, not in the
        # thread (`open_thread` returns the starter with `thread_id` set).
        ref = MessageRef(p.feed_ref.channel_id, p.feed_ref.message_id, None, p.feed_ref.extra)
        try:
            await self.app.outbox.edit(ref, reply)
        except DeliveryError as err:
            log.warning("feed card edit failed posting=%s error=%s", p.id, err)
            if not err.permanent:
                return
        if p.status != "live":
            await self.store.set_fields(p.id, feed_card_closed=True)

    # -- the submitter ----------------------------------------------------------

    async def tell_submitter(self, p: Posting) -> str | None:
        """Tell the member what moderators decided (once): DM, else a private note in the
        feed (or review) channel, else keep it for `postings mine`. Returns how they were
        told; None after a transient failure (the sweep tries again)."""
        if p.feed_id is not None:
            await self.store.set_fields(p.id, told="feed")
            return "feed"
        if p.status not in ("live", "rejected"):
            # Ended before anyone reached them: nothing useful to say now.
            await self.store.set_fields(p.id, told="skipped")
            return "skipped"
        feed_channel = await self.channel(p.community_key, S_FEED)
        title = render.neutral(p.title, 120)
        if p.status == "live":
            text = (
                f"Good news: your posting **{title}** was approved and is in "
                f"{self.mention(feed_channel)} now. Thanks for sharing it."
            )
        else:
            reason = render.neutral(p.reason or "no reason given", 500)
            text = (
                f"Your posting **{title}** wasn't approved. The moderator said: {reason}\n"
                "If you can fix that, you're welcome to submit it again with `postings submit`."
            )
        reply = Reply(text, private=True)
        how = "mine"

        async def send() -> bool:
            nonlocal how
            try:
                ref = await self.app.outbox.dm(p.submitter_id, reply)
            except DeliveryError as err:
                if not err.permanent:
                    raise  # released by once(); the sweep tries again
                ref = None  # refused for good: as if their DMs were closed
            if ref is not None:
                how = "dm"
                return True
            for channel in (feed_channel, await self.channel(p.community_key, S_REVIEW)):
                if channel and await self.app.outbox.send_private(channel, p.submitter_id, reply):
                    how = "private"
                    return True
            return True

        result = await self.once("outcome", str(p.id), send)
        if result is None:  # transient failure: the sweep tries again
            return None
        if result is False:
            return p.told
        await self.store.set_fields(p.id, told=how)
        return how
