"""The Discord adapter end to end: real discord.py against the local emulator (127.0.0.1)."""

from __future__ import annotations

import asyncio
import gc
import re
from typing import Any

import pytest

from bot.adapters.discord.context import DiscordCtx
from bot.core.cog import Cog
from bot.core.commands import Option, command, listen, on_click, on_submit
from bot.core.context import Ctx
from bot.core.events import Channel, Incoming
from bot.core.outbox import DeliveryError
from bot.core.replies import Attachment, Button, Card, Field, Form, FormField, Reply
from bot.errors import ConfigError
from cogs.admin import AdminCog
from cogs.help import HelpCog
from tests.discord_harness import message_buttons, message_text, running_discord
from tests.fakes.discord_emulator import DiscordEmulator

UNESCAPED_MASS_PING = re.compile(r"@(everyone|here)")


class PlayCog(Cog):
    """A tiny cog exercising what the adapter must translate."""

    name = "play"
    description = "Test commands"

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.seen: list[Incoming] = []
        self.listener_reply = False

    @command("advice", "Leaf that is also a group prefix")
    async def advice(self, ctx: Ctx) -> None:
        await ctx.reply("advice leaf")

    @command(
        "advice search",
        "Search with every option type",
        Option("query", "words", required=True, autocomplete="suggest"),
        Option("level", "how deep", choices=("intro", "deep")),
        Option("count", "how many", kind="int", min_value=1, max_value=5),
        Option("public", "share it", kind="bool"),
        Option("where", "a channel", kind="channel"),
        Option("who", "a member", kind="user"),
    )
    async def advice_search(
        self,
        ctx: Ctx,
        query: str,
        level: str = "intro",
        count: int = 1,
        public: bool = False,
        where: Channel | None = None,
        who: str | None = None,
    ) -> None:
        where_text = f"{where.id}/{where.name}" if where else "-"
        await ctx.reply(
            Reply(
                f"q={query} level={level} count={count} where={where_text} who={who}",
                private=not public,
            )
        )

    async def suggest(self, ctx: Ctx, partial: str) -> list[str]:
        words = [f"topic{i}" for i in range(40)] + ["mats", "arena"]
        return [w for w in words if w.startswith(partial)]

    @command("deep nested leaf", "Three words")
    async def nested(self, ctx: Ctx) -> None:
        await ctx.reply("nested ok")

    @command("slow", "Takes four seconds", private=False)
    async def slow(self, ctx: Ctx) -> None:
        await asyncio.sleep(4)
        await ctx.reply(Reply("slow answer", private=False))

    @command("slowmixed", "Deferred privately, answered publicly")
    async def slow_mixed(self, ctx: Ctx) -> None:
        await asyncio.sleep(4)
        await ctx.reply(Reply("public after all", private=False))

    @command("slowbutton", "A button whose handler is slow", private=False)
    async def slow_button(self, ctx: Ctx) -> None:
        await ctx.reply(
            Reply("Press it", buttons=(Button("Slow", "play:slow", "7"),), private=False)
        )

    @on_click("slow")
    async def slow_click(self, ctx: Ctx, value: str) -> None:
        await asyncio.sleep(2.5)
        await ctx.reply(Reply(f"slow click {value} done", replace=True))

    @command(
        "echo", "Say it back", Option("text", "anything", required=True, rest=True), private=False
    )
    async def echo(self, ctx: Ctx, text: str) -> None:
        await ctx.reply(
            Reply(
                f"You said: {text}",
                cards=(Card(f"Echo {text}", text, (Field(text, text),), footer=text),),
                buttons=(Button(text[:40], "play:yes", "1"),),
                private=False,
            )
        )
        await ctx.reply(Reply(f"and privately: {text}", private=True))

    @command("ask", "Buttons", private=False)
    async def ask(self, ctx: Ctx) -> None:
        await ctx.reply(
            Reply(
                "Want a story?",
                buttons=(
                    Button("Yes", "play:yes", "story-1", "primary"),
                    Button("Not now", "play:nothing"),
                    Button("Old", "play:gone", "x"),
                    Button("Docs", "play:link", url="https://example.org/docs"),
                ),
                private=False,
            )
        )

    @on_click("yes")
    async def yes(self, ctx: Ctx, value: str) -> None:
        assert ctx.click is not None
        await ctx.reply(Reply(f"Here is {value} for {ctx.click.user.name}", replace=True))
        await ctx.reply(Reply("just for you", private=True))

    @on_click("nothing")
    async def nothing(self, ctx: Ctx, value: str) -> None:
        return None

    @command("form", "Opens a form", opens_form=True)
    async def form(self, ctx: Ctx) -> None:
        await ctx.open_form(
            Form(
                "play:goal",
                "Your goal this week",
                (
                    FormField("goal", "Goal", placeholder="One small thing", max_length=4000),
                    FormField("notes", "Notes", style="long", required=False, default="none"),
                ),
                meta="week-48",
            )
        )

    @on_submit("goal")
    async def goal(self, ctx: Ctx, values: dict[str, str], meta: str) -> None:
        await ctx.reply(
            Reply(f"Saved {values['goal']!r} ({values['notes']}) for {meta}", private=True)
        )

    @command("file", "Sends a file")
    async def file(self, ctx: Ctx) -> None:
        await ctx.reply(
            Reply("chart", attachment=Attachment("chart.png", b"\x89PNG fake", "A chart"))
        )

    @command("huge", "Over every limit")
    async def huge(self, ctx: Ctx) -> None:
        fields = tuple(Field("n" * 300, "v" * 2000) for _ in range(30))
        await ctx.reply(
            Reply(
                "x" * 5000,
                cards=(
                    Card("t" * 400, "d" * 5000, fields, footer="f" * 3000),
                    Card("second", "y" * 3000),
                ),
                buttons=tuple(Button(f"b{i}" * 50, "play:yes", str(i)) for i in range(30)),
            )
        )

    @command("boom", "Fails")
    async def boom(self, ctx: Ctx) -> None:
        raise RuntimeError("secret internals")

    @listen()
    async def on_message(self, ctx: Ctx, message: Incoming) -> None:
        self.seen.append(message)
        if self.listener_reply and "hello" in message.text:
            await ctx.reply(
                Reply(f"Hi {message.text}", buttons=(Button("Thanks", "play:nothing"),))
            )
            await ctx.reply(Reply("private is impossible here", private=True))


