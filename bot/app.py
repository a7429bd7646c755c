"""The App: owns config, database, settings, scheduler, content and cogs; starts and stops them in order."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import __version__
from bot.config import Config
from bot.content.loader import Library, load_library
from bot.core.clock import Clock
from bot.core.cog import Cog
from bot.core.dispatcher import Dispatcher
from bot.core.events import Community
from bot.core.registry import Registry
from bot.core.usage import typed
from bot.errors import UserError
from bot.scheduling import Scheduler
from bot.storage.db import Database
from bot.storage.settings import Settings, SettingSpec, user_scope

if TYPE_CHECKING:
    from bot.core.outbox import Outbox

log = logging.getLogger("coinflip.app")


def _valid_zone(value: object) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            f"`{str(value)[:60]}` is not a time zone I know. Use an IANA name like Europe/London or America/New_York."
        ) from None
    return str(value)


class App:
    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        cogs: list[type[Cog]] | None = None,
        content_dir: Path | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.version = __version__
        self.db = Database(
            config.database.url,
            synchronous=config.database.synchronous,
            busy_timeout_ms=config.database.busy_timeout_ms,
        )
        self.settings = Settings(self.db)
        self.scheduler = Scheduler(
            self.db,
            self.clock,
            grace=timedelta(hours=config.scheduler.misfire_grace_hours),
            tick_seconds=config.scheduler.tick_seconds,
        )
        self.registry = Registry(self)
        self.dispatcher = Dispatcher(self)
        self.content_dir = content_dir or Path(config.content.path)
        self.content: Library = Library()
        self._cog_classes = cogs
        self._outbox: Outbox | None = None
        self.started_monotonic = time.monotonic()
        self.prepared = False
        self._register_core_settings()

    def _register_core_settings(self) -> None:
        reg = self.settings.register
        reg(
            SettingSpec(
                "community",
                "timezone",
                self.config.timezone,
                description="IANA time zone for schedules and times shown",
                validate=_valid_zone,
            )
        )
        reg(
            SettingSpec(
                "community",
                "moderators.users",
                [],
                kind="list",
                description="user ids with moderator rights (comma-separated)",
            )
        )
        reg(
            SettingSpec(
                "community",
                "moderators.roles",
                [],
                kind="list",
                description="role (Discord) or user group (Slack) ids with moderator rights",
            )
        )

    @property
    def outbox(self) -> Outbox:
        if self._outbox is None:
            raise RuntimeError("no adapter is attached")
        return self._outbox

    def attach(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def typed(
        self, path: str, args: str = "", *, platform: str | None = None, **options: str
    ) -> str:
        """How a member types a command on this platform (for hints in messages)."""
        where = platform or (self._outbox.platform if self._outbox else "console")
        return typed(
            self.registry,
            path,
            where,
            slack_command=self.config.slack.command,
            args=args,
            options=options,
        )

    async def zone(self, community: Community | str) -> ZoneInfo:
        key = community.key if isinstance(community, Community) else community
        return ZoneInfo(await self.settings.get("community", key, "timezone"))

    async def prepare(self) -> None:
        """Database, content and cogs; everything but the clock-driven work."""
        if self.prepared:
            return
        self.content = load_library(self.content_dir)
        log.info(
            "content loaded %s", " ".join(f"{k}={v}" for k, v in self.content.counts().items())
        )
        await self.db.connect()
        classes = self._cog_classes if self._cog_classes is not None else Registry.discover("cogs")
        for cog_cls in classes:
            if cog_cls.name in self.config.cogs.disabled:
                log.info("cog disabled by config name=%s", cog_cls.name)
                continue
            await self.registry.load(cog_cls)
        self.prepared = True

    async def start(self) -> None:
        """Start timed work; call once the adapter can send."""
        await self.prepare()
        await self.scheduler.start()
        log.info(
            "coinflip started version=%s platform=%s",
            self.version,
            self._outbox and self._outbox.platform,
        )

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.registry.unload_all()
        await self.db.close()
        self.prepared = False
        log.info("coinflip stopped")

    async def forget_member(self, community_key: str, user_id: str) -> list[str]:
        """Delete a member's data in every loaded cog, then their settings; returns the cogs asked."""
        asked = []
        for name, entry in self.registry.loaded.items():
            await entry.cog.forget_member(community_key, user_id)
            asked.append(name)
        await self.settings.delete_scope_ids("user", user_scope(community_key, user_id))
        log.info("member data deleted community=%s user=%s", community_key, user_id)
        return asked

    def uptime(self) -> float:
        return time.monotonic() - self.started_monotonic
