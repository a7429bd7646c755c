"""Shared fixtures: a real App on a temporary SQLite file, with a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.config import Config, load_config
from bot.core.clock import FakeClock
from bot.core.cog import Cog

ROOT = Path(__file__).resolve().parent.parent
AppFactory = Callable[..., Awaitable[App]]


def make_config(tmp_path: Path, name: str = "coinflip", **overrides: Any) -> Config:
    """A config on a temp database; `overrides` are dotted keys, e.g. {"discord.dev_guild_id": 1}."""
    env = {"COINFLIP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / (name + '.db')}"}
    config = load_config(path=None, env=env)
    config.content.path = str(ROOT / "advice")
    for dotted, value in overrides.items():
        target: Any = config
        *parents, last = dotted.split(".")
        for p in parents:
            target = getattr(target, p)
        setattr(target, last, value)
    return config


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
async def app_factory(tmp_path: Path, clock: FakeClock) -> AsyncIterator[AppFactory]:
    """Build prepared Apps (database migrated, content and cogs loaded); stopped at teardown.

    `await app_factory()` loads every cog; pass `cogs=[...]` to pick, `config=` to share a
    database between two apps (e.g. two instances), `clock=` for a different clock.
    """
    apps: list[App] = []

    async def build(
        *,
        cogs: list[type[Cog]] | None = None,
        config: Config | None = None,
        clock_: FakeClock | None = None,
    ) -> App:
        app = App(config or make_config(tmp_path), clock=clock_ or clock, cogs=cogs)
        await app.prepare()
        apps.append(app)
        return app

    yield build
    for app in apps:
        await app.stop()