def play(app: Any) -> PlayCog:
    cog = app.registry.loaded["play"].cog
    assert isinstance(cog, PlayCog)
    return cog


async def test_help_is_private_and_in_discord_syntax(app_factory):
    app = await app_factory(cogs=[HelpCog, AdminCog])
    async with running_discord(app) as dc:
        member = await dc.slash("help")
        assert member.ephemeral and len(member.messages) == 1
        assert "Coinflip commands" in member.text
        assert "`/health`" in member.text and "`/help [command:]`" in member.text
        assert "config" not in member.text  # admin-only commands are not offered to members
        admin = await dc.slash("help", user=dc.admin)
        assert "`/config set key: value:`" in admin.text
        one = await dc.slash("help", {"command": "config"}, user=dc.admin)
        assert "Change a community setting" in one.text and "/health" not in one.text
        health = await dc.slash("health")
        assert health.ephemeral
        assert "ok (SQLite)" in health.text and "discord" in health.text
        assert dc.problems() == []


async def test_config_set_by_admin_but_not_member(app_factory):
    app = await app_factory(cogs=[HelpCog, AdminCog])
    async with running_discord(app) as dc:
        key = f"discord:{dc.guild_id}"
        refused = await dc.slash("config set", {"key": "timezone", "value": "Europe/London"})
        assert refused.ephemeral
        assert "Only community admins can use `config set`" in refused.text
        assert await app.settings.get("community", key, "timezone") == "UTC"
        done = await dc.slash(
            "config set", {"key": "timezone", "value": "Europe/London"}, user=dc.admin
        )
        assert done.ephemeral and "Europe/London" in done.text
        assert await app.settings.get("community", key, "timezone") == "Europe/London"
        bad = await dc.slash("config set", {"key": "timezone", "value": "Mars/Base"}, user=dc.admin)
        assert "not a time zone I know" in bad.text
        assert dc.problems() == []


