"""Interactions through real slack-bolt: slow handlers, mention safety, buttons, modals, limits."""

from __future__ import annotations

import asyncio
import json

from bot.core.cog import Cog
from bot.core.commands import Option, command, on_click, on_submit
from bot.core.context import Ctx
from bot.core.replies import Attachment, Button, Card, Field, Form, FormField, Reply
from cogs.help import HelpCog
from tests.slack_harness import running_slack, slack_config

RAW_PINGS = (
    "@everyone @here @channel <!channel> <!here> <!everyone> <!subteam^S1|@mods> <!subteam^S2>"
)
ECHOED = f"{RAW_PINGS} <#C123|general> a&b <tag>"


class ProbeCog(Cog):
    name = "probe"
    description = "Test probes"

    async def setup(self) -> None:
        self.picked: list[str] = []

    @command("slow", "Sleep 4 s, then answer")
    async def slow(self, ctx: Ctx) -> None:
        await asyncio.sleep(4)
        await ctx.reply(Reply("Slept well.", private=True))

    @command(
        "echo", "Echo text", Option("text", "what to echo", required=True, rest=True), private=False
    )
    async def echo(self, ctx: Ctx, text: str) -> None:
        await ctx.reply(
            Reply(
                f"You said: {text} and **{text}**",
                cards=(
                    Card(
                        f"Echo {text}",
                        text,
                        fields=(Field(text, text), Field("Said", text, inline=False)),
                        footer=text,
                        url="https://example.org/a|b",
                    ),
                ),
                buttons=(Button(text[:40], self.action("pick"), text),),
            )
        )

    @command("vote", "Public message with buttons", private=False)
    async def vote(self, ctx: Ctx) -> None:
        await ctx.reply(
            Reply(
                "Which one?",
                buttons=(
                    Button("Yes", self.action("pick"), "yes", "primary"),
                    Button("No", self.action("pick"), "no"),
                    Button("Swap", self.action("swap"), "v" * 3000),
                    Button("Read more", self.action("unused"), url="https://example.org/more"),
                    Button("Sneaky", self.action("unused"), url="javascript:alert(1)"),
                ),
            )
        )

    @command("ask", "Private message with a replacing button")
    async def ask(self, ctx: Ctx) -> None:
        await ctx.reply(
            Reply(
                "Private question",
                buttons=(Button("Swap", self.action("swap"), "x"),),
                private=True,
            )
        )

    @on_click("pick")
    async def pick(self, ctx: Ctx, value: str) -> None:
        self.picked.append(value)
        await ctx.reply(Reply(f"You picked {value} in {ctx.channel.id}", private=True))

    @on_click("swap")
    async def swap(self, ctx: Ctx, value: str) -> None:
        await ctx.reply(Reply(f"Swapped ({len(value)})", replace=True))

    def goal_form(self, meta: str = "week-48") -> Form:
        return Form(
            self.action("goal"),
            "Your weekly goal, in a few words",
            (
                FormField("goal", "What will you finish?", style="long", max_length=500),
                FormField("note", "Anything else?", required=False, default="nothing"),
            ),
            meta=meta,
        )

    @command("goal", "Open a form", opens_form=True)
    async def goal(self, ctx: Ctx) -> None:
        await ctx.open_form(self.goal_form())

    @command("lategoal", "Open a form too late")
    async def lategoal(self, ctx: Ctx) -> None:
        await asyncio.sleep(0.4)  # the test shortens the emulator's 3 s trigger lifetime
        await ctx.open_form(self.goal_form("late"))

    @command("bigmeta", "A form with a long meta", opens_form=True)
    async def bigmeta(self, ctx: Ctx) -> None:
        await ctx.open_form(self.goal_form("m" * 5000))

    @on_submit("goal")
    async def goal_submit(self, ctx: Ctx, values: dict[str, str], meta: str) -> None:
        await ctx.reply(
            Reply(
                f"Saved {values['goal']} ({values['note']}) for {meta[:10]} len={len(meta)}",
                private=True,
            )
        )
        await ctx.reply(Reply(f"{ctx.user.name} set a goal", private=False))

    @command("big", "A reply over Slack's limits")
    async def big(self, ctx: Ctx) -> None:
        cards = tuple(
            Card(f"Card {i}", "x" * 3500, fields=tuple(Field(f"f{j}", "v") for j in range(14)))
            for i in range(30)
        )
        buttons = tuple(Button(f"B{i}", self.action("pick"), str(i)) for i in range(12))
        await ctx.reply(Reply("y" * 7000, cards=cards, buttons=buttons))

    @command("chart", "A file", Option("where", "public or private"))
    async def chart(self, ctx: Ctx, where: str = "public") -> None:
        await ctx.reply(
            Reply(
                "Here is your chart.",
                attachment=Attachment("chart.png", b"\x89PNG fake", "Chart"),
                private=where == "private",
            )
        )

    @command("boom", "Fails")
    async def boom(self, ctx: Ctx) -> None:
        raise RuntimeError("secret internals")


