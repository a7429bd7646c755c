"""Dispatcher: option parsing, friendly errors, permissions, and the single error boundary."""

from __future__ import annotations

import logging

import pytest

from bot.core.cog import Cog
from bot.core.commands import CommandSpec, Option, command
from bot.core.context import Ctx
from bot.core.dispatcher import APOLOGY, bind_text_options, convert_all
from bot.core.events import Channel
from bot.errors import UserError
from tests.console_harness import ConsoleHarness


class Sample(Cog):
    name = "sample"

    @command(
        "add",
        "Add numbers",
        Option("a", "first", kind="int", required=True),
        Option("b", "second", kind="int", min_value=0, max_value=10),
    )
    async def add(self, ctx: Ctx, a: int, b: int = 0) -> None:
        await ctx.reply(f"sum={a + b}")

    @command("boom", "Always fails")
    async def boom(self, ctx: Ctx) -> None:
        raise ValueError("secret internals token=abc")

    @command("mods only", "Moderators only", permission="moderator")
    async def mods(self, ctx: Ctx) -> None:
        await ctx.reply("welcome, moderator")


SPEC = CommandSpec(
    "say",
    "Say",
    (
        Option("where", "channel", kind="channel"),
        Option("loud", "loud?", kind="bool"),
        Option("kind", "kind", choices=("job", "fellowship")),
        Option("words", "text", rest=True, max_length=20),
    ),
)


def test_bind_text_options_named_positional_and_rest():
    raw = bind_text_options(
        SPEC, ["loud:yes", "<#C123|general>", "kind=Job", "hello", "there", "a:b"]
    )
    assert raw == {
        "loud": "yes",
        "kind": "Job",
        "where": "<#C123|general>",
        "words": "hello there a:b",
    }
    converted = convert_all(SPEC, raw)
    assert converted["where"] == Channel("C123")
    assert converted["loud"] is True
    assert converted["kind"] == "job"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"loud": "maybe"}, "takes on or off"),
        ({"kind": "party"}, "must be one of: job, fellowship"),
        ({"words": "x" * 21}, "at most 20 characters"),
    ],
)
def test_conversion_errors_are_friendly(raw, message):
    with pytest.raises(UserError, match=message):
        convert_all(SPEC, raw)


def test_unexpected_words_are_reported():
    spec = CommandSpec("one", "one", (Option("x", "x"),))
    with pytest.raises(UserError, match="didn't expect `b c`"):
        bind_text_options(spec, ["a", "b", "c"])


async def test_typed_options_and_bounds_through_console(app_factory):
    app = await app_factory(cogs=[Sample])
    h = ConsoleHarness(app)
    assert "sum=5" in await h.send("/add 2 3")
    assert "sum=7" in await h.send("/add b:4 a:3")
    assert "needs a whole number" in await h.send("/add two")
    assert "must be at most 10" in await h.send("/add 1 99")
    assert "`a` is missing" in await h.send("/add")


async def test_unexpected_error_is_logged_and_apologised(app_factory, caplog):
    app = await app_factory(cogs=[Sample])
    h = ConsoleHarness(app)
    with caplog.at_level(logging.ERROR, logger="coinflip.dispatch"):
        out = await h.send("/boom")
    assert APOLOGY in out
    assert "Traceback" not in out and "secret internals" not in out
    assert any("command=boom" in r.getMessage() for r in caplog.records)


async def test_permission_levels(app_factory):
    from bot.core.events import User

    app = await app_factory(cogs=[Sample])
    member = User("u1", "member", "discord")
    key = "discord:g1"
    assert await app.dispatcher.level(member, key) == "member"
    await app.settings.set("community", key, "moderators.users", ["u1"])
    assert await app.dispatcher.level(member, key) == "moderator"
    role_member = User("u2", "r", "discord", roles=("r9",))
    await app.settings.set("community", key, "moderators.roles", ["r9"])
    assert await app.dispatcher.level(role_member, key) == "moderator"
    assert await app.dispatcher.level(User("u3", "a", "discord", is_admin=True), key) == "admin"
    app.config.admins = ["discord:u4"]
    assert await app.dispatcher.level(User("u4", "op", "discord"), key) == "admin"


def test_optional_typed_options_can_be_left_out_positionally():
    spec = CommandSpec(
        "checkin done",
        "Report",
        (
            Option("goal", "which goal", kind="int"),
            Option("status", "how far", choices=("done", "partly")),
            Option("note", "a note", rest=True),
        ),
    )
    assert bind_text_options(spec, ["went", "fine"]) == {"note": "went fine"}
    assert bind_text_options(spec, ["2", "went", "fine"]) == {"goal": "2", "note": "went fine"}
    assert bind_text_options(spec, ["partly", "nearly"]) == {"status": "partly", "note": "nearly"}
    assert bind_text_options(spec, ["1", "done", "shipped", "it"]) == {
        "goal": "1",
        "status": "done",
        "note": "shipped it",
    }