async def test_commands_sync_guild_scoped_with_options(app_factory, tmp_path):
    app = await app_factory(cogs=[HelpCog, AdminCog, PlayCog])
    async with DiscordEmulator() as emu:
        guild = await emu.add_guild("Dev guild")
        app.config.discord.dev_guild_id = int(guild.id)
        async with running_discord(app, emulator=emu) as dc:
            assert None not in emu.commands and guild.id in emu.commands
            names = emu.command_names(guild.id)
            assert "advice show" in names and "advice search" in names
            assert "deep nested leaf" in names and "advice" not in names
            search = next(c for c in emu.commands[guild.id] if c["name"] == "advice")
            sub = next(o for o in search["options"] if o["name"] == "search")
            by_name = {o["name"]: o for o in sub["options"]}
            assert by_name["query"]["required"] and by_name["query"]["autocomplete"]
            assert by_name["level"]["choices"] == [
                {"name": "intro", "value": "intro"},
                {"name": "deep", "value": "deep"},
            ]
            assert (by_name["count"]["type"], by_name["count"]["min_value"]) == (4, 1)
            assert by_name["public"]["type"] == 5 and by_name["where"]["type"] == 7
            assert by_name["who"]["type"] == 6
            config = next(c for c in emu.commands[guild.id] if c["name"] == "config")
            assert config["default_member_permissions"] == "32"

            leaf = await dc.slash("advice show")
            assert leaf.text == "advice leaf"
            other = await dc.add_channel("resources")
            full = await dc.slash(
                "advice search",
                {"query": "mats", "level": "deep", "count": 3, "where": other, "who": dc.admin},
            )
            assert full.text == f"q=mats level=deep count=3 where={other}/resources who={dc.admin}"
            assert full.ephemeral
            shared = await dc.slash("advice search", {"query": "mats", "public": True})
            assert not shared.ephemeral
            assert (await dc.slash("deep nested leaf")).text == "nested ok"
            assert await dc.autocomplete("advice search", {"query": "ma"}, "query") == ["mats"]
            many = await dc.autocomplete("advice search", {"query": "topic"}, "query")
            assert len(many) == 25
            assert dc.problems() == []
        assert emu.command_syncs == [(guild.id, len(emu.commands[guild.id]))]
        # A restart with the same commands does not overwrite them again.
        async with running_discord(app, emulator=emu):
            pass
        assert len(emu.command_syncs) == 1


async def test_commands_sync_globally_without_dev_guild(app_factory):
    app = await app_factory(cogs=[HelpCog, PlayCog])
    assert app.config.discord.dev_guild_id is None
    async with running_discord(app) as dc:
        assert list(dc.emu.commands) == [None]
        assert "advice show" in dc.emu.command_names()


async def test_slow_handlers_are_deferred_in_time(app_factory):
    app = await app_factory(cogs=[PlayCog])
    async with running_discord(app) as dc:
        button = await dc.slash("slowbutton")
        slow, mixed, clicked = await asyncio.gather(
            dc.slash("slow"), dc.slash("slowmixed"), dc.click(button, "Slow")
        )
        for result in (slow, mixed, clicked):
            inter = result.interaction
            assert inter is not None and inter.initial_after is not None
            assert inter.initial_after < dc.emu.deadline and not inter.deadline_missed
        assert slow.interaction and slow.interaction.initial_type == 5
        responses = dc.emu.responses(slow.interaction)
        assert [(r["kind"], r.get("type"), r["ephemeral"]) for r in responses] == [
            ("callback", 5, False),
            ("edit", None, False),
        ]
        assert [e["kind"] for e in slow.interaction.events] == ["callback", "edit"]
        assert slow.text == "slow answer" and not slow.ephemeral
        # Deferred privately (the spec's default), answered publicly: the placeholder
        # is removed and a public followup takes its place.
        assert mixed.interaction and mixed.interaction.initial_ephemeral
        assert [e["kind"] for e in mixed.interaction.events] == ["callback", "delete", "followup"]
        assert mixed.text == "public after all" and not mixed.ephemeral
        # A slow click is acknowledged silently (type 6), then the message is replaced.
        assert clicked.interaction and clicked.interaction.initial_type == 6
        (replaced,) = clicked.messages
        assert replaced["id"] == button.messages[0]["id"]
        assert replaced["content"] == "slow click 7 done" and replaced["components"] == []
        assert dc.emu.deadline_misses == [] and dc.problems() == []


