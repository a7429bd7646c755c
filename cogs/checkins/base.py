"""Shared state and helpers of the check-ins cog: constants, schedules, zones, wording."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.cog import Cog
from bot.core.context import Ctx
from bot.errors import UserError
from bot.scheduling import Weekly
from cogs.checkins.store import Setup, Store
from cogs.checkins.weeks import Week, parse_hhmm

POST_KIND = "checkins.post"
NUDGE_KIND = "checkins.nudge"
LATE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 5
CHART_WEEKS = 12
HISTORY_WEEKS = 12
# How long the listener trusts what it knows about a community's thread (another instance
# may post it or run setup meanwhile).
THREAD_CACHE_SECONDS = 300.0
NO_THREAD_CACHE_SECONDS = 30.0
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


class CheckinsBase(Cog):
    """What every part of the cog uses. `CheckinsCog.setup` fills in the state."""

    store: Store
    # (job, period) -> failed attempts in this process
    _attempts: dict[tuple[str, str], int]
    # community key -> (week key, thread id or None, zone name, monotonic expiry)
    _threads: dict[str, tuple[str, str | None, str, float]]

    def cmd(self, path: str, platform: str | None = None) -> str:
        """How a member types `path` on this platform."""
        return self.app.typed(path, platform=platform)

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
