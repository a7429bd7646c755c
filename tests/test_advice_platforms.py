"""The advice cog end to end on the Discord and Slack emulators (real discord.py and
slack-bolt): /advice, /advice topic, /advice search, share with cooldown, and the
moderator-only add (a member is refused politely)."""

from __future__ import annotations

import sqlalchemy as sa

from bot.app import App
from cogs.advice import AdviceCog
from cogs.advice.tables import advice_snippets
from tests.discord_harness import message_text as discord_text
from tests.discord_harness import running_discord
from tests.slack_harness import message_text as slack_text
from tests.slack_harness import running_slack

CARD_BUTTONS = ["Another one", "Share to channel"]
REFUSAL = (
    "Only moderators can add advice here. If you know a good piece, a moderator can add it for you."
)
NEW = {
    "title": "Pair up for a weekly paper club",
    "body": "Find one other person at your level and read one paper a week together, "
    "then each write three sentences on what you would try next.",
    "topics": "research-skills, mentorship",
    "try_this_week": "Ask in the general channel who wants to pair up.",
    "attribution": "community: Sam Lee",
}
BAD = {**NEW, "body": "too short", "attribution": "javascript:alert(1)"}


def footer_topics(text: str) -> str:
    return text.split("Topics: ", 1)[1].splitlines()[0]


async def stored(app: App) -> list[str]:
    async with app.db.read() as conn:
        return [r.title for r in await conn.execute(sa.select(advice_snippets))]


# -- Discord ------------------------------------------------------------------------