async def test_dm_commands_and_messages(app_factory):
    app = await app_factory(cogs=[HelpCog, PlayCog])
    async with running_discord(app, message_content=False) as dc:
        dm = await dc.emu.dm_channel(dc.member)
        inter = await dc.emu.slash(None, dm, dc.member, ["help"])
        result = await dc.settle(inter)
        assert result.ephemeral and "Coinflip commands" in result.text
        await dc.say("rejected again, in private", channel_id=dm)
        seen = play(app).seen[-1]
        assert seen.text == "rejected again, in private"  # DMs carry text without the intent
        assert seen.community.id == "dm" and seen.channel.is_dm and not seen.user.is_admin
        assert dc.problems() == []


async def test_stale_command_gets_a_polite_answer(app_factory):
    app = await app_factory(cogs=[HelpCog, PlayCog])
    async with running_discord(app) as dc:
        await app.registry.unload("play")
        stale = await dc.slash("ask")
        assert stale.ephemeral and "older version of me" in stale.text
        assert dc.problems() == []


async def test_user_text_never_pings(app_factory):
    app = await app_factory(cogs=[PlayCog])
    async with running_discord(app) as dc:
        role = await dc.emu.add_role(dc.guild_id, "Mods")
        nasty = f"@everyone @here <@&{role}> <@{dc.admin}> hi"
        play(app).listener_reply = True
        await dc.slash("echo", {"text": nasty})
        await dc.say(f"hello {nasty}")
        await app.outbox.send(dc.channel_id, Reply(nasty, cards=(Card(nasty, nasty),)))
        await app.outbox.open_thread(dc.channel_id, nasty, Reply(nasty))
        sent = dc.emu.bot_messages()
        assert len(sent) >= 5
        for message in sent:
            assert message["allowed_mentions"] == {"parse": [], "replied_user": False}
            assert message["pings"] == {"users": [], "roles": [], "everyone": False}
            shown = [message_text(message)] + [b.label for b in message_buttons(message)]
            for text in shown:
                assert not UNESCAPED_MASS_PING.search(text), text
        assert dc.problems() == []


async def test_buttons_and_modal_round_trip(app_factory):
    app = await app_factory(cogs=[PlayCog])
    async with running_discord(app) as dc:
        asked = await dc.slash("ask")
        assert not asked.ephemeral
        labels = [(b.label, b.custom_id, b.url) for b in asked.buttons]
        assert labels == [
            ("Yes", "play:yes|story-1", None),
            ("Not now", "play:nothing|", None),
            ("Old", "play:gone|x", None),
            ("Docs", None, "https://example.org/docs"),
        ]
        clicked = await dc.click(asked, "Yes", user=dc.admin)
        assert clicked.interaction is not None and clicked.interaction.initial_type == 7
        replaced, private = clicked.messages
        assert replaced["id"] == asked.messages[0]["id"]
        assert replaced["content"] == "Here is story-1 for admin" and not replaced["ephemeral"]
        assert private["ephemeral"] and private["content"] == "just for you"
        assert dc.channel_messages()[-1]["content"] == "Here is story-1 for admin"

        # The replacement has no buttons, so press the others on a fresh question.
        asked = await dc.slash("ask")
        silent = await dc.click(asked, "Not now")
        assert silent.interaction is not None and silent.interaction.initial_type == 6
        assert silent.messages == []

        old = await dc.click(asked, "Old")
        assert old.ephemeral and "older version of me" in old.text

        opened = await dc.slash("form")
        assert opened.modal is not None and opened.messages == []
        assert opened.modal["custom_id"] == "play:goal|week-48"
        inputs = [row["components"][0] for row in opened.modal["components"]]
        assert [(i["custom_id"], i["style"], i["max_length"]) for i in inputs] == [
            ("goal", 1, 4000),
            ("notes", 2, 200),
        ]
        assert inputs[0]["placeholder"] == "One small thing" and inputs[1]["value"] == "none"
        saved = await dc.submit(opened, {"goal": "Finish the ARENA chapter"})
        assert saved.ephemeral
        assert saved.text == "Saved 'Finish the ARENA chapter' (none) for week-48"
        assert dc.problems() == []


