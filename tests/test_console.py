"""The console adapter end to end: help, admin, errors, buttons."""

from __future__ import annotations

from cogs.admin import AdminCog
from cogs.help import HelpCog
from tests.console_harness import ConsoleHarness


async def test_help_lists_commands(app_factory):
    app = await app_factory(cogs=[HelpCog, AdminCog])
    h = ConsoleHarness(app)
    out = await h.send("/help")
    assert "/config set <key> <value>" in out
    assert "/health" in out
    out = await h.send("/help config")
    assert "Change a community setting" in out and "/health" not in out


async def test_config_set_validates_and_persists(app_factory):
    app = await app_factory(cogs=[HelpCog, AdminCog])
    h = ConsoleHarness(app)
    out = await h.send("/config set timezone Mars/Base")
    assert "not a time zone I know" in out
    assert await app.settings.get("community", "console:local", "timezone") == "UTC"
    out = await h.send("/config set timezone Europe/London")
    assert "Europe/London" in out
    assert await app.settings.get("community", "console:local", "timezone") == "Europe/London"
    out = await h.send("/config set nope 1")
    assert "no setting called `nope`" in out


async def test_unknown_command_and_health(app_factory):
    app = await app_factory(cogs=[HelpCog, AdminCog])
    h = ConsoleHarness(app)
    assert "I don't know `/frobnicate`" in await h.send("/frobnicate now")
    out = await h.send("/health")
    assert "Database: ok (SQLite)" in out and "0.1.0" in out


async def test_help_lists_every_command_even_in_long_groups(app_factory):
    app = await app_factory()
    h = ConsoleHarness(app)
    out = await h.send("/help")
    for path in app.registry.commands:
        assert f"/{path}" in out, path
    assert "Postings: jobs" in out and "(more)" in out


async def test_privacy_delete_removes_a_members_data_everywhere(app_factory):
    app = await app_factory()
    h = ConsoleHarness(app)
    key = "console:local"
    await h.send("/advice")
    await h.send("/encourage off")
    await h.send("/checkin remind on")
    advice = app.registry.loaded["advice"].cog
    checkins = app.registry.loaded["checkins"].cog
    assert await advice.store.seen(key, "you")  # type: ignore[attr-defined]
    assert (await checkins.store.get_member(key, "you")).remind  # type: ignore[attr-defined]
    user_settings = await app.settings.all("user", f"{key}/you")
    assert user_settings != {
        s: v.default for (sc, s), v in app.settings.specs.items() if sc == "user"
    }

    out = await h.send("/privacy delete")
    assert "can't be undone" in out and "[1] Delete my data" in out
    assert "nothing was deleted" in await h.send("2")
    assert await advice.store.seen(key, "you")  # type: ignore[attr-defined]

    await h.send("/privacy delete")
    assert "deleted what I kept about you" in await h.send("1")
    assert not await advice.store.seen(key, "you")  # type: ignore[attr-defined]
    assert not (await checkins.store.get_member(key, "you")).remind  # type: ignore[attr-defined]
    defaults = {s: v.default for (sc, s), v in app.settings.specs.items() if sc == "user"}
    assert await app.settings.all("user", f"{key}/you") == defaults
