"""Check-ins end to end on the Discord and Slack emulators (real discord.py and slack-bolt).

A full week on each: an admin sets up (a member is refused), the weekly thread goes up at
the minute, goals through the modal (command and starter button), progress through a
reply in the thread, the nudge DM reaches only the opted-in member who has not reported,
who reports from the DM's button; next Monday's recap counts it all; the chart is a PNG.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from cogs.checkins import CheckinsCog
from cogs.checkins.weeks import Week
from tests.discord_harness import message_buttons, running_discord
from tests.discord_harness import message_text as discord_text
from tests.slack_harness import buttons_of, running_slack, slack_config
from tests.slack_harness import message_text as slack_text
from tests.test_checkins_flow import store_of

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 09:00 in London in December
WEDNESDAY = MONDAY + timedelta(days=2)
NEXT_MONDAY = MONDAY + timedelta(days=7)
SETUP = {"day": "mon", "time": "09:00", "timezone": "Europe/London"}


def is_png(data: bytes) -> bool:
    image = Image.open(io.BytesIO(data))
    return image.format == "PNG" and image.size[0] > 0 and image.size[1] > 0


# -- Discord ------------------------------------------------------------------------


async def test_discord_full_week(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    async with running_discord(app) as dc:
        checkins = await dc.add_channel("checkins")
        ben = await dc.add_user("ben")
        cat = await dc.add_user("cat")

        refused = await dc.slash("checkins setup", {"channel": checkins, **SETUP}, user=dc.member)
        assert refused.ephemeral and "Only community admins can use" in refused.text
        done = await dc.slash("checkins setup", {"channel": checkins, **SETUP}, user=dc.admin)
        assert done.ephemeral and "Check-ins are set up" in done.text
        assert f"<#{checkins}>" in done.text
        status = await dc.slash("checkins status", user=dc.member)
        assert status.ephemeral and "Mon 7 Dec, 09:00 UK time" in status.text
        assert f"<t:{int(MONDAY.timestamp())}:R>" in status.text  # native timestamp

        clock.set(MONDAY)
        await app.scheduler.tick()
        posted = dc.channel_messages(checkins)
        assert len(posted) == 1
        starter = posted[0]
        assert "Week 50 (7–13 Dec)" in discord_text(starter)
        assert "`/checkin goals`" in discord_text(starter)  # Discord's own syntax
        assert dc.emu.channels[starter["id"]].name == "Week 50 (7–13 Dec)"  # the thread
        thread_id = starter["id"]
        assert starter["allowed_mentions"] is not None and not starter["pings"]["everyone"]

        # Goals: the command opens a modal; the starter's button does too.
        opened = await dc.slash("checkin goals", user=dc.member)
        assert opened.modal is not None and opened.interaction.initial_type == 9
        saved = await dc.submit(opened, {"goal1": "Draft my MATS application"})
        assert saved.ephemeral and "Saved your goals for Week 50" in saved.text
        opened = await dc.click(starter, "Set my goals", user=ben)
        assert opened.modal is not None
        await dc.submit(opened, {"goal1": "Email a mentor", "goal2": "Read one paper"}, user=ben)
        opened = await dc.click(starter, "Set my goals", user=cat)
        await dc.submit(opened, {"goal1": "Rest"}, user=cat)
        # Editing: the modal comes back prefilled.
        again = await dc.slash("checkin goals", user=ben)
        fields = [row["components"][0] for row in again.modal["components"]]
        assert [f.get("value", "") for f in fields] == ["Email a mentor", "Read one paper", ""]
        await dc.submit(again, {})

        for who in (dc.member, ben):
            r = await dc.slash("checkin remind", {"state": True}, user=who)
            assert r.ephemeral and "Nudges on" in r.text

        # Progress: a plain reply in the thread.
        await dc.say("Drafted it, sending tomorrow", user=dc.member, thread_id=thread_id)
        counts = await store_of(app).counts(f"discord:{dc.guild_id}", ["2026-W50"])
        assert counts["2026-W50"].reported == 1

        # Wednesday: one DM, to ben (opted in, goals, no report); never to cat (no opt-in).
        clock.set(WEDNESDAY)
        await app.scheduler.tick()
        await app.scheduler.tick()
        ben_dms = dc.emu.messages(await dc.emu.dm_channel(ben))
        assert len(ben_dms) == 1 and "A gentle nudge" in discord_text(ben_dms[0])
        assert [b.label for b in message_buttons(ben_dms[0])] == ["Report progress", "Stop these"]
        assert dc.emu.messages(await dc.emu.dm_channel(cat)) == []
        assert dc.emu.messages(await dc.emu.dm_channel(dc.member)) == []

        # ben reports from the DM button.
        opened = await dc.click(ben_dms[0], "Report progress", user=ben)
        assert opened.modal is not None
        reported = await dc.submit(opened, {"g1": "done: she replied", "g2": "not yet"}, user=ben)
        assert reported.ephemeral and "Thanks for reporting back for Week 50" in reported.text
        assert "Email a mentor" in reported.text and "she replied" in reported.text

        # Next Monday: the recap.
        clock.set(NEXT_MONDAY)
        await app.scheduler.tick()
        posted = dc.channel_messages(checkins)
        assert len(posted) == 2
        assert "Last week 3 of you set goals and 2 reported back." in discord_text(posted[1])
        assert "Week 51 (14–20 Dec)" in discord_text(posted[1])

        chart = await dc.slash("checkins stats", user=dc.member)
        (message,) = chart.messages
        assert not message["ephemeral"]
        assert message["files"][0]["filename"] == "checkins-2026-W51.png"
        assert is_png(dc.emu.all_messages[message["id"]].files[0]["data"])

        me = await dc.slash("checkin me", user=ben)
        assert me.ephemeral and "Streak:" in me.text
        assert dc.problems() == []


async def test_discord_thread_reply_counts_without_message_content(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    async with running_discord(app, message_content=False) as dc:
        checkins = await dc.add_channel("checkins")
        await dc.slash("checkins setup", {"channel": checkins, **SETUP}, user=dc.admin)
        clock.set(MONDAY)
        await app.scheduler.tick()
        thread_id = dc.channel_messages(checkins)[0]["id"]
        await dc.say("Shipped my first eval!", user=dc.member, thread_id=thread_id)
        await dc.say("Chatting elsewhere", user=dc.member)
        key = f"discord:{dc.guild_id}"
        counts = await store_of(app).counts(key, ["2026-W50"])
        assert counts["2026-W50"].reported == 1  # seen, though its text arrived empty
        # Commands still do everything.
        r = await dc.slash("checkin done", {"note": "wrote it up"}, user=dc.member)
        assert r.ephemeral and "Thanks for reporting back" in r.text
        assert dc.problems() == []


async def test_discord_missing_permission_notifies_the_admin_once(app_factory, clock):
    app = await app_factory(cogs=[CheckinsCog])
    async with running_discord(app) as dc:
        locked = await dc.add_channel("locked", no_permission=True)
        done = await dc.slash("checkins setup", {"channel": locked, **SETUP}, user=dc.admin)
        assert "Check-ins are set up" in done.text
        for minutes in (0, 1, 30):
            clock.set(MONDAY + timedelta(minutes=minutes))
            await app.scheduler.tick()
        notices = dc.emu.messages(await dc.emu.dm_channel(dc.admin))
        assert len(notices) == 1
        assert "I couldn't post the check-in for Week 50" in discord_text(notices[0])
        posts = [r for r in dc.emu.requests if r.method == "POST" and locked in r.path]
        assert len(posts) == 1  # tried once, no loop of 403s
        assert await app.scheduler.get_weekly(f"checkins:discord:{dc.guild_id}") is not None
        assert dc.problems() == []


# -- Slack --------------------------------------------------------------------------


def nudges(slack, user: str) -> list[dict]:
    dms = slack.channel_messages(slack.emu.dm_channel_of(user))
    return [m for m in dms if "A gentle nudge" in slack_text(m)]


async def test_slack_full_week(app_factory, clock, tmp_path):
    app = await app_factory(cogs=[CheckinsCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        checkins = slack.add_channel("checkins")
        ben = slack.add_user("ben")
        cat = slack.add_user("cat")
        setup = f"checkins setup channel:<#{checkins}|checkins> day:mon time:09:00 timezone:Europe/London"

        refused = await slack.command(setup, user=slack.member)
        assert "Only community admins can use" in refused.text
        done = await slack.command(setup, user=slack.admin)
        assert done.status == 200 and done.ack_ms < 3000
        assert "Check-ins are set up" in done.text and not done.public
        status = await slack.command("checkins status", user=slack.member)
        assert "Mon 7 Dec, 09:00 UK time" in status.text

        clock.set(MONDAY)
        await app.scheduler.tick()
        posted = [m for m in slack.channel_messages(checkins) if m.get("bot_id") or m.get("blocks")]
        assert len(posted) == 1
        starter = posted[0]
        assert "Week 50 (7–13 Dec)" in slack_text(starter)
        assert "/coinflip checkin goals" in slack_text(starter)  # Slack's own syntax
        thread_ts = starter["ts"]
        key = f"slack:{slack.team_id}"
        saved = await store_of(app).get_post(key, Week(2026, 50))
        assert saved is not None and saved.thread_id == thread_ts

        # Goals through the modal, from the command and from the starter's button.
        opened = await slack.command("checkin goals", user=slack.member)
        assert opened.view is not None
        saved_goals = await slack.submit(opened, {"goal1": "Draft my SPAR application"})
        assert "Saved your goals for Week 50" in saved_goals.text
        opened = await slack.click(starter, "Set my goals", user=ben)
        assert opened.view is not None
        await slack.submit(opened, {"goal1": "Email a mentor"}, user=ben)
        opened = await slack.click(starter, "Set my goals", user=cat)
        await slack.submit(opened, {"goal1": "Rest"}, user=cat)
        for who in (slack.member, ben):
            r = await slack.command("checkin remind on", user=who)
            assert "Nudges on" in r.text

        # Progress: a reply in the thread; the member hears about it privately.
        seen = await slack.say(
            "Drafted it!", user=slack.member, channel_id=checkins, thread_ts=thread_ts, at_least=1
        )
        assert "Counted your reply as your check-in" in seen.text and not seen.public
        assert (await store_of(app).counts(key, ["2026-W50"]))["2026-W50"].reported == 1

        # Wednesday: one DM from the app, to ben only.
        clock.set(WEDNESDAY)
        await app.scheduler.tick()
        await app.scheduler.tick()
        # (A modal's answer also reaches Slack members as a DM from the app; count nudges.)
        ben_dms = nudges(slack, ben)
        assert len(ben_dms) == 1
        assert [b["label"] for b in buttons_of(ben_dms[0])] == ["Report progress", "Stop these"]
        assert nudges(slack, cat) == [] and nudges(slack, slack.member) == []

        opened = await slack.click(ben_dms[0], "Report progress", user=ben)
        assert opened.view is not None
        reported = await slack.submit(opened, {"g1": "partly: drafted the email"}, user=ben)
        assert "Thanks for reporting back for Week 50" in reported.text
        stopped = await slack.click(ben_dms[0], "Stop these", user=ben)
        assert "Nudges off" in stopped.text

        clock.set(NEXT_MONDAY)
        await app.scheduler.tick()
        posted = [m for m in slack.channel_messages(checkins) if m.get("blocks")]
        assert "Last week 3 of you set goals and 2 reported back." in slack_text(posted[-1])
        assert "Week 51 (14–20 Dec)" in slack_text(posted[-1])

        chart = await slack.command("checkins stats", user=slack.member)
        assert chart.status == 200
        uploads = [f for f in slack.emu.files.values() if f["name"] == "checkins-2026-W51.png"]
        assert len(uploads) == 1 and is_png(uploads[0]["data"])

        assert slack.emu.violations == []
        assert slack.emu.mass_mentions() == []


async def test_slack_channel_the_bot_left_notifies_the_admin_once(app_factory, clock, tmp_path):
    app = await app_factory(cogs=[CheckinsCog], config=await slack_config(tmp_path))
    async with running_slack(app) as slack:
        checkins = slack.add_channel("checkins")
        setup = f"checkins setup channel:<#{checkins}|checkins> day:mon time:09:00 timezone:Europe/London"
        assert "Check-ins are set up" in (await slack.command(setup, user=slack.admin)).text
        slack.emu.set_channel(checkins, not_in_channel=True)
        for minutes in (0, 1, 30):
            clock.set(MONDAY + timedelta(minutes=minutes))
            await app.scheduler.tick()
        dms = slack.channel_messages(slack.emu.dm_channel_of(slack.admin))
        notices = [m for m in dms if "I couldn't post the check-in" in slack_text(m)]
        assert len(notices) == 1
        posts = [
            c for c in slack.emu.calls_to("chat.postMessage") if c.args.get("channel") == checkins
        ]
        assert len(posts) == 1
        # Next week it tries again, and works once the bot is back in the channel.
        slack.emu.set_channel(checkins, not_in_channel=False)
        clock.set(NEXT_MONDAY)
        await app.scheduler.tick()
        assert any("Week 51" in slack_text(m) for m in slack.channel_messages(checkins))
