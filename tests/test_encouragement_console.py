"""Encouragement through the console adapter: /rejected, /encourage, and automatic replies.

The console's `send_private` works (like Slack's ephemeral messages), so automatic replies
arrive as a private story. The Discord shape (a public offer with buttons) is exercised by
making `send_private` report "unsupported", as Discord's outbox does.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.content.schema import STAGES
from bot.core.events import Channel, User
from cogs.admin import AdminCog
from cogs.encouragement import COG, EncouragementCog
from cogs.encouragement.cog import MESSAGE_JOB, has_no_bot_marker
from cogs.encouragement.compose import OFFER
from tests.console_harness import ConsoleHarness

REJECTION = "got rejected from MATS today, pretty gutted"
COMMUNITY = "console:local"
ALEX = User("alex", "Alex", "console")
SAM = User("sam", "Sam", "console")


def private_to(user_id: str, out: str) -> int:
    """How many in-channel private messages (Slack-style ephemerals) `out` holds for the user."""
    return out.count(f"only {user_id} can see this]")


def story_ids(app, out: str) -> list[str]:
    return [t.id for t in app.content.testimonials.values() if t.story in out]


@pytest.fixture
async def h(app_factory):
    app = await app_factory(cogs=[EncouragementCog, AdminCog])
    harness = ConsoleHarness(app)
    harness.cog = app.registry.loaded["encouragement"].cog
    harness.cog.rng.seed(7)
    return harness


async def enable(h: ConsoleHarness, channel: str = "general") -> None:
    out = await h.send(f"/encourage channel on #{channel}")
    assert "automatic replies are on" in out


def test_package_exports_the_cog():
    assert COG is EncouragementCog


async def test_enabled_channel_rejection_gets_one_private_story(h):
    await enable(h)
    out = await h.message(REJECTION, user=ALEX)
    assert private_to("alex", out) == 1
    assert "Sorry, that stings." in out
    (story,) = story_ids(h.app, out)
    assert h.app.content.testimonials[story].stage == "program"  # the detector's stage
    assert "Programs turn away many people" in out
    assert "[1] Another story  [2] What to do next  [3] Stop" in out
    # Nothing public, no DM.
    assert "[#general]" not in out and "direct message" not in out
    # The buttons work: another story (a different one), then a next step.
    first = story_ids(h.app, out)[0]
    out = await h.press("Another story", user=ALEX)
    assert "(only you can see this)" in out
    if len(h.app.content.testimonials) > 1:
        assert story_ids(h.app, out) and story_ids(h.app, out)[0] != first
    out = await h.press("What to do next", user=ALEX)
    assert any(s.text in out for s in h.app.content.next_steps.values())
    assert "From " in out


async def test_credit_line_names_author_and_title(h):
    await enable(h)
    out = await h.message(REJECTION, user=ALEX)
    (story_id,) = story_ids(h.app, out)
    story = h.app.content.testimonials[story_id]
    source = h.app.content.sources[story.source]
    assert source.title in out
    assert (story.credit or source.author).lower() in out.lower()
    if source.url:
        assert str(source.url) in out


async def test_disabled_channel_and_other_channels_get_nothing(h):
    assert await h.message(REJECTION, user=ALEX) == ""  # off by default
    await enable(h, "careers")
    assert await h.message(REJECTION, user=ALEX) == ""  # #general is still off
    out = await h.message(REJECTION, user=ALEX, channel=Channel("careers", "careers"))
    assert private_to("alex", out) == 1
    await h.send("/encourage channel off #careers")
    assert await h.message(REJECTION, user=SAM, channel=Channel("careers", "careers")) == ""


async def test_non_rejection_text_gets_nothing(h):
    await enable(h)
    for text in (
        "anyone tried rejection sampling for this?",
        "we reject the null hypothesis at p < 0.05",
        "my friend got rejected from MATS",
        "waiting to hear back from MATS, nervous",
        "got into MATS!!",
        "what's a good first project for interpretability?",
    ):
        assert await h.message(text, user=ALEX) == "", text


async def test_encourage_off_stops_replies_and_on_restores(h):
    await enable(h)
    out = await h.send("/encourage off", user=ALEX)
    assert "won't reply to your messages automatically" in out
    assert "/encourage on" in out and "/rejected" in out
    assert await h.message(REJECTION, user=ALEX) == ""
    assert private_to("sam", await h.message(REJECTION, user=SAM)) == 1  # others unaffected
    out = await h.send("/encourage on", user=ALEX)
    assert "at most one every 7 days" in out
    assert private_to("alex", await h.message(REJECTION, user=ALEX)) == 1


async def test_cooldown_one_reply_per_member_per_seven_days(h, clock):
    await enable(h)
    assert private_to("alex", await h.message(REJECTION, user=ALEX)) == 1
    clock.advance(timedelta(days=3))
    assert await h.message("rejected from the anthropic fellows program :(", user=ALEX) == ""
    assert private_to("sam", await h.message(REJECTION, user=SAM)) == 1  # per member
    clock.advance(timedelta(days=5))  # 8 days after the first reply
    assert private_to("alex", await h.message(REJECTION, user=ALEX)) == 1


async def test_cooldown_is_a_community_setting(h, clock):
    await enable(h)
    out = await h.send("/config set encourage.cooldown_days 400")
    assert "between 0 and 365" in out
    out = await h.send("/config set encourage.cooldown_days 2")
    assert "now 2" in out
    assert private_to("alex", await h.message(REJECTION, user=ALEX)) == 1
    clock.advance(timedelta(days=1))
    assert await h.message(REJECTION, user=ALEX) == ""
    clock.advance(timedelta(days=1, minutes=1))
    assert private_to("alex", await h.message(REJECTION, user=ALEX)) == 1


async def test_same_message_delivered_twice_gets_one_reply(h, clock):
    await h.send("/config set encourage.cooldown_days 0")  # so only the claim can stop it
    await enable(h)
    assert private_to("alex", await h.message(REJECTION, user=ALEX, message_id="42")) == 1
    assert await h.message(REJECTION, user=ALEX, message_id="42") == ""
    assert await h.app.scheduler.is_claimed(MESSAGE_JOB, f"{COMMUNITY}:general:42")
    # The same id in another channel is another message.
    other = Channel("careers", "careers")
    await enable(h, "careers")
    assert (
        private_to("alex", await h.message(REJECTION, user=ALEX, message_id="42", channel=other))
        == 1
    )


async def test_concurrent_deliveries_of_one_message_give_one_reply(h):
    await h.send("/config set encourage.cooldown_days 0")
    await enable(h)
    start = h.out.tell()
    await asyncio.gather(*(h.message(REJECTION, user=ALEX, message_id="7") for _ in range(4)))
    assert private_to("alex", h.transcript[start:]) == 1


async def test_edits_never_reply(h):
    await enable(h)
    assert await h.message(REJECTION, user=ALEX, is_edit=True) == ""
    # An ordinary message edited into a rejection report: still nothing.
    assert await h.message("hi all", user=ALEX, message_id="9") == ""
    assert await h.message(REJECTION, user=ALEX, message_id="9", is_edit=True) == ""


async def test_bots_and_dms_get_nothing(h):
    await enable(h)
    bot = User("b1", "Helper", "console", is_bot=True)
    assert await h.message(REJECTION, user=bot) == ""
    assert await h.message(REJECTION, user=ALEX, channel=Channel("dm-alex", is_dm=True)) == ""


@pytest.mark.parametrize(
    "title",
    [
        "[no bot] venting",
        "rejection thread (no-bot)",
        "NoBot please",
        "🚫🤖 just talk",
        "no bots here",
    ],
)
async def test_no_bot_marker_in_thread_title(h, title):
    await enable(h)
    thread = Channel("general", "general", thread_id="t1")
    assert (
        await h.message(
            REJECTION, user=ALEX, channel=thread, thread_title=title, thread_starter_id="alex"
        )
        == ""
    )
    assert await h.message(REJECTION + " [no bot]", user=SAM) == ""


def test_no_bot_marker_does_not_fire_on_ordinary_words():
    assert not has_no_bot_marker("notebook tips", "robot arms", "nobody replied", "no bother")
    assert has_no_bot_marker("", "Rejections (no bot)")


async def test_rejected_is_private_and_matches_the_stage(h):
    stages = sorted({t.stage for t in h.app.content.testimonials.values()})
    assert stages, "advice/ has no testimonials"
    for stage in stages:
        out = await h.send(f"/rejected MATS {stage}", user=ALEX)
        assert out.startswith("(only you can see this)")
        assert "Sorry about MATS." in out
        ids = story_ids(h.app, out)
        assert len(ids) == 1 and h.app.content.testimonials[ids[0]].stage == stage
        assert any(s.text in out for s in h.app.content.next_steps.values())
        assert "[1] Another story  [2] What to do next  [3] Stop" in out


async def test_rejected_never_repeats_the_story_just_shown(h):
    seen: list[str] = []
    for _ in range(6):
        out = await h.send("/rejected", user=ALEX)
        seen += story_ids(h.app, out)
    if len(h.app.content.testimonials) > 1:
        assert all(a != b for a, b in zip(seen, seen[1:], strict=False))


async def test_rejected_stage_alone_and_stage_without_stories(h):
    out = await h.send("/rejected interview", user=ALEX)
    assert "Sorry, that stings." in out and "Sorry about" not in out
    ids = story_ids(h.app, out)
    assert len(ids) == 1
    if any(t.stage == "interview" for t in h.app.content.testimonials.values()):
        assert h.app.content.testimonials[ids[0]].stage == "interview"


async def test_rejected_bad_stage_is_a_friendly_message(h):
    out = await h.send("/rejected MATS nope-stage", user=ALEX)
    assert "`stage` must be one of:" in out and "cv-screen" in out
    assert "Traceback" not in out and "went wrong" not in out


async def test_rejected_where_is_neutralised(h):
    out = await h.send('/rejected "@everyone <!channel> `x`"', user=ALEX)
    assert "@everyone" not in out and "<!channel>" not in out


async def test_stop_button_turns_auto_replies_off(h):
    await enable(h)
    await h.message(REJECTION, user=ALEX)
    out = await h.press("Stop", user=ALEX)
    assert "/encourage off" in out and "/encourage on" in out
    assert await h.app.settings.get("user", f"{COMMUNITY}/alex", "encourage.auto") is False
    h.app.clock.advance(timedelta(days=30))
    assert await h.message(REJECTION, user=ALEX) == ""


async def test_status(h, clock):
    out = await h.send("/encourage status", user=ALEX)
    assert "Automatic replies to you: **on**" in out and "#general: **off**" in out
    await enable(h)
    await h.message(REJECTION, user=ALEX)
    out = await h.send("/encourage status", user=ALEX)
    assert "#general: **on**" in out and "next one could come after" in out and "in 7 days" in out
    assert "Channels with automatic replies: #general." in out  # console users are admins


async def test_encourage_channel_is_for_admins(h):
    spec = h.app.registry.commands["encourage channel"].spec
    assert spec.permission == "admin"
    assert h.app.registry.commands["encourage off"].spec.permission == "member"


async def test_failed_send_gives_the_claim_and_cooldown_back(h, monkeypatch):
    await enable(h)
    outbox = h.adapter.outbox
    real = outbox.send_private

    async def broken(*args, **kwargs):
        raise ConnectionError("network down")

    monkeypatch.setattr(outbox, "send_private", broken)
    assert await h.message(REJECTION, user=ALEX, message_id="5") == ""
    monkeypatch.setattr(outbox, "send_private", real)
    # The redelivery (Slack retries, gateway replay) is answered after all.
    assert private_to("alex", await h.message(REJECTION, user=ALEX, message_id="5")) == 1


# -- the Discord shape: no private messages in a channel -------------------------------


@pytest.fixture
def public_only(h, monkeypatch):
    async def unsupported(channel_id, user_id, reply, *, thread_id=None):
        return False

    monkeypatch.setattr(h.adapter.outbox, "send_private", unsupported)
    return h


async def test_public_offer_is_one_short_line_with_buttons(public_only):
    h = public_only
    await enable(h)
    out = await h.message(REJECTION, user=ALEX)
    assert OFFER in out
    assert "(only you can see this)" not in out.split(OFFER)[0]
    assert "[1] Show me  [2] Not now  [3] Never" in out
    assert story_ids(h.app, out) == []  # the story opens on click only
    assert out.count(OFFER) == 1


async def test_show_me_is_for_the_author_only(public_only):
    h = public_only
    await enable(h)
    await h.message(REJECTION, user=ALEX)
    out = await h.press("Show me", user=SAM)
    assert "(only you can see this)" in out and "This one was for @alex" in out
    assert story_ids(h.app, out) == []
    out = await h.press("Show me", user=SAM)  # the same public buttons are still there
    assert "This one was for @alex" in out
    out = await h.press("Show me", user=ALEX)
    assert out.startswith("(only you can see this)")
    ids = story_ids(h.app, out)
    assert len(ids) == 1
    # The detector saw a program rejection; the story matches when there is one.
    if any(t.stage == "program" for t in h.app.content.testimonials.values()):
        assert h.app.content.testimonials[ids[0]].stage == "program"


async def test_not_now_and_never(public_only):
    h = public_only
    await enable(h)
    await h.message(REJECTION, user=ALEX)
    offer_buttons = list(h.adapter.choices)
    out = await h.press("Not now", user=SAM)
    assert "This one was for @alex" in out
    h.adapter.choices = offer_buttons
    out = await h.press("Not now", user=ALEX)
    assert "OK. If you'd like a story later" in out
    assert "Want a story" not in out  # the public line lost its buttons
    assert await h.app.settings.get("user", f"{COMMUNITY}/alex", "encourage.auto") is True

    h.adapter.choices = offer_buttons
    out = await h.press("Never", user=SAM)
    assert "This one was for @alex" in out
    assert await h.app.settings.get("user", f"{COMMUNITY}/sam", "encourage.auto") is True
    h.adapter.choices = offer_buttons
    out = await h.press("Never", user=ALEX)
    assert "won't reply to your messages automatically again" in out
    assert await h.app.settings.get("user", f"{COMMUNITY}/alex", "encourage.auto") is False
    h.app.clock.advance(timedelta(days=30))
    assert await h.message(REJECTION, user=ALEX) == ""


async def test_offer_carries_stage_and_all_stages_have_lines():
    from cogs.encouragement import compose

    assert compose.parse_offer_value("u1|program") == ("u1", "program")
    assert compose.parse_offer_value("u1|bogus") == ("u1", None)
    assert compose.parse_offer_value("u1") == ("u1", None)
    for stage in STAGES:
        assert compose.stage_line(stage)


async def test_cooldown_is_atomic_across_concurrent_handlers(h, clock):
    store = h.cog.store
    now = clock.now()
    results = await asyncio.gather(
        *(store.take_cooldown(COMMUNITY, "zed", now, timedelta(days=7)) for _ in range(5))
    )
    assert sorted(won for won, _ in results) == [False] * 4 + [True]
    clock.advance(timedelta(days=8))
    later = clock.now()
    results = await asyncio.gather(
        *(store.take_cooldown(COMMUNITY, "zed", later, timedelta(days=7)) for _ in range(5))
    )
    assert sorted(won for won, _ in results) == [False] * 4 + [True]
    await store.give_back(COMMUNITY, "zed", later, now)
    assert (await store.get(COMMUNITY, "zed")).last_auto_at == now
