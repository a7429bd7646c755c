"""Registry: discovery, duplicate names refused with rollback, unload removes everything."""

from __future__ import annotations

import pytest

from bot.core.cog import Cog
from bot.core.commands import command, every, on_click
from bot.core.context import Ctx
from bot.core.registry import Registry, RegistryError


class Alpha(Cog):
    name = "alpha"

    @command("ping", "Ping")
    async def ping(self, ctx: Ctx) -> None:
        await ctx.reply("pong")

    @on_click("press")
    async def press(self, ctx: Ctx, value: str) -> None:
        await ctx.reply(value)

    @every(3600)
    async def sweep(self) -> None:
        return None


class Clash(Cog):
    name = "clash"

    @on_click("other")
    async def other(self, ctx: Ctx, value: str) -> None:
        return None

    @command("ping", "Another ping")
    async def ping2(self, ctx: Ctx) -> None:
        return None


class Broken(Cog):
    name = "broken"

    @command("broken thing", "Never loads")
    async def thing(self, ctx: Ctx) -> None:
        return None

    async def setup(self) -> None:
        raise RuntimeError("setup failed")


def test_discover_skips_private_and_finds_cogs():
    names = [c.name for c in Registry.discover("cogs")]
    assert "help" in names and "admin" in names
    assert all(not n.startswith("_") for n in names)
    assert names == sorted(names)


async def test_duplicate_command_refused_and_rolled_back(app_factory):
    app = await app_factory(cogs=[Alpha])
    with pytest.raises(RegistryError, match="already defined by 'alpha'"):
        await app.registry.load(Clash)
    assert "clash" not in app.registry.loaded
    assert "clash:other" not in app.registry.clicks
    assert app.registry.commands["ping"].cog.name == "alpha"


async def test_failed_setup_rolls_back(app_factory):
    app = await app_factory(cogs=[])
    with pytest.raises(RuntimeError):
        await app.registry.load(Broken)
    assert "broken thing" not in app.registry.commands
    assert "broken" not in app.registry.loaded


async def test_unload_removes_commands_clicks_and_jobs(app_factory):
    app = await app_factory(cogs=[Alpha])
    await app.scheduler.start()
    assert app.scheduler.aps.get_job("alpha.sweep") is not None
    await app.registry.unload("alpha")
    assert "ping" not in app.registry.commands
    assert "alpha:press" not in app.registry.clicks
    assert app.scheduler.aps.get_job("alpha.sweep") is None
    # And it can be loaded again.
    await app.registry.load(Alpha)
    assert "ping" in app.registry.commands


def test_match_words_prefers_longest_path():
    class Fake:
        scheduler = None

    reg = Registry(Fake())  # type: ignore[arg-type]
    reg.commands = {"advice": "A", "advice search": "B"}  # type: ignore[dict-item]
    assert reg.match_words(["advice", "search", "x"]) == ("B", ["x"])
    assert reg.match_words(["Advice", "leetcode"]) == ("A", ["leetcode"])
    assert reg.match_words(["nope"]) == (None, ["nope"])
    assert reg.is_group("advice") and not reg.is_group("advice search")
