"""Message events through real slack-bolt: dedup on event_id, retries, edits, threads, replies."""

from __future__ import annotations

import json

from bot.core.cog import Cog
from bot.core.commands import listen
from bot.core.context import Ctx
from bot.core.events import Incoming
from bot.core.replies import Reply
from tests.fakes.slack_emulator import SlackRequest
from tests.slack_harness import running_slack, slack_config


class EarCog(Cog):
    name = "ear"
    description = "Hears messages"

    async def setup(self) -> None:
        self.heard: list[Incoming] = []

    @listen()
    async def hear(self, ctx: Ctx, message: Incoming) -> None:
        self.heard.append(message)
        if message.text.startswith("whisper "):
            await ctx.reply(Reply(f"Heard you: {message.text[8:]}", private=True))
        elif message.text.startswith("shout "):
            await ctx.reply(Reply(f"Everyone hears: {message.text[6:]}", private=False))


async def ear_app(app_factory, tmp_path):
    app = await app_factory(cogs=[EarCog], config=await slack_config(tmp_path))
    return app, app.registry.loaded["ear"].cog


async def test_message_reaches_listeners(app_factory, tmp_path):
    app, ear = await ear_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        result = await slack.say("hello & <welcome>")
        assert result.status == 200 and result.ack_ms < 3000
        assert len(ear.heard) == 1
        seen = ear.heard[0]
        assert seen.text == "hello & <welcome>"  # Slack's entities decoded for cogs
        assert seen.user.id == slack.member and seen.user.platform == "slack"
        assert seen.community.id == slack.team_id and seen.community.name == slack.emu.team_name
        assert seen.channel.id == slack.channel_id and seen.channel.thread_id is None
        assert not seen.is_edit and not seen.mentions_bot
        assert result.messages == []

        mention = await slack.say(f"<@{slack.emu.bot_user_id}> are you there?")
        assert mention.status == 200 and ear.heard[-1].mentions_bot


async def test_a_retried_event_runs_once(app_factory, tmp_path):
    app, ear = await ear_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        event = slack.emu.message_event(
            "one time only", user_id=slack.member, channel_id=slack.channel_id
        )
        first = await slack.say("", event=event, event_id="Ev0001")
        retry = await slack.say("", event=event, event_id="Ev0001", retry_num=1)
        again = await slack.say("", event=event, event_id="Ev0001", retry_num=2)
        assert [first.status, retry.status, again.status] == [200, 200, 200]
        assert [m.text for m in ear.heard] == ["one time only"]


async def test_a_retry_whose_first_delivery_was_lost_runs_once(app_factory, tmp_path):
    app, ear = await ear_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        event = slack.emu.message_event(
            "lost first", user_id=slack.member, channel_id=slack.channel_id
        )
        retry = await slack.say("", event=event, event_id="Ev0002", retry_num=1)
        second = await slack.say("", event=event, event_id="Ev0002", retry_num=2)
        assert retry.status == 200 and second.status == 200
        assert [m.text for m in ear.heard] == ["lost first"]


async def test_retry_dedup_in_socket_mode(app_factory, tmp_path):
    app, ear = await ear_app(app_factory, tmp_path)
    async with running_slack(app, mode="socket") as slack:
        event = slack.emu.message_event(
            "via socket", user_id=slack.member, channel_id=slack.channel_id
        )
        first = await slack.say("", event=event, event_id="Ev0003")
        retry = await slack.say("", event=event, event_id="Ev0003", retry_num=1)
        assert first.status == 200 and retry.status == 200
        assert [m.text for m in ear.heard] == ["via socket"]


async def test_private_listener_reply_is_ephemeral_to_the_author(app_factory, tmp_path):
    app, _ = await ear_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        result = await slack.say("whisper I got turned down <!channel> @here", at_least=1)
        [reply] = result.messages
        assert reply["ephemeral"] and reply["via"] == "chat.postEphemeral"
        assert reply["user"] == slack.member and reply["channel"] == slack.channel_id
        assert "Heard you: I got turned down" in result.text
        assert slack.emu.mass_mentions() == []


