"""SlackOutbox against the emulator: posts, threads, DMs, ephemerals, errors, 429 retries."""

from __future__ import annotations

import pytest

from bot.adapters.slack import SlackOutbox
from bot.core.cog import Cog
from bot.core.commands import command
from bot.core.context import Ctx
from bot.core.outbox import DeliveryError
from bot.core.replies import Attachment, Button, Card, MessageRef, Reply
from tests.slack_harness import running_slack, slack_config


class ChattyCog(Cog):
    name = "chatty"
    description = "Replies a lot"

    @command("chatty", "Seven private replies")
    async def chatty(self, ctx: Ctx) -> None:
        for i in range(7):
            await ctx.reply(Reply(f"Part {i + 1} of 7", private=True))


async def outbox_app(app_factory, tmp_path, cogs=None):
    return await app_factory(cogs=cogs or [], config=await slack_config(tmp_path))


async def test_send_edit_thread_and_nonce(app_factory, tmp_path):
    app = await outbox_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        outbox = app.outbox
        assert isinstance(outbox, SlackOutbox)
        assert outbox.supports("ephemeral") and outbox.supports("threads")
        ref = await outbox.send(
            slack.channel_id, Reply("Hello **all**", buttons=(Button("Go", "x:y"),))
        )
        assert ref.channel_id == slack.channel_id and ref.message_id
        stored = slack.channel_messages()[-1]
        assert stored["ts"] == ref.message_id and stored["text"] == "Hello *all*"

        await outbox.edit(ref, Reply(cards=(Card("Edited", "now"),)))
        assert slack.channel_messages()[-1]["text"].startswith("*Edited*")

        thread = await outbox.open_thread(slack.channel_id, "Week 48", Reply())
        assert thread.thread_id == thread.message_id
        assert "*Week 48*" in slack.channel_messages()[-1]["text"]
        reply = await outbox.send(slack.channel_id, Reply("in thread"), thread_id=thread.thread_id)
        assert reply.thread_id == thread.thread_id
        assert slack.channel_messages()[-1]["thread_ts"] == thread.thread_id
        parent = [m for m in slack.channel_messages() if m["ts"] == thread.message_id][0]
        assert parent["reply_count"] == 1

        before = len(slack.channel_messages())
        first = await outbox.send(slack.channel_id, Reply("weekly post"), nonce="checkin:2026-W48")
        again = await outbox.send(slack.channel_id, Reply("weekly post"), nonce="checkin:2026-W48")
        assert again == first
        assert len(slack.channel_messages()) == before + 1
        # another process (nothing cached in memory) also sees the claim
        outbox._recent = type(outbox._recent)(60)
        third = await outbox.send(slack.channel_id, Reply("weekly post"), nonce="checkin:2026-W48")
        assert third.extra.get("duplicate") == "true"
        assert len(slack.channel_messages()) == before + 1


async def test_a_failed_nonce_send_can_be_retried(app_factory, tmp_path):
    app = await outbox_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        slack.emu.inject_error("chat.postMessage", "internal_error", status=500)
        with pytest.raises(DeliveryError) as err:
            await app.outbox.send(slack.channel_id, Reply("x"), nonce="n1")
        assert err.value.permanent is False
        ref = await app.outbox.send(slack.channel_id, Reply("x"), nonce="n1")
        assert ref.message_id


