"""Encouragement end to end on the platform emulators (the issue's "Done means").

Slack: the automatic reply is an ephemeral message only the author sees, with the story.
Discord: one short public offer; [Show me] opens the story as an ephemeral reply, for the
author only. On both: `/encourage off` stops replies, one reply per member per 7 days,
a retried/replayed delivery gives one reply, a channel that was not enabled gets none.
"""

from __future__ import annotations

from datetime import timedelta

from cogs.encouragement import EncouragementCog
from cogs.encouragement.compose import OFFER
from cogs.encouragement.detector import classify
from tests.discord_harness import running_discord
from tests.slack_harness import running_slack

REJECTION = "got rejected from MATS today, pretty gutted"
SECOND = "the anthropic fellows program rejected me too :("


def test_the_messages_are_rejections():
    assert classify(REJECTION).rejection and classify(SECOND).rejection


def story_ids(app, text: str) -> list[str]:
    flat = " ".join(text.split())
    return [t.id for t in app.content.testimonials.values() if " ".join(t.story.split()) in flat]


# -- Slack ---------------------------------------------------------------------------


async def slack_app(app_factory):
    return await app_factory(cogs=[EncouragementCog])


async def test_slack_enabled_channel_rejection_gets_one_ephemeral_story(app_factory):
    app = await slack_app(app_factory)
    async with running_slack(app) as slack:
        done = await slack.command("encourage channel on", user=slack.admin)
        assert "automatic replies are on" in done.text
        seen = await slack.say(REJECTION, at_least=1)
        assert seen.public == []  # nothing in the channel for everyone
        assert len(seen.ephemeral) == 1
        reply = seen.ephemeral[0]
        assert reply["user"] == slack.member and reply["via"] == "chat.postEphemeral"
        assert "Sorry, that stings." in seen.text
        assert len(story_ids(app, seen.text)) == 1
        assert [b["label"] for b in seen.buttons] == ["Another story", "What to do next", "Stop"]
        assert slack.emu.calls_to("conversations.open") == []  # never a DM

        # The buttons answer the author alone, privately.
        another = await slack.click(seen, "Another story")
        assert another.public == [] and another.ephemeral
        assert all(m["user"] == slack.member for m in another.ephemeral)
        assert story_ids(app, another.text) and story_ids(app, another.text) != story_ids(
            app, seen.text
        )
        steps = await slack.click(seen, "What to do next")
        assert any(
            " ".join(s.text.split()) in " ".join(steps.text.split())
            for s in app.content.next_steps.values()
        )
        assert slack.emu.violations == []


async def test_slack_rejected_command_is_private(app_factory):
    app = await slack_app(app_factory)
    async with running_slack(app) as slack:
        result = await slack.command("rejected MATS program")
        assert result.public == [] and len(result.ephemeral) == 1
        (story,) = story_ids(app, result.text)
        assert app.content.testimonials[story].stage == "program"
        bad = await slack.command("rejected MATS nope")
        assert "`stage` must be one of" in bad.text


async def test_slack_encourage_off_stops_replies(app_factory):
    app = await slack_app(app_factory)
    async with running_slack(app) as slack:
        await slack.command("encourage channel on", user=slack.admin)
        off = await slack.command("encourage off")
        assert "/coinflip encourage on" in off.text
        assert (await slack.say(REJECTION)).messages == []
        await slack.command("encourage on")
        assert len((await slack.say(REJECTION, at_least=1)).ephemeral) == 1


async def test_slack_stop_button_stops_replies(app_factory):
    app = await slack_app(app_factory)
    async with running_slack(app) as slack:
        await slack.command("encourage channel on", user=slack.admin)
        seen = await slack.say(REJECTION, at_least=1)
        stopped = await slack.click(seen, "Stop")
        assert "/coinflip encourage off" in stopped.text
        app.clock.advance(timedelta(days=30))
        assert (await slack.say(REJECTION)).messages == []


