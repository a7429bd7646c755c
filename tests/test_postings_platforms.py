"""Postings end to end on the Discord and Slack emulators (real discord.py and slack-bolt):
submit -> queue -> approve -> feed -> digest -> reminder -> closed; a member clicking
Approve is refused and nothing changes; a rejection reason reaches the submitter;
@everyone and friends in every field ping nobody."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from cogs.postings import PostingsCog
from tests.discord_harness import message_buttons, running_discord
from tests.discord_harness import message_text as discord_text
from tests.slack_harness import message_text as slack_text
from tests.slack_harness import running_slack

REFUSAL = (
    "Only moderators can approve postings. If you think this one is good, "
    "a moderator will see it in the queue."
)
VALUES = {
    "title": "AI Safety Fellowship",
    "org": "FAR AI · Berkeley or remote",
    "link": "https://far.example.org/fellowship/?utm_source=slack",
    "deadline": "Dec 9 17:00",
    "description": "Six months of funded research with mentors.",
}
LOUD = {
    "title": "@everyone hiring now @here",
    "org": "<!channel> Labs · <!here> @channel",
    "link": "https://loud.example.org/@everyone?x=<!channel>",
    "deadline": "Dec 9",
    "description": "Hey @everyone <!everyone> <!subteam^S0001> <@&123456789012345678> look",
}


def cog_of(app) -> PostingsCog:
    cog = app.registry.loaded["postings"].cog
    assert isinstance(cog, PostingsCog)
    return cog


async def stored_status(app, posting_id: int = 1) -> str:
    p = await cog_of(app).store.get(posting_id)
    assert p is not None
    return p.status


# -- Discord ---------------------------------------------------------------------------


async def discord_setup(dc):
    review = await dc.add_channel("review")
    feed = await dc.add_channel("feed")
    done = await dc.slash("postings setup", {"review": review, "feed": feed}, user=dc.admin)
    assert done.ephemeral and "Done." in done.text and f"<#{review}>" in done.text
    return review, feed


async def test_discord_submit_queue_approve_feed_digest_reminder_closed(app_factory, clock):
    app = await app_factory(cogs=[PostingsCog])
    async with running_discord(app) as dc:
        review, feed = await discord_setup(dc)
        opened = await dc.slash("postings submit", {"kind": "fellowship"})
        assert opened.modal is not None and opened.interaction.initial_type == 9
        done = await dc.submit(opened, VALUES)
        assert done.ephemeral and "Posting #1 is waiting for a moderator" in done.text

        (card,) = dc.channel_messages(review)
        text = discord_text(card)
        assert "Review #1 · Fellowship: AI Safety Fellowship" in text
        assert "https://far.example.org/fellowship" in text and "utm_source" not in text
        assert [b.label for b in message_buttons(card)] == ["Approve", "Reject", "Edit"]
        assert dc.channel_messages(feed) == []

        # A member clicking Approve: a polite refusal, nothing changes.
        refused = await dc.click(card, "Approve")
        assert refused.ephemeral and refused.text == REFUSAL
        assert await stored_status(app) == "pending"
        assert dc.channel_messages(feed) == []

        approved = await dc.click(card, "Approve", user=dc.admin)
        assert (
            approved.ephemeral and f"Approved posting #1; it's in <#{feed}> now." in approved.text
        )
        (post,) = dc.channel_messages(feed)
        text = discord_text(post)
        assert "Fellowship: AI Safety Fellowship" in text
        assert "Wed 9 Dec, 17:00 UTC, in 8 days (<t:" in text  # native timestamp too
        assert "Shared by\nmember" in text
        assert [b.url for b in message_buttons(post)] == ["https://far.example.org/fellowship"]
        # Its own thread for questions, named after the posting.
        threads = [c for c in dc.emu.channels.values() if c.id == post["id"]]
        assert threads and threads[0].name == "AI Safety Fellowship"
        # The queue card now says who decided; the submitter heard by DM.
        (card,) = dc.channel_messages(review)
        assert "Approved by admin" in discord_text(card)
        dm = dc.emu.messages(await dc.emu.dm_channel(dc.member))
        assert len(dm) == 1 and "was approved" in discord_text(dm[0])

        listed = await dc.slash("postings list")
        assert listed.ephemeral and "AI Safety Fellowship" in listed.text

        cog = cog_of(app)
        clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # Monday: the digest
        await app.scheduler.tick()
        clock.set(datetime(2026, 12, 8, 17, 5, tzinfo=UTC))  # 24 h before: the reminder
        await cog.sweep()
        await cog.sweep()
        clock.set(datetime(2026, 12, 9, 17, 0, tzinfo=UTC))  # the deadline: closed
        await cog.sweep()
        posts = dc.channel_messages(feed)
        texts = [discord_text(m) for m in posts]
        assert len(posts) == 3, texts
        assert texts[0].startswith("Closed · Fellowship: AI Safety Fellowship")
        assert "Closing in the next 7 days" in texts[1] and "AI Safety Fellowship" in texts[1]
        assert texts[2].startswith("Closing soon: **AI Safety Fellowship**")
        assert message_buttons(posts[0]) == []  # the closed card has no link button
        assert "Nothing open right now" in (await dc.slash("postings list")).text
        assert dc.problems() == []


async def test_discord_reject_reason_reaches_the_submitter(app_factory):
    app = await app_factory(cogs=[PostingsCog])
    async with running_discord(app) as dc:
        review, _ = await discord_setup(dc)
        await dc.submit(await dc.slash("postings submit", {"kind": "job"}), VALUES)
        (card,) = dc.channel_messages(review)
        asked = await dc.click(card, "Reject", user=dc.admin)
        assert asked.modal is not None
        done = await dc.submit(asked, {"reason": "This one closed last week."}, user=dc.admin)
        assert done.ephemeral and "Rejected posting #1" in done.text
        dm = dc.emu.messages(await dc.emu.dm_channel(dc.member))
        assert len(dm) == 1
        assert "The moderator said: This one closed last week." in discord_text(dm[0])
        assert await stored_status(app) == "rejected"
        # Closed DMs: the outcome waits in `postings mine`, and the moderator is told.
        shy = await dc.add_user("shy", dms_open=False)
        await dc.submit(
            await dc.slash("postings submit", {"kind": "job"}, user=shy),
            {**VALUES, "link": "https://far.example.org/other"},
            user=shy,
        )
        card = dc.channel_messages(review)[-1]
        asked = await dc.click(card, "Reject", user=dc.admin)
        done = await dc.submit(asked, {"reason": "Duplicate of #1."}, user=dc.admin)
        assert "they'll see it in `postings mine`" in done.text
        mine = await dc.slash("postings mine", user=shy)
        assert mine.ephemeral and "not approved: Duplicate of #1." in mine.text
        assert dc.problems() == []


async def test_discord_mass_mentions_ping_nobody(app_factory, clock):
    app = await app_factory(cogs=[PostingsCog])
    async with running_discord(app) as dc:
        review, feed = await discord_setup(dc)
        done = await dc.submit(await dc.slash("postings submit", {"kind": "event"}), LOUD)
        assert "Posting #1 is waiting" in done.text
        (card,) = dc.channel_messages(review)
        await dc.click(card, "Approve", user=dc.admin)
        await dc.slash("postings list")
        await dc.slash("postings search", {"words": "hiring"})
        clock.set(datetime(2026, 12, 9, 1, 0, tzinfo=UTC))
        await cog_of(app).sweep()
        messages = dc.emu.bot_messages()
        assert len(messages) >= 5
        for m in messages:
            assert m["pings"] == {"users": [], "roles": [], "everyone": False}, m
            allowed = m["allowed_mentions"]
            assert allowed is not None and "everyone" not in (allowed.get("parse") or [])
            shown = discord_text(m)
            for loud in ("@everyone", "@here", "<!channel>", "<@&"):
                assert loud not in shown, (loud, shown)
        assert any("@\u200beveryone hiring now" in discord_text(m) for m in messages)
        assert dc.problems() == []


async def test_discord_concurrent_approvals_make_one_decision(app_factory):
    app = await app_factory(cogs=[PostingsCog])
    async with running_discord(app) as dc:
        review, feed = await discord_setup(dc)
        role = await dc.emu.add_role(dc.guild_id, "mods")
        mod = await dc.add_user("mod", roles=[role])
        await app.settings.set("community", f"discord:{dc.guild_id}", "moderators.roles", [role])
        await dc.submit(await dc.slash("postings submit", {"kind": "job"}), VALUES)
        (card,) = dc.channel_messages(review)
        first, second = await asyncio.gather(
            dc.click(card, "Approve", user=dc.admin), dc.click(card, "Approve", user=mod)
        )
        texts = [first.text, second.text]
        assert sum(t.startswith("Approved posting #1") for t in texts) == 1, texts
        assert sum("already approved posting #1" in t for t in texts) == 1, texts
        assert len(dc.channel_messages(feed)) == 1
        decisions = await cog_of(app).store.decisions(1)
        assert [d["action"] for d in decisions] == ["approve"]
        assert dc.problems() == []


async def test_discord_bad_input_is_refused_and_nothing_saved(app_factory):
    app = await app_factory(cogs=[PostingsCog])
    async with running_discord(app) as dc:
        review, _ = await discord_setup(dc)
        for field, value, message in [
            ("link", "javascript:alert(1)", "isn't http or https"),
            ("link", "http://169.254.169.254/", "private or local address"),
            ("link", "http://user:pass@host.example.org/", "username or password"),
            ("deadline", "Nov 30", "has already passed"),
        ]:
            opened = await dc.slash("postings submit", {"kind": "job"})
            done = await dc.submit(opened, {**VALUES, field: value})
            assert done.ephemeral and message in done.text and "Nothing was saved." in done.text
        assert dc.channel_messages(review) == []
        assert await cog_of(app).store.by_status(("pending", "live")) == []
        # The modal itself caps the description at the limit Discord enforces client-side.
        opened = await dc.slash("postings submit", {"kind": "job"})
        (description,) = [
            c
            for row in opened.modal["components"]
            for c in row["components"]
            if c["custom_id"].endswith("description")
        ]
        assert description["max_length"] == 1000
        assert dc.problems() == []


# -- Slack -----------------------------------------------------------------------------


async def slack_setup(slack):
    review = slack.add_channel("review")
    feed = slack.add_channel("feed")
    done = await slack.command(
        f"postings setup review:<#{review}|review> feed:<#{feed}|feed>", user=slack.admin
    )
    assert "Done." in done.text and not done.public
    return review, feed


async def test_slack_submit_queue_approve_feed_digest_reminder_closed(app_factory, clock):
    app = await app_factory(cogs=[PostingsCog])
    async with running_slack(app) as slack:
        review, feed = await slack_setup(slack)
        opened = await slack.command("postings submit kind:fellowship")
        assert opened.view is not None
        done = await slack.submit(opened, VALUES)
        assert "Posting #1 is waiting for a moderator" in done.text
        cards = [m for m in done.messages if m["channel"] == review]
        assert len(cards) == 1
        assert "Review #1 · Fellowship: AI Safety Fellowship" in slack_text(cards[0])
        assert [b["label"] for b in done.buttons if b["message"] is cards[0]] == [
            "Approve",
            "Reject",
            "Edit",
        ]
        assert slack.channel_messages(feed) == []

        refused = await slack.click(cards[0], "Approve")
        assert refused.text == REFUSAL and not refused.public
        assert await stored_status(app) == "pending"
        assert slack.channel_messages(feed) == []

        approved = await slack.click(cards[0], "Approve", user=slack.admin)
        assert f"Approved posting #1; it's in <#{feed}> now." in approved.text
        posts = slack.channel_messages(feed)
        assert len(posts) == 1
        text = slack_text(posts[0])
        assert "Fellowship: AI Safety Fellowship" in text and "Wed 9 Dec, 17:00 UTC" in text
        assert "Shared by" in text and ("Mira" in text or "mira" in text)
        updates = [m for m in approved.messages if m["kind"] == "update"]
        assert any("Approved by" in slack_text(m) for m in updates)
        told = [m for m in approved.messages if "was approved" in slack_text(m)]
        assert len(told) == 1 and told[0]["channel"] == slack.emu.dm_channel_of(slack.member)

        cog = cog_of(app)
        clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
        await app.scheduler.tick()
        clock.set(datetime(2026, 12, 8, 17, 5, tzinfo=UTC))
        await cog.sweep()
        await cog.sweep()
        clock.set(datetime(2026, 12, 9, 17, 0, tzinfo=UTC))
        await cog.sweep()
        texts = [slack_text(m) for m in slack.channel_messages(feed)]
        assert len(texts) == 3, texts
        assert "Closed · Fellowship: AI Safety Fellowship" in texts[0]
        assert "Closing in the next 7 days" in texts[1]
        assert texts[2].startswith("Closing soon:") and "AI Safety Fellowship" in texts[2]
        assert "Nothing open right now" in (await slack.command("postings list")).text
        assert slack.emu.violations == []


async def test_slack_reject_reason_reaches_the_submitter(app_factory):
    app = await app_factory(cogs=[PostingsCog])
    async with running_slack(app) as slack:
        review, _ = await slack_setup(slack)
        done = await slack.submit(await slack.command("postings submit kind:job"), VALUES)
        (card,) = [m for m in done.messages if m["channel"] == review]
        asked = await slack.click(card, "Reject", user=slack.admin)
        assert asked.view is not None
        rejected = await slack.submit(
            asked, {"reason": "This one closed last week."}, user=slack.admin
        )
        told = [m for m in rejected.messages if "The moderator said" in slack_text(m)]
        assert len(told) == 1
        assert "This one closed last week." in slack_text(told[0])
        assert told[0]["channel"] == slack.emu.dm_channel_of(slack.member)
        assert await stored_status(app) == "rejected"
        assert slack.emu.violations == []


async def test_slack_mass_mentions_ping_nobody(app_factory, clock):
    app = await app_factory(cogs=[PostingsCog])
    async with running_slack(app) as slack:
        review, feed = await slack_setup(slack)
        done = await slack.submit(await slack.command("postings submit kind:event"), LOUD)
        assert "Posting #1 is waiting" in done.text
        (card,) = [m for m in done.messages if m["channel"] == review]
        await slack.click(card, "Approve", user=slack.admin)
        await slack.command("postings list")
        await slack.command("postings search hiring")
        clock.set(datetime(2026, 12, 9, 1, 0, tzinfo=UTC))
        await cog_of(app).sweep()
        assert len(slack.channel_messages(feed)) == 2  # the card and the reminder
        assert slack.emu.mass_mentions() == []
        for text in slack.emu.visible_texts():
            assert "<!" not in text and "<@&" not in text, text
        assert slack.emu.violations == []
