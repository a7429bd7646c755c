"""Admin commands (setup, pause, resume, stop) and the public status and stats."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.core.commands import Option, command
from bot.core.context import Ctx
from bot.core.events import Channel
from bot.core.replies import Attachment, Reply
from bot.errors import UserError
from cogs.checkins import render
from cogs.checkins.base import (
    CHART_WEEKS,
    CheckinsBase,
    check_time,
    check_zone,
    nudge_job,
    post_job,
)
from cogs.checkins.chart import render_png
from cogs.checkins.store import Setup
from cogs.checkins.weeks import DAY_NAMES, DAYS, Week, last_weeks


class AdminCommands(CheckinsBase):
    @command(
        "checkins setup",
        "Post a check-in thread every week (admins)",
        Option("channel", "where the weekly thread goes", kind="channel", required=True),
        Option("day", "weekday of the post", required=True, choices=DAYS),
        Option("time", "local time of the post, 24-hour HH:MM", required=True, max_length=10),
        Option(
            "timezone", "IANA zone, e.g. Europe/London (default: the community's)", max_length=64
        ),
        Option(
            "nudge_day",
            "day for reminder DMs (default: two days later; off for none)",
            choices=(*DAYS, "off"),
        ),
        Option(
            "nudge_time", "time for reminder DMs, HH:MM (default: the post time)", max_length=10
        ),
        permission="admin",
    )
    async def checkins_setup(
        self,
        ctx: Ctx,
        channel: Channel,
        day: str,
        time: str,
        timezone: str | None = None,
        nudge_day: str | None = None,
        nudge_time: str | None = None,
    ) -> None:
        key = ctx.community.key
        hour, minute = check_time(time, "time")
        zone_name = check_zone(timezone) if timezone else str((await self.app.zone(key)).key)
        weekday = DAYS.index(day)
        n_hour, n_minute = check_time(nudge_time, "nudge_time") if nudge_time else (hour, minute)
        if nudge_day == "off":
            n_weekday: int | None = None
        elif nudge_day is not None:
            n_weekday = DAYS.index(nudge_day)
        elif weekday == 6 and nudge_time is None:
            n_weekday = None  # a Sunday post: the week closes that night
        else:
            n_weekday = min(weekday + 2, 6)
        if n_weekday is not None and (n_weekday, n_hour, n_minute) <= (weekday, hour, minute):
            raise UserError(
                "The nudge has to come after the post in the same week (weeks run Monday to"
                f" Sunday), e.g. `nudge_day:{DAYS[min(weekday + 2, 6)]}`. Nothing was changed."
            )
        info = await self.app.outbox.channel_info(channel.id)
        if info is None:
            raise UserError(
                f"I can't see {self.app.outbox.mention_channel(channel.id)}. Check that it exists"
                " and that I'm allowed in it, then try again. Nothing was changed."
            )
        old = await self.store.get_setup(key)
        now = self.app.clock.now()
        paused = old.paused_until if old and old.paused_until and old.paused_until > now else None
        setup = Setup(
            key,
            channel.id,
            weekday,
            hour,
            minute,
            zone_name,
            n_weekday,
            n_hour if n_weekday is not None else None,
            n_minute if n_weekday is not None else None,
            paused,
            ctx.user.id,
        )
        await self.store.save_setup(setup, now)
        await self.apply_schedules(setup, ctx.community.name)
        self._threads.pop(key, None)
        self.log.info(
            "checkins set up community=%s channel=%s day=%s time=%s zone=%s by=%s",
            key,
            channel.id,
            day,
            render.hhmm(hour, minute),
            zone_name,
            ctx.user.key,
        )
        zone = ZoneInfo(zone_name)
        discord = ctx.supports("timestamps")
        lines = [
            f"Check-ins are set up: {render.schedule_sentence(weekday, hour, minute, zone)}"
            f" I'll open a thread in {self.app.outbox.mention_channel(channel.id)}.",
            "First post: "
            + render.when_both(self.next_post(setup, now), zone, now, discord=discord)
            + ".",
        ]
        if n_weekday is not None:
            lines.append(
                f"Members who turn nudges on (`{self.cmd('checkin remind')} on`) get one DM on"
                f" {DAY_NAMES[n_weekday]} at {render.hhmm(n_hour, n_minute)} if they set goals"
                " and haven't reported yet."
            )
        else:
            lines.append("No nudge DMs (add `nudge_day:` and `nudge_time:` to have them).")
        if paused:
            lines.append("Check-ins are still paused; `checkins resume` restarts them now.")
        await ctx.reply(Reply("\n".join(lines), private=True))

    @command(
        "checkins pause",
        "Skip the next few weekly posts, e.g. for holidays (admins)",
        Option(
            "weeks",
            "how many weekly posts to skip",
            kind="int",
            required=True,
            min_value=1,
            max_value=12,
        ),
        permission="admin",
    )
    async def checkins_pause(self, ctx: Ctx, weeks: int) -> None:
        key = ctx.community.key
        setup = await self.require_setup(key)
        now = self.app.clock.now()
        post, _ = self.schedules_for(setup, "")
        resume_at = post.next(now)
        for _ in range(weeks):
            resume_at = post.next(resume_at)
        setup = replace(setup, paused_until=resume_at)
        await self.store.save_setup(setup, now)
        await self.apply_schedules(setup, ctx.community.name)
        zone = ZoneInfo(setup.timezone)
        self.log.info("checkins paused community=%s weeks=%d by=%s", key, weeks, ctx.user.key)
        await ctx.reply(
            Reply(
                f"Paused: I'll skip the next {render.plural(weeks, 'weekly post')} and the nudges"
                " until then. Next post: "
                + render.when_both(resume_at, zone, now, discord=ctx.supports("timestamps"))
                + f". `{self.cmd('checkins resume')}` restarts sooner.",
                private=True,
            )
        )

    @command("checkins resume", "Restart paused check-ins (admins)", permission="admin")
    async def checkins_resume(self, ctx: Ctx) -> None:
        key = ctx.community.key
        setup = await self.require_setup(key)
        now = self.app.clock.now()
        if setup.paused_until is None or setup.paused_until <= now:
            text = "Check-ins aren't paused. Next post: "
        else:
            setup = replace(setup, paused_until=None)
            await self.store.save_setup(setup, now)
            await self.apply_schedules(setup, ctx.community.name)
            self.log.info("checkins resumed community=%s by=%s", key, ctx.user.key)
            text = "Check-ins are back on. Next post: "
        zone = ZoneInfo(setup.timezone)
        when = render.when_both(
            self.next_post(setup, now), zone, now, discord=ctx.supports("timestamps")
        )
        await ctx.reply(Reply(text + when + ".", private=True))

    @command(
        "checkins stop", "Stop weekly check-ins here; history is kept (admins)", permission="admin"
    )
    async def checkins_stop(self, ctx: Ctx) -> None:
        key = ctx.community.key
        await self.require_setup(key)
        await self.app.scheduler.delete_weekly(post_job(key))
        await self.app.scheduler.delete_weekly(nudge_job(key))
        await self.store.delete_setup(key)
        self._threads.pop(key, None)
        self.log.info("checkins stopped community=%s by=%s", key, ctx.user.key)
        await ctx.reply(
            Reply(
                "Check-ins are off: no more weekly threads or nudges. Members' history is kept;"
                f" `{self.cmd('checkins setup')}` starts them again.",
                private=True,
            )
        )

    @command("checkins status", "When the next check-in thread goes up")
    async def checkins_status(self, ctx: Ctx) -> None:
        key = ctx.community.key
        setup = await self.require_setup(key)
        now = self.app.clock.now()
        zone = ZoneInfo(setup.timezone)
        discord = ctx.supports("timestamps")
        channel = self.app.outbox.mention_channel(setup.channel_id)
        lines = [
            f"Check-ins go up {render.schedule_sentence(setup.weekday, setup.hour, setup.minute, zone)}"
            f" in {channel}.",
            "Next post: "
            + render.when_both(self.next_post(setup, now), zone, now, discord=discord)
            + ".",
        ]
        if setup.paused_until is not None and setup.paused_until > now:
            lines.append("Paused for now; that is the first post after the pause.")
        if setup.nudge_weekday is not None:
            lines.append(
                f"Nudges (for members who turned them on): {DAY_NAMES[setup.nudge_weekday]}"
                f" at {render.hhmm(setup.nudge_hour or 0, setup.nudge_minute or 0)}."
            )
        else:
            lines.append("No nudge DMs are set up.")
        week = Week.of(now, zone)
        post = await self.store.get_post(key, week)
        lines.append(
            f"This week's thread ({week.title}) is up."
            if post
            else f"{week.title} has no thread yet."
        )
        await ctx.reply(Reply("\n".join(lines), private=True))

    @command(
        "checkins stats",
        "A chart of the last 12 weeks: who set goals, who reported back",
        private=False,
    )
    async def checkins_stats(self, ctx: Ctx) -> None:
        await ctx.defer(private=False)
        key = ctx.community.key
        week, _ = await self.current_week(key)
        span = last_weeks(week, CHART_WEEKS)
        counts = await self.store.counts(key, [w.key for w in span])
        labels = [w.short for w in span]
        labels[-1] += "\n(now)"
        set_goals = [counts[w.key].set_goals for w in span]
        reported = [counts[w.key].reported for w in span]
        png = await asyncio.to_thread(
            render_png,
            labels,
            set_goals,
            reported,
            f"Check-ins, {span[0].title} to {span[-1].title}",
        )
        this = counts[week.key]
        text = (
            f"Check-ins over the last {CHART_WEEKS} weeks. This week so far:"
            f" {this.set_goals} set goals, {this.reported} reported back."
        )
        await ctx.reply(
            Reply(
                text,
                attachment=Attachment(f"checkins-{week.key}.png", png, "Check-ins, last 12 weeks"),
                private=False,
            )
        )