async def test_slack_second_rejection_within_seven_days_gets_none(app_factory):
    app = await slack_app(app_factory)
    async with running_slack(app) as slack:
        await slack.command("encourage channel on", user=slack.admin)
        assert len((await slack.say(REJECTION, at_least=1)).ephemeral) == 1
        app.clock.advance(timedelta(days=6))
        assert (await slack.say(SECOND)).messages == []
        app.clock.advance(timedelta(days=2))
        assert len((await slack.say(SECOND, at_least=1)).ephemeral) == 1


async def test_slack_retried_event_gets_one_reply(app_factory):
    app = await slack_app(app_factory)
    async with running_slack(app) as slack:
        # No cooldown, so only "never twice for the same message" can stop a second reply.
        await app.settings.set("community", f"slack:{slack.team_id}", "encourage.cooldown_days", 0)
        await slack.command("encourage channel on", user=slack.admin)
        event = slack.emu.message_event(
            REJECTION, user_id=slack.member, channel_id=slack.channel_id
        )
        first = await slack.say("", event=event, event_id="Ev0001", at_least=1)
        assert len(first.ephemeral) == 1
        retried = await slack.say("", event=event, event_id="Ev0001", retry_num=1)
        assert retried.status == 200 and retried.messages == []
        # Slack can also send the same message under a new event id: still one reply.
        again = await slack.say("", event=event, event_id="Ev0002", retry_num=2)
        assert again.messages == []
        # An edit of it never replies either.
        edit = {
            "type": "message",
            "subtype": "message_changed",
            "channel": slack.channel_id,
            "hidden": True,
            "ts": slack.emu.next_ts(),
            "event_ts": slack.emu.next_ts(),
            "message": {**{k: v for k, v in event.items() if k != "channel"}, "text": SECOND},
            "previous_message": {k: v for k, v in event.items() if k != "channel"},
            "channel_type": "channel",
        }
        assert (await slack.say("", event=edit)).messages == []
        # A new message is answered (cooldown 0).
        assert len((await slack.say(SECOND, at_least=1)).ephemeral) == 1


async def test_slack_disabled_channel_gets_none(app_factory):
    app = await slack_app(app_factory)
    async with running_slack(app) as slack:
        other = slack.add_channel("random")
        await slack.command("encourage channel on", user=slack.admin)
        assert (await slack.say(REJECTION, channel_id=other)).messages == []
        await slack.command("encourage channel off", user=slack.admin)
        assert (await slack.say(REJECTION)).messages == []
        # Members cannot switch channels on.
        refused = await slack.command("encourage channel on")
        assert "Only community admins" in refused.text
        assert (await slack.say(REJECTION)).messages == []


async def test_slack_ordinary_chat_gets_none(app_factory):
    app = await slack_app(app_factory)
    async with running_slack(app) as slack:
        await slack.command("encourage channel on", user=slack.admin)
        for text in ("rejection sampling question", "my friend got rejected from MATS", "hi!"):
            assert (await slack.say(text)).messages == [], text


# -- Discord -------------------------------------------------------------------------


def bot_posts(dc, channel_id: str | None = None) -> list[dict]:
    """Public messages the bot posted in a channel."""
    return [m for m in dc.channel_messages(channel_id) if m["author"]["id"] == dc.emu.bot.id]


async def discord_enable(dc, channel_id: str | None = None) -> None:
    options = {"state": "on"}
    if channel_id:
        options["channel"] = channel_id
    done = await dc.slash("encourage channel", options, user=dc.admin)
    assert done.ephemeral and "automatic replies are on" in done.text
    assert "Message Content intent" in done.text


async def test_discord_enabled_channel_rejection_gets_one_short_public_offer(app_factory):
    app = await app_factory(cogs=[EncouragementCog])
    async with running_discord(app) as dc:
        await discord_enable(dc)
        before = len(dc.emu.bot_messages())
        await dc.say(REJECTION)
        (offer,) = bot_posts(dc)
        assert offer["content"] == OFFER and offer["embeds"] == []
        labels = [c["label"] for row in offer["components"] for c in row["components"]]
        assert labels == ["Show me", "Not now", "Never"]
        assert offer["pings"] == {"users": [], "roles": [], "everyone": False}
        # No DM, no ephemeral, nothing else anywhere.
        assert [m["id"] for m in dc.emu.bot_messages()[before:]] == [offer["id"]]
        assert offer["message_reference"]["message_id"] == dc.channel_messages()[-2]["id"]
        assert dc.problems() == []


