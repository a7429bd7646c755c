"""Rejection support: `/rejected`, `/encourage ...`, and kind automatic replies members can stop.

Commands
- `/rejected [where] [stage]`: a private reply with one story matched to the stage (any
  story when none matches; never the one just shown), one next step, credit, and buttons
  [Another story] [What to do next] [Stop].
- `/encourage off|on`: a member turns automatic replies to them off or back on.
- `/encourage channel on|off [channel]` (admins): automatic replies per channel, off by default.
- `/encourage status`: what is on, and when the next automatic reply could come.

Automatic replies (a message listener), in order of cost; any "no" ends it silently:
bots, edits (an edited message never gets a reply of its own), DMs; a "no bot" marker
(see `NO_BOT`) in the thread's title or starter or in the message; the detector
(`detector.classify`) saying this is not the author reporting their own rejection; the
channel not enabled; the member opted out; the message already claimed
(`("encourage:msg", "<community>:<channel>:<message id>")`, which absorbs Discord gateway
replays and Slack retries); the member's cooldown (`encourage.cooldown_days`, default 7).
If the send fails, the claim and the cooldown are given back.

Reply shape: where the platform can show a message in the channel to the author alone
(`Outbox.send_private`: Slack ephemeral, the console), the story goes there. Elsewhere
(Discord) one short public line with [Show me] [Not now] [Never]; only the author's clicks
count, and the story opens as an ephemeral reply to them. The bot never DMs unasked.

Discord: automatic replies need the privileged Message Content intent (enabled in the
developer portal and requested by the adapter). Without it guild messages arrive with
empty text, the detector sees nothing, and only `/rejected` works.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bot.content.schema import STAGES
from bot.core.cog import Cog
from bot.core.commands import Option, command, listen, on_click
from bot.core.context import Ctx
from bot.core.events import Channel, Incoming
from bot.core.replies import Reply
from bot.core.timefmt import show_time
from bot.errors import UserError
from bot.storage.settings import SettingSpec, channel_scope, user_scope
from bot.storage.tables import settings as settings_table
from cogs.encouragement import compose
from cogs.encouragement.detector import classify
from cogs.encouragement.store import EncouragementStore

if TYPE_CHECKING:
    from bot.app import App

AUTO = "encourage.auto"  # user scope: automatic replies to this member (default on)
ENABLED = "encourage.enabled"  # channel scope: automatic replies in this channel (default off)
COOLDOWN = "encourage.cooldown_days"  # community scope
MESSAGE_JOB = "encourage:msg"

# "[no bot]", "no bot", "no-bot", "no_bot", "nobot", "no bots", "🚫🤖" (case-insensitive).
NO_BOT = re.compile(r"\bno[ _-]?bots?\b|\U0001f6ab\s*\U0001f916", re.IGNORECASE)


def has_no_bot_marker(*texts: str) -> bool:
    return any(NO_BOT.search(t) for t in texts if t)


def _cooldown_days(value: object) -> int:
    try:
        days = int(str(value))
    except ValueError:
        raise UserError("`encourage.cooldown_days` takes a whole number of days.") from None
    if not 0 <= days <= 365:
        raise UserError("`encourage.cooldown_days` must be between 0 and 365.")
    return days


class EncouragementCog(Cog):
    name = "encouragement"
    description = "Support after a rejection"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.store = EncouragementStore(app.db)
        self.rng = random.Random()

    async def forget_member(self, community_key: str, user_id: str) -> None:
        await self.store.forget(community_key, user_id)

    async def setup(self) -> None:
        # Replays and retries come within hours; a month of message claims is plenty.
        self.app.scheduler.expire_claims(MESSAGE_JOB, timedelta(days=30))
        reg = self.app.settings.register
        reg(
            SettingSpec(
                "user",
                AUTO,
                True,
                kind="bool",
                description="automatic replies to this member after a rejection",
                editable=False,
            )
        )
        reg(
            SettingSpec(
                "channel",
                ENABLED,
                False,
                kind="bool",
                description="automatic replies to rejection messages in this channel",
                editable=False,
            )
        )
        reg(
            SettingSpec(
                "community",
                COOLDOWN,
                7,
                kind="int",
                description="at most one automatic encouragement per member per this many days",
                validate=_cooldown_days,
            )
        )

    # -- helpers -------------------------------------------------------------

    def _typed(self, ctx: Ctx, path: str) -> str:
        """How the member types a command here, in backticks."""
        return f"`{self.app.typed(path, platform=ctx.platform)}`"

    async def _wants_auto(self, community: str, user_id: str) -> bool:
        return bool(await self.app.settings.get("user", user_scope(community, user_id), AUTO))

    async def _set_auto(self, community: str, user_id: str, on: bool) -> None:
        await self.app.settings.set("user", user_scope(community, user_id), AUTO, on)

    async def _channel_on(self, community: str, channel_id: str) -> bool:
        scope = channel_scope(community, channel_id)
        return bool(await self.app.settings.get("channel", scope, ENABLED))

    async def _cooldown(self, community: str) -> int:
        return int(await self.app.settings.get("community", community, COOLDOWN))

    async def _enabled_channels(self, community: str) -> list[str]:
        prefix = channel_scope(community, "")
        async with self.app.db.read() as conn:
            rows = await conn.execute(
                sa.select(settings_table.c.scope_id, settings_table.c.value).where(
                    settings_table.c.scope == "channel",
                    settings_table.c.key == ENABLED,
                    settings_table.c.scope_id.startswith(prefix, autoescape=True),
                )
            )
            return sorted(scope_id[len(prefix) :] for scope_id, value in rows if value is True)

    async def _story(
        self, ctx: Ctx, stage: str | None, intro: str, *, with_step: bool = True
    ) -> Reply:
        """Pick a story (and step) for `ctx.user`, remember them, and build the private reply."""
        community, user_id = ctx.community.key, ctx.user.id
        state = await self.store.get(community, user_id)
        library = self.app.content
        story = compose.pick_story(library, stage, state.last_story, self.rng)
        step = compose.pick_step(library, state.last_step, self.rng) if with_step else None
        if story is not None or step is not None:
            await self.store.remember(
                community,
                user_id,
                self.app.clock.now(),
                story=story.id if story else None,
                step=step.id if step else None,
            )
        return compose.story_reply(library, story, step, intro=intro, stage=stage)

    # -- commands ------------------------------------------------------------

    @command(
        "rejected",
        "Had a rejection? A story from someone who's been there, privately",
        Option("where", "where it was, e.g. MATS or a PhD program (optional)", max_length=100),
        Option("stage", "how far it got", choices=STAGES),
    )
    async def rejected(self, ctx: Ctx, where: str | None = None, stage: str | None = None) -> None:
        if stage is None and where and where.strip().lower() in STAGES:
            # `/rejected interview` on Slack or the console: the one word was the stage.
            stage, where = where.strip().lower(), None
        if stage is None and where:
            stage = classify(f"i got rejected from {where}").stage
        place = compose.clean_where(where)
        sorry = f"Sorry about {place}." if place else compose.SORRY
        reply = await self._story(ctx, stage, f"{sorry} {compose.stage_line(stage)}")
        await ctx.reply(reply, private=True)

    @command("encourage off", "Stop automatic replies to you after a rejection")
    async def encourage_off(self, ctx: Ctx) -> None:
        await self._set_auto(ctx.community.key, ctx.user.id, False)
        self.log.info("auto replies off community=%s user=%s", ctx.community.key, ctx.user.key)
        await ctx.reply(
            Reply(
                "Done: I won't reply to your messages automatically. "
                f"{self._typed(ctx, 'rejected')} still works whenever you want a story, "
                f"and {self._typed(ctx, 'encourage on')} turns automatic replies back on.",
                private=True,
            )
        )

    @command("encourage on", "Allow automatic replies to you after a rejection (the default)")
    async def encourage_on(self, ctx: Ctx) -> None:
        await self._set_auto(ctx.community.key, ctx.user.id, True)
        days = await self._cooldown(ctx.community.key)
        await ctx.reply(
            Reply(
                "Done: automatic replies to you are on, in channels where an admin has enabled "
                f"them, at most one every {days} days. "
                f"{self._typed(ctx, 'encourage off')} stops them.",
                private=True,
            )
        )

    @command(
        "encourage channel",
        "Turn automatic replies to rejection messages on or off in a channel",
        Option("state", "on or off", required=True, choices=("on", "off")),
        Option("channel", "which channel (default: this one)", kind="channel"),
        permission="admin",
    )
    async def encourage_channel(self, ctx: Ctx, state: str, channel: Channel | None = None) -> None:
        target = channel or ctx.channel
        if channel is None and ctx.channel.is_dm:
            raise UserError(
                "Run this in the channel you mean, or name it, e.g. "
                f"{self._typed(ctx, 'encourage channel on #careers')}."
            )
        on = state == "on"
        community = ctx.community.key
        await self.app.settings.set("channel", channel_scope(community, target.id), ENABLED, on)
        self.log.info(
            "auto replies channel=%s on=%s community=%s by=%s",
            target.id,
            on,
            community,
            ctx.user.key,
        )
        where = ctx.outbox.mention_channel(target.id)
        if not on:
            text = f"Done: no automatic replies in {where}. {self._typed(ctx, 'rejected')} still works."
        else:
            days = await self._cooldown(community)
            text = (
                f"Done: automatic replies are on in {where}. I answer only messages where the "
                f"author reports their own rejection, at most once per member every {days} days; "
                f"members can opt out with {self._typed(ctx, 'encourage off')}."
            )
            if ctx.platform == "discord":  # the note is about a Discord portal setting
                text += (
                    " This needs the Message Content intent; without it I can't read messages "
                    f"and only {self._typed(ctx, 'rejected')} works."
                )
        await ctx.reply(Reply(text, private=True))

    @command("encourage status", "Whether automatic replies are on for you and here")
    async def encourage_status(self, ctx: Ctx) -> None:
        community = ctx.community.key
        mine = await self._wants_auto(community, ctx.user.id)
        here = not ctx.channel.is_dm and await self._channel_on(community, ctx.channel.id)
        days = await self._cooldown(community)
        lines = [
            f"Automatic replies to you: **{'on' if mine else 'off'}** "
            f"({self._typed(ctx, 'encourage off' if mine else 'encourage on')} to change).",
        ]
        if not ctx.channel.is_dm:
            lines.append(
                f"In {ctx.outbox.mention_channel(ctx.channel.id)}: **{'on' if here else 'off'}**."
            )
        lines.append(f"At most one automatic reply per member every {days} days.")
        state = await self.store.get(community, ctx.user.id)
        now = self.app.clock.now()
        if mine and state.last_auto_at is not None:
            next_at = state.last_auto_at + timedelta(days=days)
            if next_at > now:
                zone = await self.app.zone(ctx.community)
                shown = show_time(next_at, zone, now, discord=ctx.supports("timestamps"))
                lines.append(f"The next one could come after {shown}.")
        if await self.app.dispatcher.allowed(ctx, "admin"):
            channels = await self._enabled_channels(community)
            listed = ", ".join(ctx.outbox.mention_channel(c) for c in channels) or "none yet"
            lines.append(f"Channels with automatic replies: {listed}.")
        lines.append(f"{self._typed(ctx, 'rejected')} works any time, privately.")
        await ctx.reply(Reply("\n".join(lines), private=True))

    # -- automatic replies ---------------------------------------------------

    @listen("message")
    async def on_message(self, ctx: Ctx, message: Incoming) -> None:
        if message.user.is_bot or message.is_edit or message.channel.is_dm:
            return
        if has_no_bot_marker(message.thread_title, message.text):
            return
        verdict = classify(message.text)
        if not verdict.rejection:
            return
        community, user_id = message.community.key, message.user.id
        if not await self._channel_on(community, message.channel.id):
            return
        if not await self._wants_auto(community, user_id):
            return
        key = f"{community}:{message.channel.id}:{message.id}"
        if not await self.app.scheduler.claim(MESSAGE_JOB, key):
            self.log.info("auto reply skipped: message already handled key=%s", key)
            return
        now = self.app.clock.now()
        period = timedelta(days=await self._cooldown(community))
        won, previous = await self.store.take_cooldown(community, user_id, now, period)
        if not won:
            self.log.info("auto reply skipped: cooldown community=%s user=%s", community, user_id)
            return
        try:
            how = await self._auto_reply(ctx, message, verdict.stage)
        except Exception:
            # Let a redelivery of the same message try again.
            await self.store.give_back(community, user_id, now, previous)
            await self.app.scheduler.release(MESSAGE_JOB, key)
            raise
        self.log.info(
            "auto reply sent how=%s community=%s channel=%s user=%s score=%.2f reason=%s",
            how,
            community,
            message.channel.id,
            user_id,
            verdict.score,
            verdict.reason,
        )

    async def _auto_reply(self, ctx: Ctx, message: Incoming, stage: str | None) -> str:
        community, user_id = message.community.key, message.user.id
        state = await self.store.get(community, user_id)
        library = self.app.content
        story = compose.pick_story(library, stage, state.last_story, self.rng)
        step = compose.pick_step(library, state.last_step, self.rng)
        intro = (
            f"{compose.SORRY} {compose.stage_line(stage)} Here is someone who's been there. "
            "(Stop turns these replies off.)"
        )
        private = compose.story_reply(library, story, step, intro=intro, stage=stage)
        if await ctx.outbox.send_private(
            message.channel.id, user_id, private, thread_id=message.channel.thread_id
        ):
            await self.store.remember(
                community,
                user_id,
                self.app.clock.now(),
                story=story.id if story else None,
                step=step.id if step else None,
            )
            return "private"
        await ctx.reply(
            Reply(compose.OFFER, buttons=compose.offer_buttons(user_id, stage)), private=False
        )
        return "offer"

    # -- buttons on the public offer ------------------------------------------

    async def _for_someone_else(self, ctx: Ctx, author_id: str) -> bool:
        if ctx.user.id == author_id:
            return False
        await ctx.reply(
            Reply(
                f"This one was for {ctx.outbox.mention_user(author_id)}, so I'll leave it to them. "
                f"If you'd like a story yourself, {self._typed(ctx, 'rejected')} shows one "
                "privately.",
                private=True,
            )
        )
        return True

    @on_click("show")
    async def click_show(self, ctx: Ctx, value: str) -> None:
        author, stage = compose.parse_offer_value(value)
        if await self._for_someone_else(ctx, author):
            return
        reply = await self._story(ctx, stage, f"Here is one. {compose.stage_line(stage)}")
        await ctx.reply(reply, private=True)

    @on_click("notnow")
    async def click_not_now(self, ctx: Ctx, value: str) -> None:
        author, _ = compose.parse_offer_value(value)
        if await self._for_someone_else(ctx, author):
            return
        # Take the buttons off the public line, then a word to the author alone.
        await ctx.reply(Reply(compose.SORRY, replace=True))
        await ctx.reply(
            Reply(
                f"OK. If you'd like a story later, {self._typed(ctx, 'rejected')} is there "
                "any time.",
                private=True,
            )
        )

    @on_click("never")
    async def click_never(self, ctx: Ctx, value: str) -> None:
        author, _ = compose.parse_offer_value(value)
        if await self._for_someone_else(ctx, author):
            return
        await self._set_auto(ctx.community.key, ctx.user.id, False)
        self.log.info(
            "auto replies off (never) community=%s user=%s", ctx.community.key, ctx.user.key
        )
        await ctx.reply(Reply(compose.SORRY, replace=True))
        await ctx.reply(
            Reply(
                "Done: I won't reply to your messages automatically again. "
                f"{self._typed(ctx, 'rejected')} still works if you ever want a story, and "
                f"{self._typed(ctx, 'encourage on')} undoes this.",
                private=True,
            )
        )

    # -- buttons on the private story ------------------------------------------

    @on_click("another")
    async def click_another(self, ctx: Ctx, value: str) -> None:
        stage = value if value in STAGES else None
        reply = await self._story(ctx, stage, "Here is another.", with_step=False)
        await ctx.reply(reply, private=True)

    @on_click("next")
    async def click_next(self, ctx: Ctx, value: str) -> None:
        stage = value if value in STAGES else None
        state = await self.store.get(ctx.community.key, ctx.user.id)
        step = compose.pick_step(self.app.content, state.last_step, self.rng)
        if step is not None:
            await self.store.remember(
                ctx.community.key, ctx.user.id, self.app.clock.now(), step=step.id
            )
        await ctx.reply(compose.step_reply(self.app.content, step, stage), private=True)

    @on_click("stop")
    async def click_stop(self, ctx: Ctx, value: str) -> None:
        await self._set_auto(ctx.community.key, ctx.user.id, False)
        self.log.info(
            "auto replies off (stop) community=%s user=%s", ctx.community.key, ctx.user.key
        )
        await ctx.reply(
            Reply(
                "Done: no more automatic replies to you. That's the same as "
                f"{self._typed(ctx, 'encourage off')}; {self._typed(ctx, 'encourage on')} "
                f"turns them back on, and {self._typed(ctx, 'rejected')} works any time.",
                private=True,
            )
        )