async def test_dm_ephemeral_and_channel_info(app_factory, tmp_path):
    app = await outbox_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        outbox = app.outbox
        ref = await outbox.dm(slack.member, Reply("Just for you"))
        assert ref is not None and ref.channel_id == slack.emu.dm_channel_of(slack.member)
        assert slack.channel_messages(ref.channel_id)[-1]["text"] == "Just for you"
        assert await outbox.dm(slack.emu.bot_user_id, Reply("x")) is None  # cannot_dm_bot
        assert await outbox.dm("UNOBODY", Reply("x")) is None  # user_not_found

        assert await outbox.send_private(slack.channel_id, slack.member, Reply("psst")) is True
        [whisper] = slack.emu.ephemerals
        assert whisper.user == slack.member and whisper.text == "psst"
        slack.emu.channels[slack.channel_id]["members"] = [slack.admin]
        assert await outbox.send_private(slack.channel_id, slack.member, Reply("psst")) is False

        info = await outbox.channel_info(slack.channel_id)
        assert info is not None and info.name == "general" and not info.is_dm
        dm_info = await outbox.channel_info(ref.channel_id)
        assert dm_info is not None and dm_info.is_dm
        assert await outbox.channel_info("CNOPE") is None

        assert outbox.mention_user("U1") == "<@U1>" and outbox.mention_channel("C1") == "<#C1>"
        await outbox.send(
            slack.channel_id,
            Reply(
                f"Thanks {outbox.mention_user(slack.member)} in {outbox.mention_channel(slack.channel_id)}"
            ),
        )
        assert f"<@{slack.member}>" in slack.channel_messages()[-1]["text"]
        assert f"<#{slack.channel_id}>" in slack.channel_messages()[-1]["text"]


@pytest.mark.parametrize(
    ("state", "code"),
    [
        ("missing", "channel_not_found"),
        ("archived", "is_archived"),
        ("not_in_channel", "not_in_channel"),
    ],
)
async def test_permanent_errors(app_factory, tmp_path, state, code):
    app = await outbox_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        gone = slack.add_channel("old")
        slack.emu.set_channel(gone, **{state: True})
        with pytest.raises(DeliveryError) as err:
            await app.outbox.send(gone, Reply("hello?"))
        assert err.value.permanent is True
        assert code in str(err.value)
        with pytest.raises(DeliveryError) as edit_err:
            await app.outbox.edit(MessageRef(gone, "1.2"), Reply("x"))
        assert edit_err.value.permanent is True


async def test_missing_scope_is_permanent(app_factory, tmp_path):
    app = await outbox_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        slack.emu.inject_error("chat.postMessage", "missing_scope")
        with pytest.raises(DeliveryError) as err:
            await app.outbox.send(slack.channel_id, Reply("x"))
        assert err.value.permanent is True


async def test_ratelimits_are_retried(app_factory, tmp_path):
    app = await outbox_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        slack.emu.inject_ratelimit("chat.postMessage", times=1, retry_after=0)
        ref = await app.outbox.send(slack.channel_id, Reply("eventually"))
        assert ref.message_id
        assert [c.error for c in slack.emu.calls_to("chat.postMessage")] == ["ratelimited", None]

        slack.emu.inject_ratelimit("chat.postMessage", times=5, retry_after=0)
        with pytest.raises(DeliveryError) as err:
            await app.outbox.send(slack.channel_id, Reply("never"))
        assert err.value.permanent is False


async def test_files_through_the_outbox(app_factory, tmp_path):
    app = await outbox_app(app_factory, tmp_path)
    async with running_slack(app) as slack:
        ref = await app.outbox.send(
            slack.channel_id, Reply(attachment=Attachment("recap.png", b"png-bytes", "Recap"))
        )
        assert ref.channel_id == slack.channel_id
        [shared] = [m for m in slack.channel_messages() if m.get("files")]
        assert shared["files"][0]["title"] == "Recap"
        assert [c.method for c in slack.emu.calls if c.method.startswith("files.")] == [
            "files.getUploadURLExternal",
            "files.completeUploadExternal",
        ]


async def test_response_url_allows_five_posts_then_ephemeral(app_factory, tmp_path):
    app = await outbox_app(app_factory, tmp_path, cogs=[ChattyCog])
    async with running_slack(app) as slack:
        result = await slack.command("chatty", at_least=7)
        assert [m["text"] for m in result.messages] == [f"Part {i} of 7" for i in range(1, 8)]
        assert [m["via"] for m in result.messages] == ["response_url"] * 5 + [
            "chat.postEphemeral"
        ] * 2
        assert all(m["ephemeral"] and m["user"] == slack.member for m in result.messages)
        url = result.delivery.request.response_url
        assert slack.emu.response_url_posts(url) == 5