async def test_files_limits_and_errors(app_factory, caplog):
    app = await app_factory(cogs=[PlayCog])
    async with running_discord(app) as dc:
        sent = await dc.slash("file")
        (message,) = sent.messages
        assert message["files"] == [{"field": "files[0]", "filename": "chart.png", "size": 9}]
        assert message["attachments"][0]["filename"] == "chart.png"
        huge = await dc.slash("huge")
        (big,) = huge.messages
        assert len(big["content"]) == 2000 and len(big["embeds"]) == 2
        assert sum(len(r["components"]) for r in big["components"]) == 25
        boom = await dc.slash("boom")
        assert boom.ephemeral and "Sorry, something went wrong" in boom.text
        assert "secret internals" not in boom.text
        assert dc.problems() == []


async def test_429_on_send_is_retried_once(app_factory):
    app = await app_factory(cogs=[PlayCog])
    async with running_discord(app) as dc:
        dc.emu.inject_429(f"/channels/{dc.channel_id}/messages", times=1, retry_after=0.2)
        ref = await app.outbox.send(dc.channel_id, Reply("after a rate limit"))
        statuses = [
            r.status
            for r in dc.emu.requests
            if r.method == "POST" and r.path == f"/channels/{dc.channel_id}/messages"
        ]
        assert statuses == [429, 200]
        assert [m["content"] for m in dc.channel_messages()] == ["after a rate limit"]
        assert dc.channel_messages()[0]["id"] == ref.message_id


async def test_outbox_nonce_threads_dms_and_failures(app_factory):
    app = await app_factory(cogs=[PlayCog])
    async with running_discord(app) as dc:
        box = app.outbox
        assert box.supports("threads") and box.supports("read_messages")
        assert not await box.send_private(dc.channel_id, dc.member, Reply("x"))
        first = await box.send(
            dc.channel_id, Reply("weekly post"), nonce="checkins:weekly:2026-48:guild-1"
        )
        again = await box.send(
            dc.channel_id, Reply("weekly post"), nonce="checkins:weekly:2026-48:guild-1"
        )
        assert first == again and len(dc.channel_messages()) == 1

        await box.edit(first, Reply("weekly post (edited)"))
        assert dc.channel_messages()[0]["content"] == "weekly post (edited)"

        ref = await box.open_thread(
            dc.channel_id, "Week 48 check-in", Reply("What will you finish?"), nonce="t48"
        )
        assert ref.thread_id is not None
        thread = dc.emu.channels[ref.thread_id]
        assert thread.parent_id == dc.channel_id and thread.name == "Week 48 check-in"
        again_ref = await box.open_thread(
            dc.channel_id, "Week 48 check-in", Reply("What will you finish?"), nonce="t48"
        )
        assert again_ref == ref
        inside = await box.send(dc.channel_id, Reply("in the thread"), thread_id=ref.thread_id)
        assert inside.thread_id == ref.thread_id
        assert [m["content"] for m in dc.channel_messages(ref.thread_id)] == ["in the thread"]
        info = await box.channel_info(ref.thread_id)
        assert info == Channel(dc.channel_id, "general", False, ref.thread_id)
        assert await box.channel_info("123") is None

        dm = await box.dm(dc.member, Reply("a private nudge"))
        assert dm is not None
        assert dc.emu.messages(dm.channel_id)[0]["content"] == "a private nudge"
        closed = await dc.add_user("closed", dms_open=False)
        assert await box.dm(closed, Reply("hello?")) is None
        assert await box.dm(closed, Reply("hello again?")) is None  # remembered; not asked again
        dm_posts = [r for r in dc.emu.requests if r.status == 403]
        assert len(dm_posts) == 1

        locked = await dc.add_channel("locked", no_permission=True)
        with pytest.raises(DeliveryError) as no_perm:
            await box.send(locked, Reply("x"))
        assert no_perm.value.permanent
        with pytest.raises(DeliveryError):
            await box.send(locked, Reply("x"))  # refused locally: no second 403
        assert len([r for r in dc.emu.requests if r.status == 403]) == 2
        with pytest.raises(DeliveryError) as gone:
            await box.send("424242424242", Reply("x"))
        assert gone.value.permanent
        assert box.mention_user("1") == "<@1>" and box.mention_channel("2") == "<#2>"
        assert dc.problems() == []