async def test_discord_advice_topic_and_search(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    async with running_discord(app) as dc:
        r = await dc.slash("advice show")
        assert r.ephemeral and "Topics: " in r.text and "From " in r.text
        assert [b.label for b in r.buttons][:2] == CARD_BUTTONS
        first = r.messages[0]["embeds"][0]["title"]
        again = await dc.click(r, "Another one")
        assert again.ephemeral and again.messages[0]["embeds"][0]["title"] != first

        r = await dc.slash("advice show", {"topic": "interviews"})
        assert r.ephemeral and "Interviews" in footer_topics(r.text)
        assert await dc.autocomplete("advice show", {"topic": "inter"}, "topic") == ["interviews"]
        r = await dc.slash("advice show", {"topic": "interveiws"})
        assert r.ephemeral and "Closest: Interviews (`interviews`)" in r.text
        assert "`/topics` lists them all" in r.text
        more = await dc.click(r, "More on Interviews")
        assert "Interviews" in footer_topics(more.text)

        r = await dc.slash("advice search", {"words": "leetcode"})
        assert r.ephemeral and "Best match for “leetcode”" in r.text
        assert "Interviews" in footer_topics(r.text)
        assert sum(b.label.startswith("more: ") for b in r.buttons) == 4
        shown = await dc.click(r, next(b.label for b in r.buttons if b.label.startswith("more: ")))
        assert shown.ephemeral and len(shown.messages[0]["embeds"]) == 1

        r = await dc.slash("advice search", {"words": "xyzzy plugh"})
        assert r.ephemeral and "Nothing in the library matches" in r.text
        assert any(b.label.startswith("More on ") for b in r.buttons)
        assert dc.problems() == []


async def test_discord_share_then_cooldown(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    async with running_discord(app) as dc:
        before = len(dc.channel_messages())
        r = await dc.slash("advice show")
        title = r.messages[0]["embeds"][0]["title"]
        shared = await dc.click(r, "Share to channel")
        assert shared.ephemeral and "Shared in this channel" in shared.text
        posted = dc.channel_messages()[before:]
        assert len(posted) == 1
        text = discord_text(posted[0])
        assert title in text and "shared by member" in text
        allowed = posted[0]["allowed_mentions"]
        assert allowed is not None and "everyone" not in (allowed.get("parse") or [])

        r = await dc.slash("advice show", user=dc.admin)
        refused = await dc.click(r, "Share to channel", user=dc.admin)
        assert refused.ephemeral and "10 minutes apart" in refused.text
        assert "<t:" in refused.text  # a native Discord timestamp says when
        assert len(dc.channel_messages()) == before + 1
        assert dc.problems() == []


async def test_discord_only_moderators_add_advice(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    async with running_discord(app) as dc:
        refused = await dc.slash("advice add")
        assert refused.ephemeral and refused.text == REFUSAL and refused.modal is None

        opened = await dc.slash("advice add", user=dc.admin)
        assert opened.modal is not None
        bad = await dc.submit(opened, BAD, user=dc.admin)
        assert bad.ephemeral and "nothing was saved" in bad.text
        assert "the advice needs 20 to 700 characters" in bad.text
        assert "the source must be a link" in bad.text
        assert await stored(app) == []
        retry = await dc.click(bad, "Try again", user=dc.admin)
        assert retry.modal is not None
        done = await dc.submit(retry, NEW, user=dc.admin)
        assert done.ephemeral and "Added as `c1`" in done.text
        assert "`/advice remove id:c1`" in done.text
        assert await stored(app) == [NEW["title"]]

        found = await dc.slash("advice search", {"words": "weekly paper club"})
        assert found.messages[0]["embeds"][0]["title"] == NEW["title"]
        assert "From Sam Lee, in this community" in found.text

        refused = await dc.slash("advice remove", {"id": "c1"})
        assert refused.ephemeral and "Only moderators can remove advice." in refused.text
        assert dc.problems() == []


# -- Slack --------------------------------------------------------------------------


async def test_slack_advice_topic_and_search(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    async with running_slack(app) as slack:
        r = await slack.command("advice")
        assert r.status == 200 and r.messages and not r.public
        assert "Topics: " in r.text and "From " in r.text
        assert [b["label"] for b in r.buttons][:2] == CARD_BUTTONS
        again = await slack.click(r, "Another one")
        assert again.ephemeral and not again.public

        r = await slack.command("advice topic:interviews")
        assert "Interviews" in footer_topics(r.text)
        r = await slack.command("advice burnout")
        assert "Burnout and rest" in footer_topics(r.text)
        r = await slack.command("advice topic:interveiws")
        assert "Closest: Interviews (`interviews`)" in r.text
        assert "`/coinflip topics` lists them all" in r.text
        more = await slack.click(r, "More on Interviews")
        assert "Interviews" in footer_topics(more.text)

        r = await slack.command("advice search imposter syndrome")
        assert not r.public and "Best match for “imposter syndrome”" in r.text
        topics = app.content.topics
        top = footer_topics(r.text)
        assert topics["self-assessment"].title in top or topics["rejection"].title in top
        assert sum(b["label"].startswith("more: ") for b in r.buttons) == 4

        r = await slack.command("advice search xyzzy plugh")
        assert "Nothing in the library matches" in r.text
        assert any(b["label"].startswith("More on ") for b in r.buttons)


async def test_slack_share_then_cooldown(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    async with running_slack(app) as slack:
        r = await slack.command("advice")
        title = r.text.splitlines()[0]
        shared = await slack.click(r, "Share to channel")
        assert len(shared.public) == 1 and "Shared in this channel" in slack_text(
            shared.ephemeral[0]
        )
        public = slack_text(shared.public[0])
        assert title in public and "shared by mira" in public
        posted = slack.channel_messages()
        assert len(posted) == 1

        r = await slack.command("advice", user=slack.admin)
        refused = await slack.click(r, "Share to channel", user=slack.admin)
        assert not refused.public and "10 minutes apart" in refused.text
        assert "You can share this one from" in refused.text
        assert len(slack.channel_messages()) == 1

        other = slack.add_channel("random")
        r = await slack.command("advice", channel_id=other)
        elsewhere = await slack.click(r, "Share to channel")
        assert len(elsewhere.public) == 1  # the cooldown is per channel


async def test_slack_only_moderators_add_advice(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    async with running_slack(app) as slack:
        refused = await slack.command("advice add")
        assert refused.text == REFUSAL and refused.views == [] and not refused.public

        opened = await slack.command("advice add", user=slack.admin)
        assert opened.view is not None
        bad = await slack.submit(opened, BAD, user=slack.admin)
        assert "nothing was saved" in bad.text and await stored(app) == []
        done = await slack.submit(opened, NEW, user=slack.admin)
        assert "Added as `c1`" in done.text and "`/coinflip advice remove c1`" in done.text
        assert await stored(app) == [NEW["title"]]

        found = await slack.command("advice search weekly paper club")
        assert found.text.splitlines()[1] == f"*{NEW['title']}*"
        refused = await slack.command("advice remove c1")
        assert "Only moderators can remove advice." in refused.text
        removed = await slack.command("advice remove c1", user=slack.admin)
        assert "Removed `c1`" in removed.text and await stored(app) == []
