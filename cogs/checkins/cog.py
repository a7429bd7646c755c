"""Weekly accountability check-ins: a thread each week, goals and progress, nudges, recaps.

How it behaves, and the decisions behind it:

- **Weeks** are ISO weeks (Monday to Sunday) on the community's wall clock, in the zone
  given to `checkins setup` (default: the community's `timezone` setting). Week keys look
  like "2026-W49"; every time is stored in UTC. Goals belong to the week in which they are
  set and can be edited until that week closes (Monday 00:00 local); a form opened before
  the close and sent after it is refused kindly rather than saved into the wrong week.
- **The weekly post** is a `Weekly` schedule (job `checkins:<community key>`, kind
  `checkins.post`, payload with the channel id). The handler claims
  `("checkins:post:<community key>:<channel>", "<ISO week>")` before it opens the thread,
  so a restart or a second instance posts once. More than 10 minutes after the minute the
  starter says it is late. The thread title is the week and its dates; the starter has a
  recap of last week (members who set goals, who reported back, who were away; streaks
  only of members who opted in with `checkin streaks on`) and 4 prompts from
  `advice/checkin-prompts.yaml`, rotating week by week (a short built-in list when the
  content has fewer than 3). The thread's ref is stored so replies in it can be matched.
- **Delivery failures**: a transient `DeliveryError` gives the claim back and raises, so
  the scheduler's next tick retries; after 5 failed tries in one process the week is
  given up (no retry storm). A permanent one (deleted channel, missing permission) keeps
  the claim and sends one notice per week (claim `checkins:notice:...`) to the admin who
  ran setup, or logs when that DM is impossible. The schedule stays, so next week is
  tried again; nothing loops.
- **Nudges** are a second schedule (kind `checkins.nudge`; default two days after the
  post at the same time, never past Sunday; `nudge_day:off` turns them off; a Sunday post
  has none unless configured). They DM only members who turned them on
  (`checkin remind on`, default off) and set goals that week and have neither reported
  nor marked the week away. Each DM claims `("checkins:nudge:<community>:<user>", week)`,
  so never twice a week, and carries a "Stop these" button.
- **Progress** comes from `checkin done` (options, or a form with one line per goal:
  "done", "partly" or "not yet", then a note) and from plain replies in the current
  week's thread. On Discord, reading those replies needs the privileged message-content
  intent (`discord.message_content_intent`); without it the bot still sees that a member
  replied (an empty message) and counts it, and everything works through commands.
- **Streaks** count weeks reported in a row. A week away, a week with no thread (paused)
  and the week in progress never break one. Streaks are private (`checkin me`) unless the
  member opts in to the recap.
- **Privacy**: goals, notes and history are only shown to their member; the public
  thread only ever carries counts, and names of members who opted in to streaks.
- `checkins pause weeks:n` skips the next n posts (and the nudges until then);
  `checkins resume` undoes it; `checkins stop` removes the schedules (history is kept).
"""

from __future__ import annotations

import asyncio
import time as monotonic_time
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.cog import Cog
from bot.core.commands import Option, command, listen, on_click, on_submit
from bot.core.context import Ctx
from bot.core.events import Channel, Incoming
from bot.core.outbox import DeliveryError
from bot.core.replies import Attachment, Form, FormField, Reply
from bot.core.safety import clip
from bot.core.usage import discord_path
from bot.errors import UserError
from bot.scheduling import Weekly
from cogs.checkins import render
from cogs.checkins.chart import render_png
from cogs.checkins.store import Goal, Setup, Store, WeekPost
from cogs.checkins.weeks import DAY_NAMES, DAYS, Week, last_weeks, parse_hhmm

POST_KIND = "checkins.post"
NUDGE_KIND = "checkins.nudge"
LATE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 5
CHART_WEEKS = 12
HISTORY_WEEKS = 12
THREAD_CACHE_SECONDS = 300.0
STATUS_CHOICES = ("done", "partly", "not-yet")


