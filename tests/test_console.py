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