async def test_public_listener_reply_goes_in_a_thread(app_factory, tmp_path):
    app, _ = await ear_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        result = await slack.say("shout <!everyone> <!subteam^S0123|@mods> hi", at_least=1)
        [reply] = result.messages
        original = slack.channel_messages()[0]
        assert not reply["ephemeral"] and reply["thread_ts"] == original["ts"]
        assert "Everyone hears:" in result.text
        assert slack.emu.mass_mentions() == []


async def test_thread_messages_carry_thread_and_title(app_factory, tmp_path):
    app, ear = await ear_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        await slack.say("Week 48 check-in [no bot]\nWhat will you finish?")
        parent = slack.channel_messages()[0]
        result = await slack.say("shout in the thread", thread_ts=parent["ts"], at_least=1)
        seen = ear.heard[-1]
        assert seen.channel.thread_id == parent["ts"] and seen.thread_starter_id == parent["ts"]
        assert seen.thread_title == "Week 48 check-in [no bot]"
        assert result.messages[0]["thread_ts"] == parent["ts"]
        await slack.say("second reply", thread_ts=parent["ts"])
        assert len(slack.emu.calls_to("conversations.replies")) == 1  # cached


async def test_edits_bots_and_other_subtypes(app_factory, tmp_path):
    app, ear = await ear_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        await slack.say("first draft")
        ts = slack.channel_messages()[0]["ts"]
        edited = slack.emu.edit_event(slack.channel_id, ts, "second draft")
        await slack.say("", event=edited)
        assert [(m.text, m.is_edit, m.id) for m in ear.heard] == [
            ("first draft", False, ts),
            ("second draft", True, ts),
        ]
        unfurl = slack.emu.edit_event(slack.channel_id, ts, "second draft")  # text unchanged
        await slack.say("", event=unfurl)
        bot = {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B999",
            "text": "beep",
            "ts": slack.emu.next_ts(),
            "channel": slack.channel_id,
        }
        await slack.say("", event=bot)
        other_bot = {
            "type": "message",
            "user": "U0THERBOT",
            "bot_id": "B998",
            "text": "boop",
            "ts": slack.emu.next_ts(),
            "channel": slack.channel_id,
        }
        await slack.say("", event=other_bot)
        joined = {
            "type": "message",
            "subtype": "channel_join",
            "user": slack.member,
            "text": "joined",
            "ts": slack.emu.next_ts(),
            "channel": slack.channel_id,
        }
        await slack.say("", event=joined)
        own = {
            "type": "message",
            "user": slack.emu.bot_user_id,
            "bot_id": slack.emu.bot_id,
            "text": "my own",
            "ts": slack.emu.next_ts(),
            "channel": slack.channel_id,
        }
        assert (await slack.say("", event=own)).status == 200
        broadcast = slack.emu.message_event(
            "also to channel", user_id=slack.member, channel_id=slack.channel_id, thread_ts=ts
        )
        broadcast["subtype"] = "thread_broadcast"
        await slack.say("", event=broadcast)
        assert [m.text for m in ear.heard][2:] == ["also to channel"]


async def test_direct_messages(app_factory, tmp_path):
    app, ear = await ear_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        dm = slack.emu.dm_channel_of(slack.member)
        await slack.emu.m_conversations_open({"users": slack.member})
        result = await slack.say("shout hi", channel_id=dm, at_least=1)
        assert ear.heard[-1].channel.is_dm
        assert result.messages[0]["channel"] == dm and result.messages[0]["thread_ts"] is None


async def test_other_events_are_acked(app_factory, tmp_path):
    app, ear = await ear_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        for event in (
            {
                "type": "app_mention",
                "user": slack.member,
                "text": "<@UBOTEMU> hi",
                "ts": slack.emu.next_ts(),
                "channel": slack.channel_id,
            },
            {
                "type": "reaction_added",
                "user": slack.member,
                "reaction": "tada",
                "item": {"type": "message", "channel": slack.channel_id, "ts": "1.2"},
            },
        ):
            assert (await slack.say("", event=event)).status == 200
        assert ear.heard == []


async def test_url_verification_and_ssl_check(app_factory, tmp_path):
    app, _ = await ear_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        challenge = SlackRequest(
            "events_api",
            {"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595", "type": "url_verification"},
        )
        answer = await slack.emu.send_http(slack.url, challenge)
        assert answer.status == 200 and json.loads(answer.body) == {
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595"
        }
        bad = await slack.emu.send_http(slack.url, challenge, bad_signature=True)
        assert bad.status == 401