def post_job(key: str) -> str:
    return f"checkins:{key}"


def nudge_job(key: str) -> str:
    return f"checkins:{key}:nudge"


def check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UserError(
            f"`{name[:60]}` is not a time zone I know. Use an IANA name like Europe/London"
            " or America/New_York; nothing was changed."
        ) from None
    return name


def check_time(text: str, option: str) -> tuple[int, int]:
    parsed = parse_hhmm(text)
    if parsed is None:
        raise UserError(
            f"`{option}` needs a 24-hour time like 09:00 or 17:30; I got `{text[:20]}`."
            " Nothing was changed."
        )
    return parsed


class CheckinsCog(Cog):
    name = "checkins"
    description = "Weekly check-ins"

    async def setup(self) -> None:
        self.store = Store(self.app.db)
        self._attempts: dict[tuple[str, str], int] = {}
        # community key -> (week key, thread id or None, zone name, monotonic expiry)
        self._threads: dict[str, tuple[str, str | None, str, float]] = {}
        self.app.scheduler.on(POST_KIND, self.on_post)
        self.app.scheduler.on(NUDGE_KIND, self.on_nudge)

    async def teardown(self) -> None:
        for kind, handler in ((POST_KIND, self.on_post), (NUDGE_KIND, self.on_nudge)):
            if self.app.scheduler.handlers.get(kind) == handler:
                del self.app.scheduler.handlers[kind]

    # -- helpers ---------------------------------------------------------------

    def cmd(self, path: str, platform: str | None = None) -> str:
        """How a member types `path` on this platform."""
        platform = platform or self._platform()
        if platform == "slack":
            return f"{self.app.config.slack.command} {path}"
        if platform == "discord":
            bound = self.app.registry.commands.get(path)
            if bound is not None:
                return "/" + discord_path(bound.spec, self.app.registry.is_group(path))
        return "/" + path

    def _platform(self) -> str:
        try:
            return self.app.outbox.platform
        except RuntimeError:
            return "console"

    async def zone_of(self, key: str, setup: Setup | None = None) -> ZoneInfo:
        setup = setup if setup is not None else await self.store.get_setup(key)
        return ZoneInfo(setup.timezone) if setup else await self.app.zone(key)

    async def current_week(self, key: str) -> tuple[Week, ZoneInfo]:
        zone = await self.zone_of(key)
        return Week.of(self.app.clock.now(), zone), zone

    @staticmethod
    def community_of(ctx: Ctx, carried: str) -> str:
        """The community a button or form belongs to. In a DM the platform cannot tell us,
        so the value we put on the button is used; elsewhere the event's own community."""
        if ctx.channel.is_dm and carried:
            return carried
        return ctx.community.key

    def schedules_for(self, setup: Setup, name: str) -> tuple[Weekly, Weekly | None]:
        payload = {"community": setup.community_key, "channel": setup.channel_id, "name": name}
        post = Weekly(
            post_job(setup.community_key),
            POST_KIND,
            setup.weekday,
            setup.hour,
            setup.minute,
            setup.timezone,
            payload,
            setup.paused_until,
        )
        nudge = None
        if setup.nudge_weekday is not None:
            nudge = Weekly(
                nudge_job(setup.community_key),
                NUDGE_KIND,
                setup.nudge_weekday,
                setup.nudge_hour or 0,
                setup.nudge_minute or 0,
                setup.timezone,
                payload,
                setup.paused_until,
            )
        return post, nudge

    async def apply_schedules(self, setup: Setup, name: str) -> None:
        post, nudge = self.schedules_for(setup, name)
        await self.app.scheduler.put_weekly(post)
        if nudge is not None:
            await self.app.scheduler.put_weekly(nudge)
        else:
            await self.app.scheduler.delete_weekly(nudge_job(setup.community_key))

    def next_post(self, setup: Setup, after: datetime) -> datetime:
        post, _ = self.schedules_for(setup, "")
        when = post.next(after)
        while setup.paused_until is not None and when < setup.paused_until:
            when = post.next(when)
        return when

    async def require_setup(self, key: str) -> Setup:
        setup = await self.store.get_setup(key)
        if setup is None:
            raise UserError(
                f"Check-ins aren't set up here yet. An admin can start them with"
                f" `{self.cmd('checkins setup')}`."
            )
        return setup

    # -- admin commands ----------------------------------------------------------

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
        discord = ctx.platform == "discord"
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
                + render.when_both(resume_at, zone, now, discord=ctx.platform == "discord")
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
            self.next_post(setup, now), zone, now, discord=ctx.platform == "discord"
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
        discord = ctx.platform == "discord"
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

    # -- member commands ---------------------------------------------------------

    def goals_form(self, key: str, week: Week, goals: list[Goal]) -> Form:
        by_slot = {g.slot: g.text for g in goals}
        fields = tuple(
            FormField(
                f"goal{slot}",
                f"Goal {slot}",
                required=False,
                max_length=200,
                placeholder="small and concrete, e.g. send one cold email" if slot == 1 else "",
                default=by_slot.get(slot, ""),
            )
            for slot in (1, 2, 3)
        )
        return Form(
            self.action("goals"),
            f"Your goals for week {week.number}",
            fields,
            submit_label="Save",
            meta=f"{key}|{week.key}",
        )

    def done_form(self, key: str, week: Week, goals: list[Goal]) -> Form:
        if not goals:
            fields: tuple[FormField, ...] = (
                FormField("note", "How did your week go?", style="long", max_length=1000),
            )
        else:
            fields = tuple(
                FormField(
                    f"g{g.slot}",
                    clip(f"{g.slot}. {g.text}", 45),
                    required=False,
                    max_length=300,
                    placeholder="done, partly or not yet, then a note if you like",
                    default=render.answer_of(g),
                )
                for g in goals
            ) + (
                FormField(
                    "note",
                    "Anything else? (optional)",
                    style="long",
                    required=False,
                    max_length=1000,
                ),
            )
        return Form(
            self.action("done"),
            f"Progress, week {week.number}",
            fields,
            submit_label="Report",
            meta=f"{key}|{week.key}",
        )

    def open_week(self, meta: str, ctx: Ctx, current: Week) -> tuple[str, Week]:
        carried_key, _, week_key = meta.rpartition("|")
        key = self.community_of(ctx, carried_key)
        try:
            week = Week.parse(week_key)
        except ValueError:
            week = current
        if week != current:
            raise UserError(
                f"{week.title} closed while the form was open, so I didn't change it."
                f" `{self.cmd('checkin goals')}` works for this week."
            )
        return key, week

    @command("checkin goals", "Set or edit up to 3 goals for this week", opens_form=True)
    async def checkin_goals(self, ctx: Ctx) -> None:
        await self._open_goals(ctx, ctx.community.key)

    async def _open_goals(self, ctx: Ctx, key: str) -> None:
        week, _ = await self.current_week(key)
        goals = await self.store.get_goals(key, week, ctx.user.id)
        await ctx.open_form(self.goals_form(key, week, goals))

    @on_submit("goals")
    async def goals_submitted(self, ctx: Ctx, values: dict[str, str], meta: str) -> None:
        carried = meta.rpartition("|")[0]
        week, zone = await self.current_week(self.community_of(ctx, carried))
        key, week = self.open_week(meta, ctx, week)
        texts = [values.get(f"goal{i}", "") for i in (1, 2, 3)]
        now = self.app.clock.now()
        before = await self.store.get_goals(key, week, ctx.user.id)
        goals = await self.store.set_goals(key, week, ctx.user.id, texts, now)
        await self.store.save_member(key, ctx.user.id, ctx.user.name, now)
        if not goals:
            text = (
                f"Your goals for {week.title} are cleared."
                if before
                else "No goals saved; that's fine. Set some any time this week."
            )
        else:
            closes = week.ends_at(zone)
            text = "\n".join(
                [
                    f"Saved your goals for {week.title}:",
                    *[render.goal_line(g) for g in goals],
                    f"You can edit them until the week closes ({render.show_time(closes, zone, now)})."
                    f" Report with `{self.cmd('checkin done')}` or a reply in the week's thread.",
                ]
            )
        await ctx.reply(Reply(text, private=True))

    @command(
        "checkin done",
        "Report progress: mark goals done, partly or not yet, with a note",
        Option(
            "goal",
            "which goal (1 to 3); leave out to get a form",
            kind="int",
            min_value=1,
            max_value=3,
        ),
        Option("status", "done, partly or not-yet", choices=STATUS_CHOICES),
        Option("note", "a few words on how it went", rest=True, max_length=500),
        opens_form=True,
    )
    async def checkin_done(
        self, ctx: Ctx, goal: int | None = None, status: str | None = None, note: str | None = None
    ) -> None:
        key = ctx.community.key
        week, _ = await self.current_week(key)
        goals = await self.store.get_goals(key, week, ctx.user.id)
        if goal is None and status is None and note is None:
            await ctx.open_form(self.done_form(key, week, goals))
            return
        updates: dict[int, tuple[str | None, str | None]] = {}
        if goals and (goal is not None or status is not None):
            if goal is None:
                if len(goals) > 1:
                    raise UserError(
                        f"Which goal? Add its number, e.g. `{self.cmd('checkin done')} goal:1"
                        f" status:{status or 'done'}`. `{self.cmd('checkin me')}` lists them."
                    )
                goal = goals[0].slot
            if goal not in {g.slot for g in goals}:
                raise UserError(
                    f"You have {render.plural(len(goals), 'goal')} this week, so goal {goal}"
                    f" isn't one. `{self.cmd('checkin me')}` lists them."
                )
            word = status.replace("-", "_") if status else None
            updates[goal] = (word, note)
        elif goal is not None:
            raise UserError(
                f"You have no goals set this week. Add some with `{self.cmd('checkin goals')}`,"
                f" or just tell me how it went: `{self.cmd('checkin done')} note:...`."
            )
        summary = " ".join(x for x in (status or "", note or "") if x)
        await self._record(ctx, key, week, source="command", text=summary, updates=updates)

    @on_submit("done")
    async def done_submitted(self, ctx: Ctx, values: dict[str, str], meta: str) -> None:
        carried = meta.rpartition("|")[0]
        current, _ = await self.current_week(self.community_of(ctx, carried))
        key, week = self.open_week(meta, ctx, current)
        goals = await self.store.get_goals(key, week, ctx.user.id)
        updates: dict[int, tuple[str | None, str | None]] = {}
        parts: list[str] = []
        for g in goals:
            raw = values.get(f"g{g.slot}", "").strip()
            if not raw:
                continue
            status, note = render.parse_status(raw)
            updates[g.slot] = (status, note)
            parts.append(raw)
        extra = values.get("note", "").strip()
        if extra:
            parts.append(extra)
        if not parts:
            await ctx.reply(Reply("Nothing to save, so I left this week as it was.", private=True))
            return
        await self._record(ctx, key, week, source="form", text="\n".join(parts), updates=updates)

    async def _record(
        self,
        ctx: Ctx,
        key: str,
        week: Week,
        *,
        source: str,
        text: str,
        updates: dict[int, tuple[str | None, str | None]],
    ) -> None:
        now = self.app.clock.now()
        await self.store.report(
            key, week, ctx.user.id, now, source=source, text=text, updates=updates
        )
        await self.store.save_member(key, ctx.user.id, ctx.user.name, now)
        goals = await self.store.get_goals(key, week, ctx.user.id)
        lines = [f"Thanks for reporting back for {week.title}."]
        lines.extend(render.goal_line(g) for g in goals)
        unknown = [s for s, (status, _) in updates.items() if status is None]
        if unknown and source == "form":
            lines.append(
                "Where you didn't start with done, partly or not yet, I kept the note and left"
                " the goal as it was."
            )
        await ctx.reply(Reply("\n".join(lines), private=True))

    @command("checkin skip", "Mark this week as away; your streak stays")
    async def checkin_skip(self, ctx: Ctx) -> None:
        await self._skip(ctx, ctx.community.key)

    async def _skip(self, ctx: Ctx, key: str) -> None:
        week, _ = await self.current_week(key)
        now = self.app.clock.now()
        fresh = await self.store.set_away(key, week, ctx.user.id, now)
        await self.store.save_member(key, ctx.user.id, ctx.user.name, now)
        text = (
            f"Marked you away for {week.title}. Take care; your streak stays as it is, and no"
            f" nudges this week. Back sooner? `{self.cmd('checkin done')}` works as usual."
            if fresh
            else f"You're already marked away for {week.title}. Enjoy the break."
        )
        await ctx.reply(Reply(text, private=True))

    @command("checkin me", "Your check-in history and streak (only you see it)")
    async def checkin_me(self, ctx: Ctx) -> None:
        key = ctx.community.key
        week, _ = await self.current_week(key)
        user = ctx.user.id
        span = last_weeks(week, HISTORY_WEEKS)
        keys = [w.key for w in span]
        entries = await self.store.entries_for(key, user, keys)
        tallies = await self.store.goal_tallies(key, user, keys)
        goals = await self.store.get_goals(key, week, user)
        streak = await self.store.streak(key, user, week)
        member = await self.store.get_member(key, user)
        lines = [f"**This week, {week.title}**"]
        this = entries.get(week.key)
        if this is not None and this.away:
            lines.append("You're marked away this week.")
        if goals:
            lines.extend(render.goal_line(g) for g in goals)
        else:
            lines.append(f"No goals yet; `{self.cmd('checkin goals')}` sets up to three.")
        lines.append(
            f"**Streak:** {render.plural(streak, 'week')} reported in a row"
            " (weeks away don't break it)."
            if streak
            else "**Streak:** it starts with your next report."
        )
        history = [
            line
            for w in reversed(span[:-1])
            if (line := render.history_line(w, entries.get(w.key), tallies.get(w.key, {})))
        ]
        if history:
            lines.append("**Earlier weeks**")
            lines.extend(history[:8])
        lines.append(
            f"Nudges: {'on' if member.remind else 'off'} (`{self.cmd('checkin remind')}`)."
            f" Streak in the weekly recap: {'on' if member.show_streak else 'off'}"
            f" (`{self.cmd('checkin streaks')}`)."
        )
        await ctx.reply(Reply("\n".join(lines), private=True))

    @command(
        "checkin remind",
        "Turn nudge DMs on or off (off unless you ask)",
        Option("state", "on or off", kind="bool"),
    )
    async def checkin_remind(self, ctx: Ctx, state: bool | None = None) -> None:
        key = ctx.community.key
        if state is None:
            member = await self.store.get_member(key, ctx.user.id)
            await ctx.reply(
                Reply(
                    f"Nudges are {'on' if member.remind else 'off'} for you."
                    f" `{self.cmd('checkin remind')} on` or `off` changes that.",
                    private=True,
                )
            )
            return
        await self._set_remind(ctx, key, state)

    async def _set_remind(self, ctx: Ctx, key: str, state: bool) -> None:
        await self.store.save_member(
            key, ctx.user.id, ctx.user.name, self.app.clock.now(), remind=state
        )
        if state:
            setup = await self.store.get_setup(key)
            when = (
                f" on {DAY_NAMES[setup.nudge_weekday]} at"
                f" {render.hhmm(setup.nudge_hour or 0, setup.nudge_minute or 0)}"
                if setup and setup.nudge_weekday is not None
                else ""
            )
            text = (
                f"Nudges on: in a week where you set goals and haven't reported yet, I'll DM you"
                f" once{when}. `{self.cmd('checkin remind')} off` stops them."
            )
            if setup is not None and setup.nudge_weekday is None:
                text += " (This community has no nudge time set at the moment.)"
        else:
            text = "Nudges off. I won't DM you about check-ins."
        await ctx.reply(Reply(text, private=True))

    @command(
        "checkin streaks",
        "Show your streak in the weekly recap, or keep it private (default)",
        Option("state", "on or off", kind="bool", required=True),
    )
    async def checkin_streaks(self, ctx: Ctx, state: bool) -> None:
        key = ctx.community.key
        await self.store.save_member(
            key, ctx.user.id, ctx.user.name, self.app.clock.now(), show_streak=state
        )
        text = (
            "Your streak will appear in the weekly recap, by your display name."
            f" `{self.cmd('checkin streaks')} off` takes it out."
            if state
            else f"Your streak stays private; `{self.cmd('checkin me')}` shows it to you."
        )
        await ctx.reply(Reply(text, private=True))

    # -- buttons -----------------------------------------------------------------

    @on_click("goals")
    async def click_goals(self, ctx: Ctx, value: str) -> None:
        await self._open_goals(ctx, ctx.community.key)

    @on_click("done")
    async def click_done(self, ctx: Ctx, value: str) -> None:
        key = self.community_of(ctx, value if ":" in value else "")
        week, _ = await self.current_week(key)
        goals = await self.store.get_goals(key, week, ctx.user.id)
        await ctx.open_form(self.done_form(key, week, goals))

    @on_click("skip")
    async def click_skip(self, ctx: Ctx, value: str) -> None:
        await self._skip(ctx, ctx.community.key)

    @on_click("stop-nudges")
    async def click_stop_nudges(self, ctx: Ctx, value: str) -> None:
        await self._set_remind(ctx, self.community_of(ctx, value), False)

    # -- thread replies ----------------------------------------------------------

    async def _week_thread(self, key: str) -> tuple[str, str | None]:
        """(current week key, its thread id or None), cached briefly per community."""
        cached = self._threads.get(key)
        clock_now = monotonic_time.monotonic()
        if cached is not None and cached[3] > clock_now:
            week = Week.of(self.app.clock.now(), ZoneInfo(cached[2]))
            if week.key == cached[0]:
                return cached[0], cached[1]
        setup = await self.store.get_setup(key)
        if setup is None:
            self._threads[key] = ("", None, "UTC", clock_now + THREAD_CACHE_SECONDS)
            return "", None
        week = Week.of(self.app.clock.now(), ZoneInfo(setup.timezone))
        post = await self.store.get_post(key, week)
        thread = post.thread_id if post else None
        # Cache a found thread for the week; look again soon while none is posted yet.
        ttl = THREAD_CACHE_SECONDS if thread else 30.0
        self._threads[key] = (week.key, thread, setup.timezone, clock_now + ttl)
        return week.key, thread

    @listen("message")
    async def on_message(self, ctx: Ctx, message: Incoming) -> None:
        if message.user.is_bot or message.is_edit or message.channel.is_dm:
            return
        key = message.community.key
        week_key, thread = await self._week_thread(key)
        if thread is None or thread not in {message.channel.thread_id, message.channel.id}:
            return
        week = Week.parse(week_key)
        now = self.app.clock.now()
        first = await self.store.report(
            key, week, message.user.id, now, source="thread", text=message.text
        )
        await self.store.save_member(key, message.user.id, message.user.name, now)
        self.log.info(
            "checkin reply counted community=%s week=%s user=%s", key, week.key, message.user.key
        )
        if first:
            try:
                await self.app.outbox.send_private(
                    message.channel.id,
                    message.user.id,
                    Reply(
                        f"Counted your reply as your check-in for {week.title}."
                        f" `{self.cmd('checkin done')}` marks single goals.",
                        private=True,
                    ),
                )
            except DeliveryError:
                self.log.info("could not confirm a thread reply privately community=%s", key)

    # -- scheduled work ----------------------------------------------------------

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
