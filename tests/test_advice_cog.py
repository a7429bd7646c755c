"""The advice cog through the console adapter (and a second community through a plain Ctx):
no repeats, topics, search, share with cooldown, topics/resources lists, community advice."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from bot.adapters.console.adapter import render as show
from bot.app import App
from bot.core.clock import FakeClock
from bot.core.context import Ctx
from bot.core.events import Channel, Community, User
from bot.core.outbox import Outbox
from bot.core.replies import Form, MessageRef, Reply
from cogs.advice import AdviceCog
from cogs.advice.tables import advice_snippets
from tests.console_harness import ConsoleHarness

TITLE = re.compile(r"^┌ (.+)$", re.MULTILINE)


def cog_of(app: App) -> AdviceCog:
    cog = app.registry.loaded["advice"].cog
    assert isinstance(cog, AdviceCog)
    return cog


def titles(out: str) -> list[str]:
    return TITLE.findall(out)


def smallest_topic(app: App) -> str:
    counts = {slug: 0 for slug in app.content.topics}
    for s in app.content.snippets.values():
        for t in s.topics:
            counts[t] += 1
    return min(counts, key=lambda slug: (counts[slug], slug))


class RecordingOutbox(Outbox):
    """Stands in for a platform when a test builds its own Ctx."""

    platform = "slack"
    capabilities = frozenset({"buttons", "forms", "ephemeral"})

    def __init__(self) -> None:
        self.posts: list[tuple[str, Reply, str | None]] = []

    async def send(self, channel_id, reply, *, thread_id=None, nonce=None) -> MessageRef:
        self.posts.append((channel_id, reply, nonce))
        return MessageRef(channel_id, str(len(self.posts)))

    async def edit(self, ref, reply) -> None:
        return None

    async def open_thread(self, channel_id, title, starter, *, nonce=None) -> MessageRef:
        return await self.send(channel_id, starter)

    async def dm(self, user_id, reply) -> MessageRef | None:
        return None


class PlainCtx(Ctx):
    """One interaction in any community, as any user; records replies and opened forms."""

    def __init__(self, outbox: Outbox, user: User, community: Community, channel: Channel) -> None:
        super().__init__(user=user, community=community, channel=channel, outbox=outbox)
        self.forms: list[Form] = []

    async def _send(self, reply: Reply) -> MessageRef | None:
        return None

    async def _open_form(self, form: Form) -> None:
        self.forms.append(form)

    @property
    def text(self) -> str:
        return "\n".join(show(r) for r in self.sent)


OTHER = Community("T2", "Another workspace", "slack")
MEMBER = User("U-mia", "Mia", "slack")
MOD = User("U-mo", "Mo", "slack")
GENERAL = Channel("C1", "general")


async def run(
    app: App, outbox: Outbox, text: str, user: User, community: Community = OTHER
) -> PlainCtx:
    ctx = PlainCtx(outbox, user, community, GENERAL)
    assert await app.dispatcher.run_text(ctx, text)
    return ctx


# -- /advice -------------------------------------------------------------------------


async def test_no_repeats_until_the_topic_pool_is_used_up(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    topic = smallest_topic(app)
    pool = {s.title for s in app.content.snippets.values() if topic in s.topics}
    assert 3 <= len(pool) == len([s for s in app.content.snippets.values() if topic in s.topics])

    shown = []
    for _ in range(len(pool)):
        out = await h.send(f"/advice topic:{topic}")
        assert "(only you can see this)" in out
        shown.extend(titles(out))
    assert len(shown) == len(pool) and set(shown) == pool

    out = await h.send(f"/advice topic:{topic}")
    assert "starting over" in out
    again = titles(out)
    assert again and again[0] in pool and again[0] != shown[-1]
    # the next ones are fresh again for this new round
    out = await h.send(f"/advice {topic}")
    assert titles(out)[0] not in again


async def test_no_repeats_overall_and_per_member(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    shown = [titles(await h.send("/advice"))[0] for _ in range(25)]
    ids = {s.title for s in app.content.snippets.values()}
    assert set(shown) <= ids
    assert len(set(shown)) == len(shown)
    # another member starts with a fresh history
    other = User("ana", "Ana", "console")
    first = titles(await h.send("/advice", user=other))
    assert len(first) == 1


async def test_another_one_keeps_the_topic_and_more_on_topic(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    topic = smallest_topic(app)
    title_of = {s.title: s for s in app.content.snippets.values()}
    out = await h.send(f"/advice topic:{topic}")
    assert "[1] Another one  [2] Share to channel  [3] More on" in out
    first = titles(out)[0]
    out = await h.send("1")  # Another one
    second = titles(out)[0]
    assert second != first and topic in title_of[second].topics
    out = await h.send("3")  # More on <topic>
    assert titles(out)[0] not in (first, second)


async def test_topic_by_title_or_alias_and_bad_topic_hint(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    out = await h.send('/advice "topic:Burnout and rest"')
    assert "Topics: " in out and "Burnout and rest" in out.split("Topics: ")[1]
    out = await h.send("/advice topic:leetcode")  # an alias of interviews
    assert "Interviews" in out.split("Topics: ")[1]

    out = await h.send("/advice topic:interveiws")
    assert "I don't have a topic called `interveiws`" in out
    assert "Closest: Interviews (`interviews`)" in out
    assert "[1] More on Interviews" in out
    out = await h.send("1")
    assert "Interviews" in out.split("Topics: ")[1]


async def test_topic_autocomplete(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    cog = cog_of(app)
    assert (await cog.complete_topic(None, "inter"))[0] == "interviews"
    assert "burnout" in await cog.complete_topic(None, "tired")
    assert len(await cog.complete_topic(None, "")) == min(25, len(app.content.topics))
    assert await cog.complete_topic(None, "intervw")  # a typo still suggests something


async def test_card_has_credit_try_this_week_and_link(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    cog = cog_of(app)
    snippet = next(s for s in app.content.snippets.values() if s.try_this_week and not s.credit)
    source = app.content.sources[snippet.source]
    out = await h.send("/advice search " + snippet.title)
    assert titles(out)[0] == snippet.title
    assert f"**Try this week:** {snippet.try_this_week}" in out
    assert f"From {source.author}, " in out
    if source.url:
        assert f"]({source.url})" in out
    credited = next((s for s in app.content.snippets.values() if s.credit), None)
    if credited is not None:
        card = cog.library[credited.id].credit
        assert card.startswith(f"From {credited.credit}, ")


# -- search -----------------------------------------------------------------------


async def test_search_ranks_relevant_advice(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    topics = app.content.topics
    out = await h.send("/advice search leetcode")
    assert "Best match for “leetcode”" in out
    assert topics["interviews"].title in out.split("Topics: ")[1].splitlines()[0]
    assert out.count("more: ") == 4

    out = await h.send("/advice search i feel like an imposter")
    footer = out.split("Topics: ")[1].splitlines()[0]
    assert topics["self-assessment"].title in footer or topics["rejection"].title in footer

    out = await h.send("4")  # the first "more: <title>" button shows that one
    assert len(titles(out)) == 1 and "Another one" in out


async def test_search_without_a_match_offers_closest_topics(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    out = await h.send("/advice search xyzzy plugh")
    assert "Nothing in the library matches “xyzzy plugh”" in out
    assert "[1] More on" in out
    assert "`/topics` lists them all" in out
    out = await h.send("1")
    assert len(titles(out)) == 1

    out = await h.send("/advice search")
    assert "`words` is missing" in out


# -- share ------------------------------------------------------------------------


async def test_share_posts_publicly_then_cooldown(app_factory, clock: FakeClock):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    out = await h.send("/advice")
    title = titles(out)[0]
    out = await h.send("2")  # Share to channel
    public, _, private = out.partition("(only you can see this)")
    assert public.startswith("[#general]") and title in public and "shared by you" in public
    assert "[1] More on" in public and "Share to channel" not in public
    assert "Shared in this channel" in private

    await h.send("/advice")
    out = await h.send("2")
    assert "[#general]" not in out
    assert "10 minutes apart" in out and "You can share this one from" in out
    assert "in 10 minutes" in out

    clock.advance(timedelta(minutes=10, seconds=1))
    await h.send("/advice")
    out = await h.send("2")
    assert out.startswith("[#general]")

    await app.settings.set("community", "console:local", "advice.share_cooldown_minutes", 0)
    await h.send("/advice")
    assert (await h.send("2")).startswith("[#general]")


async def test_share_cooldown_is_per_channel_and_nonce_is_short(app_factory, clock: FakeClock):
    app = await app_factory(cogs=[AdviceCog])
    outbox = RecordingOutbox()
    app.attach(outbox)
    cog = cog_of(app)
    snippet_id = next(iter(cog.library))

    async def share(channel: Channel, user: User = MEMBER) -> PlainCtx:
        ctx = PlainCtx(outbox, user, OTHER, channel)
        await app.dispatcher.run_click(ctx, "advice:share", snippet_id)
        return ctx

    assert "Shared in this channel" in (await share(GENERAL)).text
    assert "minutes apart" in (await share(GENERAL, MOD)).text
    assert "Shared in this channel" in (await share(Channel("C2", "random"))).text
    assert [p[0] for p in outbox.posts] == ["C1", "C2"]
    assert all(p[2] and len(p[2]) <= 25 for p in outbox.posts)  # Discord nonces are <= 25
    assert "shared by Mia" in outbox.posts[0][1].cards[0].footer
    assert outbox.posts[0][1].private is False

    dm = await share(Channel("D1", "", is_dm=True))
    assert "only you would see it" in dm.text and len(outbox.posts) == 2
    gone = PlainCtx(outbox, MEMBER, OTHER, GENERAL)
    await app.dispatcher.run_click(gone, "advice:share", "no-such-advice")
    assert "has been removed" in gone.text


# -- lists ------------------------------------------------------------------------


async def test_topics_lists_descriptions_and_counts(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    out = await h.send("/topics")
    for topic in app.content.topics.values():
        n = sum(topic.slug in s.topics for s in app.content.snippets.values())
        assert f"**{topic.title}** (`{topic.slug}`, {n}): {topic.description}" in out


async def test_resources_all_and_by_kind(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    out = await h.send("/resources")
    for r in app.content.resources.values():
        assert f"[{r.name}]({r.url})" in out
    programs = [r for r in app.content.resources.values() if r.kind == "program"]
    out = await h.send("/resources program")
    assert "┌ Programs" in out and "┌ Hubs" not in out
    for r in programs:
        assert f"[{r.name}]({r.url})" in out and r.summary in out
        for fmt in r.format:
            assert fmt.replace("-", " ") in out
    out = await h.send("/resources kind:spaceships")
    assert "`kind` must be one of: program, hub" in out


# -- community advice ------------------------------------------------------------------

GOOD = (
    "Pair up for a weekly paper club",
    "Find one other person at your level and read one paper a week together, "
    "then each write three sentences on what you would try next.",
    "research-skills, Mentorship",
    "Post in the community channel asking who wants to pair up.",
    "community: Sam Lee",
)


async def test_moderator_adds_advice_for_their_community_only(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    out = await h.send("/advice add", *GOOD)
    assert "Added as `c1`" in out and "Pair up for a weekly paper club" in out
    assert "From Sam Lee, in this community" in out
    assert "community advice c1, added by you" in out

    out = await h.send("/advice search weekly paper club")
    assert titles(out)[0] == "Pair up for a weekly paper club"
    out = await h.send("/topics")
    n = sum("research-skills" in s.topics for s in app.content.snippets.values())
    assert f"(`research-skills`, {n + 1})" in out

    # Another community does not see it, in search or in its pool.
    outbox = RecordingOutbox()
    ctx = await run(app, outbox, "advice search weekly paper club", MEMBER)
    assert "Pair up for a weekly paper club" not in ctx.text
    cog = cog_of(app)
    assert "c1" in cog.pool("console:local", "research-skills")
    assert "c1" not in cog.pool(OTHER.key, "research-skills")
    assert "c1" not in cog.pool(OTHER.key, None)
    click = PlainCtx(outbox, MEMBER, OTHER, GENERAL)
    await app.dispatcher.run_click(click, "advice:share", "c1")
    assert "has been removed" in click.text and not outbox.posts

    # After a restart the snippet is loaded from the database again.
    again = await app_factory(cogs=[AdviceCog])
    assert titles(await ConsoleHarness(again).send("/advice search weekly paper club"))[0] == (
        "Pair up for a weekly paper club"
    )


async def test_advice_add_with_a_link(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    answers = (*GOOD[:3], "", "https://www.example.org/post/1")
    out = await h.send("/advice add", *answers)
    assert "Added as `c1`" in out
    assert "From [example.org](https://www.example.org/post/1)" in out
    assert "**Try this week:**" not in out


async def test_member_is_refused_and_moderator_allowed(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    outbox = RecordingOutbox()
    ctx = await run(app, outbox, "advice add", MEMBER)
    assert ctx.text == (
        "(only you can see this)\nOnly moderators can add advice here. "
        "If you know a good piece, a moderator can add it for you."
    )
    assert ctx.forms == []
    # A member cannot get around it by submitting the form directly.
    sub = PlainCtx(outbox, MEMBER, OTHER, GENERAL)
    values = dict(
        zip(["title", "body", "topics", "try_this_week", "attribution"], GOOD, strict=True)
    )
    await app.dispatcher.run_submit(sub, "advice:add", values, "")
    assert "Only moderators" in sub.text
    ctx = await run(app, outbox, "advice remove c1", MEMBER)
    assert "Only moderators can remove advice." in ctx.text

    await app.settings.set("community", OTHER.key, "moderators.users", [MOD.id])
    ctx = await run(app, outbox, "advice add", MOD)
    assert len(ctx.forms) == 1 and ctx.forms[0].id == "advice:add"
    assert [f.id for f in ctx.forms[0].fields] == [
        "title",
        "body",
        "topics",
        "try_this_week",
        "attribution",
    ]
    sub = PlainCtx(outbox, MOD, OTHER, GENERAL)
    await app.dispatcher.run_submit(sub, "advice:add", values, "")
    assert "Added as `c1`" in sub.text
    async with app.db.read() as conn:
        rows = (await conn.execute(sa.select(advice_snippets))).all()
    assert [(r.community, r.added_by, r.source_name) for r in rows] == [
        ("slack:T2", "U-mo", "Sam Lee")
    ]
    # ...and the console community does not see the Slack workspace's advice
    out = await ConsoleHarness(app).send("/advice search weekly paper club")
    assert "Pair up for a weekly paper club" not in out


async def test_bad_input_saves_nothing_and_try_again_keeps_answers(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    out = await h.send("/advice add", "Hi", "too short", "interveiws, rejection", "", "ftp://x.org")
    assert "I couldn't add that, so nothing was saved" in out
    assert "the title needs 3 to 120 characters" in out
    assert "the advice needs 20 to 700 characters (it has 9)" in out
    assert "I don't know the topic `interveiws` (closest: interviews)" in out
    assert "the source must be a link starting with https://" in out
    assert "[1] Try again" in out
    async with app.db.read() as conn:
        assert (
            await conn.execute(sa.select(sa.func.count()).select_from(advice_snippets))
        ).scalar() == 0

    # "Try again" reopens the form with the earlier answers as defaults.
    out = await h.send("1", "Pair up for a weekly paper club", GOOD[1], "interviews", "", "")
    assert "Title [Hi]" in out and "Source: a link, or community: <name> [ftp://x.org]" in out
    assert "the source must be a link" in out  # empty answer kept the bad default

    out = await h.send("/advice add", GOOD[0], GOOD[1], "a, b, c, d", "", "community:")
    assert "I don't know the topic `a`" in out
    assert "after “community:” put the person's name" in out
    out = await h.send(
        "/advice add",
        GOOD[0],
        GOOD[1],
        "interviews, rejection, planning, burnout",
        "",
        GOOD[4],
    )
    assert "pick at most 3 topics" in out


async def test_remove_community_advice(app_factory):
    app = await app_factory(cogs=[AdviceCog])
    h = ConsoleHarness(app)
    await h.send("/advice add", *GOOD)
    library_id = next(iter(app.content.snippets))
    out = await h.send(f"/advice remove {library_id}")
    assert "from the shared library" in out
    out = await h.send("/advice remove c9")
    assert "There's no community advice `c9` here" in out
    out = await h.send("/advice remove c1")
    assert "Removed `c1` (“Pair up for a weekly paper club”)" in out
    out = await h.send("/advice search weekly paper club")
    assert "Pair up for a weekly paper club" not in out
    assert "c1" not in cog_of(app).pool("console:local", None)
    assert "There's no community advice" in await h.send("/advice remove c1")
