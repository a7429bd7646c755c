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


_ = OFFER  # used by the Discord half below
