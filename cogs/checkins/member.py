"""Member commands: goals, progress, away weeks, history, choices; buttons; thread replies."""

from __future__ import annotations

import time as monotonic_time
from zoneinfo import ZoneInfo

from bot.core.commands import Option, command, listen, on_click, on_submit
from bot.core.context import Ctx
from bot.core.events import Incoming
from bot.core.outbox import DeliveryError
from bot.core.replies import Form, FormField, Reply
from bot.core.safety import clip
from bot.errors import UserError
from cogs.checkins import render
from cogs.checkins.base import (
    HISTORY_WEEKS,
    NO_THREAD_CACHE_SECONDS,
    STATUS_CHOICES,
    THREAD_CACHE_SECONDS,
    CheckinsBase,
)
from cogs.checkins.store import Goal
from cogs.checkins.weeks import DAY_NAMES, Week, last_weeks


class MemberCommands(CheckinsBase):
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
                    "Anything else?",
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
            if not cached[0]:
                return "", None  # no check-ins in this community
            week = Week.of(self.app.clock.now(), ZoneInfo(cached[2]))
            if week.key == cached[0]:
                return cached[0], cached[1]
        setup = await self.store.get_setup(key)
        if setup is None:
            self._threads[key] = ("", None, "UTC", clock_now + NO_THREAD_CACHE_SECONDS)
            return "", None
        week = Week.of(self.app.clock.now(), ZoneInfo(setup.timezone))
        post = await self.store.get_post(key, week)
        thread = post.thread_id if post else None
        # Cache a found thread for the week; look again soon while none is posted yet.
        ttl = THREAD_CACHE_SECONDS if thread else NO_THREAD_CACHE_SECONDS
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