async def test_discord_show_me_opens_the_story_for_the_author_only(app_factory):
    app = await app_factory(cogs=[EncouragementCog])
    async with running_discord(app) as dc:
        other = await dc.add_user("bystander")
        await discord_enable(dc)
        await dc.say(REJECTION)
        (offer,) = bot_posts(dc)
        nosy = await dc.click(offer, "Show me", user=other)
        assert nosy.ephemeral and "This one was for" in nosy.text
        assert f"<@{dc.member}>" in nosy.text and story_ids(app, nosy.text) == []
        shown = await dc.click(offer, "Show me", user=dc.member)
        assert shown.ephemeral  # only the author sees it
        (story,) = story_ids(app, shown.text)
        assert app.content.testimonials[story].stage == "program"  # what the detector saw
        assert [b.label for b in shown.buttons] == ["Another story", "What to do next", "Stop"]
        another = await dc.click(shown, "Another story", user=dc.member)
        assert another.ephemeral and story_ids(app, another.text) not in ([], [story])
        # Still one public message, unchanged; nothing was sent by DM.
        assert [m["id"] for m in bot_posts(dc)] == [offer["id"]]
        assert bot_posts(dc)[0]["content"] == OFFER
        assert dc.problems() == []


async def test_discord_not_now_and_never(app_factory):
    app = await app_factory(cogs=[EncouragementCog])
    async with running_discord(app) as dc:
        await discord_enable(dc)
        await dc.say(REJECTION)
        (offer,) = bot_posts(dc)
        later = await dc.click(offer, "Not now", user=dc.member)
        assert "OK." in later.text
        (public,) = bot_posts(dc)
        assert public["components"] == [] and "Want a story" not in public["content"]
        assert [m for m in later.messages if "OK." in m["content"]][0]["ephemeral"]

        app.clock.advance(timedelta(days=8))
        await dc.say(SECOND)
        offer = bot_posts(dc)[-1]
        assert offer["content"] == OFFER
        never = await dc.click(offer, "Never", user=dc.member)
        assert "won't reply to your messages automatically again" in never.text
        assert bot_posts(dc)[-1]["components"] == []
        app.clock.advance(timedelta(days=30))
        count = len(bot_posts(dc))
        await dc.say(REJECTION)
        assert len(bot_posts(dc)) == count
        assert dc.problems() == []


async def test_discord_encourage_off_stops_replies(app_factory):
    app = await app_factory(cogs=[EncouragementCog])
    async with running_discord(app) as dc:
        await discord_enable(dc)
        off = await dc.slash("encourage off")
        assert off.ephemeral and "/encourage on" in off.text
        await dc.say(REJECTION)
        assert bot_posts(dc) == []
        await dc.slash("encourage on")
        await dc.say(REJECTION)
        assert len(bot_posts(dc)) == 1


async def test_discord_second_rejection_within_seven_days_gets_none(app_factory):
    app = await app_factory(cogs=[EncouragementCog])
    async with running_discord(app) as dc:
        await discord_enable(dc)
        await dc.say(REJECTION)
        assert len(bot_posts(dc)) == 1
        app.clock.advance(timedelta(days=6, hours=23))
        await dc.say(SECOND)
        assert len(bot_posts(dc)) == 1
        app.clock.advance(timedelta(hours=2))
        await dc.say(SECOND)
        assert len(bot_posts(dc)) == 2


