"""Scheduled work: the weekly post (with recap and prompts), admin notices, nudges."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.outbox import DeliveryError
from bot.core.replies import Reply
from bot.scheduling import Weekly
from cogs.checkins import render
from cogs.checkins.base import LATE_AFTER, MAX_ATTEMPTS, CheckinsBase
from cogs.checkins.store import Setup, WeekPost
from cogs.checkins.weeks import Week


class WeeklyJobs(CheckinsBase):
    def _failed(self, job: str, period: str) -> bool:
        """Count a failed attempt; True when it is time to give up on this period."""
        n = self._attempts.get((job, period), 0) + 1
        self._attempts[(job, period)] = n
        return n >= MAX_ATTEMPTS

    async def on_post(self, sched: Weekly, occurrence: datetime) -> None:
        key = str(sched.payload.get("community", ""))
        setup = await self.store.get_setup(key)
        if setup is None:
            self.log.warning("checkins post without setup job=%s", sched.job_id)
            return
        channel = setup.channel_id
        zone = ZoneInfo(setup.timezone)
        week = Week.of(occurrence, zone)
        if await self.store.get_post(key, week) is not None:
            # Already up this week, perhaps in the channel used before a change of setup.
            self.log.info("checkins thread exists community=%s week=%s", key, week.key)
            return
        job = f"checkins:post:{key}:{channel}"
        if not await self.app.scheduler.claim(job, week.key):
            self.log.info("checkins already posted community=%s week=%s", key, week.key)
            return
        now = self.app.clock.now()
        late = now - occurrence > LATE_AFTER
        try:
            starter = await self.starter(key, week, late)
            ref = await self.app.outbox.open_thread(
                channel, week.title, starter, nonce=render.nonce(key, week.key)
            )
        except DeliveryError as err:
            if err.permanent:
                self.log.warning(
                    "checkins post failed for good community=%s channel=%s week=%s reason=%s",
                    key,
                    channel,
                    week.key,
                    err,
                )
                await self.notify_admins(setup, week, str(err))
                return
            await self._retry_or_give_up(setup, job, week, err)
            raise
        except Exception as err:
            await self._retry_or_give_up(setup, job, week, err)
            raise
        await self.store.save_post(
            WeekPost(
                key, week.key, channel, ref.message_id, ref.thread_id or ref.message_id, now, late
            )
        )
        self._threads.pop(key, None)
        self.log.info(
            "checkins posted community=%s channel=%s week=%s late=%s", key, channel, week.key, late
        )

    async def _retry_or_give_up(self, setup: Setup, job: str, week: Week, err: Exception) -> None:
        if self._failed(job, week.key):
            self.log.error(
                "checkins post gave up community=%s week=%s after=%d reason=%s",
                setup.community_key,
                week.key,
                MAX_ATTEMPTS,
                err,
            )
            await self.notify_admins(setup, week, "sending kept failing")
            return
        await self.app.scheduler.release(job, week.key)
        self.log.warning(
            "checkins post failed, will retry community=%s week=%s reason=%s",
            setup.community_key,
            week.key,
            err,
        )

    async def notify_admins(self, setup: Setup, week: Week, reason: str) -> None:
        key = setup.community_key
        if not await self.app.scheduler.claim(
            f"checkins:notice:{key}:{setup.channel_id}", week.key
        ):
            return
        reply = render.notice(
            week, self.app.outbox.mention_channel(setup.channel_id), reason, self.cmd
        )
        try:
            sent = await self.app.outbox.dm(setup.admin_user_id, reply)
        except DeliveryError as err:
            sent = None
            self.log.warning("checkins notice failed community=%s reason=%s", key, err)
        if sent is None:
            self.log.warning(
                "checkins could not tell the admin community=%s admin=%s week=%s problem=%s",
                key,
                setup.admin_user_id,
                week.key,
                reason,
            )
        else:
            self.log.info("checkins notice sent community=%s admin=%s", key, setup.admin_user_id)

    async def starter(self, key: str, week: Week, late: bool) -> Reply:
        last = week.previous
        counts = (await self.store.counts(key, [last.key]))[last.key]
        streaks: list[tuple[str, int]] = []
        for member in await self.store.streak_members(key):
            n = await self.store.streak(key, member.user_id, week)
            if n:
                streaks.append((member.name or member.user_id, n))
        streaks.sort(key=lambda s: (-s[1], s[0].lower()))
        return render.starter(
            week,
            recap=render.recap_line(counts, streaks),
            prompts=render.choose_prompts(week, self.prompt_pool()),
            late=late,
            cmd=self.cmd,
            action=self.action,
        )

    def prompt_pool(self) -> list[render.Prompt]:
        content = self.app.content
        pool = []
        for prompt_id in sorted(content.checkin_prompts):
            item = content.checkin_prompts[prompt_id]
            source = content.sources.get(item.source)
            credit = source.author if source else ""
            pool.append(render.Prompt(item.text, credit))
        return pool

    async def on_nudge(self, sched: Weekly, occurrence: datetime) -> None:
        key = str(sched.payload.get("community", ""))
        setup = await self.store.get_setup(key)
        if setup is None or setup.nudge_weekday is None:
            return
        week = Week.of(occurrence, ZoneInfo(setup.timezone))
        name = str(sched.payload.get("name", ""))
        retry = False
        sent = 0
        for user_id in await self.store.nudge_candidates(key, week):
            job = f"checkins:nudge:{key}:{user_id}"
            if not await self.app.scheduler.claim(job, week.key):
                continue
            goals = await self.store.get_goals(key, week, user_id)
            reply = render.nudge(
                week,
                goals,
                community_key=key,
                community_name=name,
                cmd=self.cmd,
                action=self.action,
            )
            try:
                ref = await self.app.outbox.dm(user_id, reply)
            except DeliveryError as err:
                if not err.permanent and not self._failed(job, week.key):
                    await self.app.scheduler.release(job, week.key)
                    retry = True
                self.log.warning(
                    "checkins nudge failed community=%s user=%s reason=%s", key, user_id, err
                )
                continue
            if ref is None:
                self.log.info("checkins nudge not delivered (DMs closed) user=%s", user_id)
            else:
                sent += 1
        self.log.info("checkins nudges community=%s week=%s sent=%d", key, week.key, sent)
        if retry:
            raise RuntimeError("some nudges hit a passing error; a later tick retries them")