async def test_slow_handler_is_acked_fast_and_still_answers(app_factory, tmp_path):
    app = await app_factory(cogs=[HelpCog, ProbeCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        result = await slack.command("slow", within=10)
        assert result.status == 200
        assert result.ack_ms < 3000, result.ack_ms
        assert result.ack_ms < 500, result.ack_ms  # in practice a few ms
        assert "Slept well." in result.text


async def test_slow_handler_socket_mode(app_factory, tmp_path):
    app = await app_factory(cogs=[ProbeCog], config=await slack_config(tmp_path))
    async with running_slack(app, mode="socket") as slack:
        result = await slack.command("slow", within=10)
        assert result.status == 200 and result.ack_ms < 3000
        assert "Slept well." in result.text


async def test_user_text_pings_nobody(app_factory, tmp_path):
    app = await app_factory(cogs=[ProbeCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        result = await slack.command(f"echo {ECHOED}")
        assert result.status == 200
        assert result.public, result.messages
        assert slack.emu.mass_mentions() == []
        shown = "\n".join(slack.emu.visible_texts())
        for raw in ("<!channel", "<!here", "<!everyone", "<!subteam"):
            assert raw not in shown
        # the button still carries the exact text back to the cog
        clicked = await slack.click(result, result.buttons[0]["label"])
        assert "You picked @" in clicked.text
        probe = app.registry.loaded["probe"].cog
        assert isinstance(probe, ProbeCog) and probe.picked[-1] == ECHOED
        assert slack.emu.mass_mentions() == []
        text = result.text
        assert "a&b <tag>" in text  # escaped for Slack, shown as typed
        assert "&lt;tag&gt;" in result.messages[0]["blocks"][0]["text"]["text"]
        # links stay http(s) and cannot break out of <url|label>
        assert "<https://example.org/a%7Cb|" in json.dumps(result.messages[0]["blocks"])
        assert slack.emu.violations == []

        # the same text through the message listener path is covered in test_slack_events


async def test_buttons_round_trip(app_factory, tmp_path):
    app = await app_factory(cogs=[ProbeCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        result = await slack.command("vote")
        message = result.messages[0]
        assert not message["ephemeral"] and message["via"] == "chat.postMessage"
        labels = [b["label"] for b in result.buttons]
        assert labels == ["Yes", "No", "Swap", "Read more"]  # the javascript: link is dropped
        ids = [b["action_id"] for b in result.buttons]
        assert len(set(ids)) == len(ids)
        assert result.buttons[3]["url"] == "https://example.org/more"

        picked = await slack.click(result, "No")
        assert picked.status == 200 and picked.ack_ms < 3000
        assert picked.ephemeral and f"You picked no in {slack.channel_id}" in picked.text

        link = await slack.click(result, "Read more", at_least=0)
        assert link.status == 200 and link.messages == []

        swapped = await slack.click(result, "Swap")
        assert [m["kind"] for m in swapped.messages] == ["update"]
        assert swapped.messages[0]["via"] == "chat.update"
        assert "Swapped (3000)" in swapped.text
        stored = slack.channel_messages()[-1]
        assert stored["ts"] == message["ts"] and "Swapped" in stored["text"]


async def test_replace_on_an_ephemeral_message_uses_the_response_url(app_factory, tmp_path):
    app = await app_factory(cogs=[ProbeCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        result = await slack.command("ask")
        assert result.messages[0]["ephemeral"]
        swapped = await slack.click(result, "Swap")
        assert swapped.messages[0]["kind"] == "update"
        assert swapped.messages[0]["via"] == "response_url"
        assert "Swapped (1)" in swapped.text


async def test_modal_round_trip(app_factory, tmp_path):
    app = await app_factory(cogs=[ProbeCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        opened = await slack.command("goal")
        view = opened.view
        assert view is not None, opened
        assert view["opened_after_ms"] < 3000
        assert len(view["title"]["text"]) <= 24
        assert [b["block_id"] for b in view["blocks"]] == ["goal", "note"]
        assert view["blocks"][0]["element"]["multiline"] is True
        meta = json.loads(view["private_metadata"])
        assert (
            meta["f"] == "probe:goal" and meta["m"] == "week-48" and meta["c"] == slack.channel_id
        )

        done = await slack.submit(opened, {"goal": "finish the <b>draft</b> & @here"}, at_least=2)
        assert done.status == 200
        assert done.delivery is not None and done.delivery.body == ""  # the modal closes
        assert "Saved finish the <b>draft</b> & @" in done.text
        assert "(nothing) for week-48" in done.text
        private, public = done.messages
        assert private["ephemeral"] and private["via"] == "chat.postEphemeral"
        assert not public["ephemeral"] and public["channel"] == slack.channel_id
        assert slack.emu.mass_mentions() == []


async def test_long_form_meta_survives(app_factory, tmp_path):
    app = await app_factory(cogs=[ProbeCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        opened = await slack.command("bigmeta")
        assert opened.view is not None
        assert len(opened.view["private_metadata"]) <= 3000
        done = await slack.submit(opened, {"goal": "g"}, at_least=2)
        assert "len=5000" in done.text


async def test_expired_trigger_falls_back_to_a_button(app_factory, tmp_path):
    app = await app_factory(cogs=[ProbeCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        slack.emu.trigger_ttl = 0.2
        late = await slack.command("lategoal")
        assert late.view is None
        assert [c.error for c in slack.emu.calls_to("views.open")] == ["expired_trigger_id"]
        assert late.buttons, late.messages
        opened = await slack.click(late, late.buttons[0]["label"])
        assert opened.view is not None
        done = await slack.submit(opened, {"goal": "g"}, at_least=2)
        assert "for late" in done.text


async def test_limits_are_respected(app_factory, tmp_path):
    app = await app_factory(cogs=[ProbeCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        result = await slack.command("big")
        assert slack.emu.violations == []
        blocks = result.messages[0]["blocks"]
        assert len(blocks) <= 50
        assert sum(1 for b in blocks if b["type"] == "actions") == 3  # 12 buttons, 5 per row
        assert "cut to fit" in result.text


async def test_files_are_uploaded(app_factory, tmp_path):
    app = await app_factory(cogs=[ProbeCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        public = await slack.command("chart", at_least=2)
        kinds = [(m["kind"], m["channel"]) for m in public.messages]
        assert ("file", slack.channel_id) in kinds
        private = await slack.command("chart private", at_least=2)
        files = [m for m in private.messages if m["kind"] == "file"]
        assert files and files[0]["channel"] == slack.emu.dm_channel_of(slack.member)
        assert private.ephemeral
        uploaded = [f for f in slack.emu.files.values() if f["data"] == b"\x89PNG fake"]
        assert len(uploaded) == 2


async def test_errors_become_a_short_apology(app_factory, tmp_path):
    app = await app_factory(cogs=[ProbeCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        result = await slack.command("boom")
        assert "Sorry, something went wrong" in result.text
        assert "secret internals" not in result.text
        assert result.messages[0]["ephemeral"]