async def test_discord_replayed_message_create_gets_one_reply(app_factory):
    app = await app_factory(cogs=[EncouragementCog])
    async with running_discord(app) as dc:
        await app.settings.set("community", f"discord:{dc.guild_id}", "encourage.cooldown_days", 0)
        await discord_enable(dc)
        await dc.say(REJECTION, message_id="900001")
        assert len(bot_posts(dc)) == 1
        await dc.say(REJECTION, message_id="900001")  # gateway replay, same id
        assert len(bot_posts(dc)) == 1
        # The adapter's in-memory dedup is gone after a restart; the claim is not.
        seen = getattr(dc.adapter, "_seen", None)
        if seen is not None:
            seen.clear()
        await dc.say(REJECTION, message_id="900001")
        assert len(bot_posts(dc)) == 1
        # An edit never replies either; a new message does (cooldown 0 here).
        await dc.edit("900001", SECOND)
        assert len(bot_posts(dc)) == 1
        await dc.say(SECOND)
        assert len(bot_posts(dc)) == 2
        assert dc.problems() == []


async def test_discord_disabled_channel_gets_none(app_factory):
    app = await app_factory(cogs=[EncouragementCog])
    async with running_discord(app) as dc:
        other = await dc.add_channel("random")
        await discord_enable(dc)
        await dc.say(REJECTION, channel_id=other)
        assert bot_posts(dc, other) == []
        refused = await dc.slash("encourage channel", {"state": "on", "channel": other})
        assert refused.ephemeral and "Only community admins" in refused.text
        await dc.say(REJECTION, channel_id=other)
        assert bot_posts(dc, other) == []
        await dc.slash("encourage channel", {"state": "off"}, user=dc.admin)
        await dc.say(REJECTION)
        assert bot_posts(dc) == []


async def test_discord_rejected_is_ephemeral(app_factory):
    app = await app_factory(cogs=[EncouragementCog])
    async with running_discord(app) as dc:
        result = await dc.slash("rejected", {"where": "MATS", "stage": "final-round"})
        assert result.ephemeral and "Sorry about MATS." in result.text
        (story,) = story_ids(app, result.text)
        assert app.content.testimonials[story].stage == "final-round"
        assert bot_posts(dc) == []


async def test_discord_without_message_content_only_rejected_works(app_factory):
    app = await app_factory(cogs=[EncouragementCog])
    async with running_discord(app, message_content=False) as dc:
        await dc.slash("encourage channel", {"state": "on"}, user=dc.admin)
        await dc.say(REJECTION)
        assert bot_posts(dc) == []  # the text arrives empty
        result = await dc.slash("rejected")
        assert result.ephemeral and story_ids(app, result.text)


async def test_discord_no_bot_thread_gets_none_but_other_threads_do(app_factory):
    app = await app_factory(cogs=[EncouragementCog])
    async with running_discord(app) as dc:
        await app.settings.set("community", f"discord:{dc.guild_id}", "encourage.cooldown_days", 0)
        await discord_enable(dc)
        quiet = await dc.emu.add_thread(dc.channel_id, "venting [no bot]", owner=dc.member)
        await dc.say(REJECTION, thread_id=quiet)
        assert bot_posts(dc, quiet) == []
        chatty = await dc.emu.add_thread(dc.channel_id, "job hunt", owner=dc.member)
        await dc.say(REJECTION, thread_id=chatty)
        assert [m["content"] for m in bot_posts(dc, chatty)] == [OFFER]  # enabled via its parent


async def test_slack_no_bot_thread_gets_none(app_factory):
    app = await slack_app(app_factory)
    async with running_slack(app) as slack:
        await app.settings.set("community", f"slack:{slack.team_id}", "encourage.cooldown_days", 0)
        await slack.command("encourage channel on", user=slack.admin)
        starter = slack.emu.message_event(
            "venting thread, 🚫🤖 please", user_id=slack.member, channel_id=slack.channel_id
        )
        await slack.say("", event=starter)
        in_thread = await slack.say(REJECTION, thread_ts=starter["ts"])
        assert in_thread.messages == []
        plain = slack.emu.message_event(
            "job hunt", user_id=slack.member, channel_id=slack.channel_id
        )
        await slack.say("", event=plain)
        answered = await slack.say(REJECTION, thread_ts=plain["ts"], at_least=1)
        assert len(answered.ephemeral) == 1 and answered.ephemeral[0]["user"] == slack.member
        # The ephemeral story appears inside the thread the member wrote in.
        assert answered.ephemeral[0]["thread_ts"] == plain["ts"]