async def test_message_listener_with_message_content(app_factory):
    app = await app_factory(cogs=[PlayCog])
    async with running_discord(app) as dc:
        cog = play(app)
        await dc.say("I got rejected from MATS", user=dc.admin)
        (seen,) = cog.seen
        assert seen.text == "I got rejected from MATS" and not seen.is_edit
        assert seen.user.id == dc.admin and seen.user.is_admin and seen.user.platform == "discord"
        assert seen.community.id == dc.guild_id and seen.channel.id == dc.channel_id
        assert seen.channel.thread_id is None and not seen.mentions_bot

        await dc.say("again", message_id=seen.id)  # a redelivered event: handled once
        assert len(cog.seen) == 1

        await dc.edit(seen.id, "I got rejected from MATS (edited)")
        assert cog.seen[-1].is_edit and cog.seen[-1].text.endswith("(edited)")

        thread = await dc.emu.add_thread(dc.channel_id, "Week 48")
        await dc.say(f"<@{dc.emu.bot.id}> stuck on week 2", thread_id=thread)
        msg = cog.seen[-1]
        assert msg.channel == Channel(dc.channel_id, "general", False, thread)
        assert msg.thread_title == "Week 48" and msg.mentions_bot

        cog.listener_reply = True
        await dc.say("hello there")
        reply = dc.channel_messages()[-1]
        assert reply["content"] == "Hi hello there"
        assert reply["message_reference"]["message_id"] == cog.seen[-1].id
        assert reply["pings"]["users"] == [] and reply["components"]
        assert not any(m["ephemeral"] for m in dc.channel_messages())
        assert not any("private is impossible" in m["content"] for m in dc.emu.bot_messages())
        assert dc.problems() == []


async def test_without_message_content_intent_guild_text_is_empty_unless_mentioned(app_factory):
    """Like Discord: without the privileged intent, guild messages arrive with empty content
    unless they mention the bot (DMs always carry their text)."""
    app = await app_factory(cogs=[PlayCog])
    async with running_discord(app, message_content=False) as dc:
        assert not app.outbox.supports("read_messages")
        cog = play(app)
        await dc.say("I got rejected")
        await dc.say(f"<@{dc.emu.bot.id}> I got rejected")
        assert [m.text for m in cog.seen] == ["", f"<@{dc.emu.bot.id}> I got rejected"]
        assert cog.seen[1].mentions_bot


async def test_privileged_intent_refused_is_a_config_error(app_factory):
    app = await app_factory(cogs=[PlayCog])
    async with DiscordEmulator(privileged_message_content=False) as emu:
        await emu.add_guild()
        with pytest.raises(ConfigError, match="Message Content intent"):
            async with running_discord(app, emulator=emu, message_content=True):
                pass
        assert emu.closed_with == [4014]


async def test_gateway_drop_resumes(app_factory):
    app = await app_factory(cogs=[HelpCog])
    async with running_discord(app) as dc:
        await dc.emu.drop_connections(4000)
        await dc.emu.wait_for(lambda: any(s.live for s in dc.emu.sessions.values()), 10)
        assert len(dc.emu.identifies) == 1  # resumed, not re-identified
        assert (await dc.slash("help")).ephemeral


async def test_no_state_lingers_after_interactions(app_factory):
    app = await app_factory(cogs=[PlayCog])
    async with running_discord(app) as dc:
        for _ in range(20):
            asked = await dc.slash("ask")
            await dc.click(asked, "Not now")
            await dc.click(asked, "Yes")
        await asyncio.sleep(0)
        gc.collect()
        assert not dc.adapter.busy
        assert [o for o in gc.get_objects() if isinstance(o, DiscordCtx)] == []
        state = dc.adapter.client._connection
        assert len(state._view_store._views) == 0 and len(state._view_store._modals) == 0
        assert dc.problems() == []
