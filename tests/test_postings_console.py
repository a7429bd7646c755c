"""Postings through the console adapter: submit, review, feed, digest, reminder, closing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.outbox import DeliveryError
from cogs.postings import PostingsCog
from tests.conftest import make_config
from tests.test_postings_support import (
    GOOD,
    KEY,
    MEMBER,
    MOD1,
    MOD2,
    OTHER,
    Env,
    make_env,
    no_pings,
)

REFUSAL = (
    "Only moderators can approve postings. If you think this one is good, "
    "a moderator will see it in the queue."
)


@pytest.fixture
async def env(app_factory, clock) -> Env:
    app = await app_factory(cogs=[PostingsCog])
    return await make_env(app, clock)


# -- setup ------------------------------------------------------------------------


async def test_nothing_works_before_setup_and_only_admins_set_up(app_factory, clock):
    app = await app_factory(cogs=[PostingsCog])
    env = await make_env(app, clock, setup=False)
    out = await env.submit(user=MEMBER, form=False)
    assert "aren't set up here yet" in out and "postings setup" in out
    assert await env.rows() == []
    out = await env.h.send("/postings setup review:#review feed:#feed", user=MEMBER)
    assert "Only community admins" in out
    assert await app.settings.get("community", KEY, "postings.review_channel") == ""
    out = await env.h.send("/postings setup review:#review feed:#feed")
    assert "Submissions go to #review" in out and "Mondays at 09:00 (UTC)" in out
    assert await app.settings.get("community", KEY, "postings.feed_channel") == "feed"
    assert f"postings.digest:{KEY}" in app.scheduler.weekly


# -- the whole life of a posting ------------------------------------------------------


async def test_submit_queue_approve_feed_digest_reminder_closed(env: Env):
    app, clock = env.app, env.clock
    out = await env.submit("job", user=MEMBER)
    assert "Thanks! Posting #1 is waiting for a moderator" in out
    # The queue card: moderators' channel, every detail, and the three buttons.
    assert "[#review]" in out
    assert "Review #1 · Job: Research Engineer, Interpretability" in out
    assert "Organisation: Apollo Research" in out and "Where: London or remote" in out
    assert "Wed 9 Dec, 17:00 UTC, in 8 days" in out
    assert "https://jobs.example.org/re-interp" in out and "utm_source" not in out
    assert "Mina (id m1)" in out
    assert "[1] Approve  [2] Reject  [3] Edit" in out
    assert "[#feed]" not in out  # nothing reaches the feed without a moderator
    assert await env.status() == "pending"

    out = await env.click("approve", "1", user=MOD1)
    assert "Approved posting #1; it's in #feed now." in out
    assert "[#feed] new thread: Research Engineer, Interpretability" in out
    assert "Job: Research Engineer, Interpretability" in out
    assert "Shared by: Mina" in out
    assert "Open posting: https://jobs.example.org/re-interp" in out
    assert "[#review edited message" in out and "Approved by Sam" in out
    assert "[direct message to m1]" in out and "was approved" in out
    assert await env.status() == "live"
    decisions = await env.decisions()
    assert [(d["action"], d["actor_id"]) for d in decisions] == [("approve", "mod1")]

    out = await env.h.send("/postings list", user=OTHER)
    assert "Research Engineer, Interpretability" in out and "#1" in out
    out = await env.h.send("/postings search interpretability", user=OTHER)
    assert "Research Engineer" in out
    out = await env.h.send("/postings list kind:grant", user=OTHER)
    assert "Nothing open right now" in out

    # Monday 09:00: the weekly digest lists what closes within 7 days, once.
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    mark = env.mark()
    assert await app.scheduler.tick() == 1
    await app.scheduler.tick()
    out = env.since(mark)
    assert out.count("Closing in the next 7 days") == 1
    assert "Research Engineer, Interpretability" in out and "in 2 days" in out

    # 24 h before the deadline: one reminder, however many sweeps run.
    clock.set(datetime(2026, 12, 8, 16, 0, tzinfo=UTC))
    mark = env.mark()
    await env.cog.sweep()
    assert "Closing soon" not in env.since(mark)
    clock.set(datetime(2026, 12, 8, 17, 0, tzinfo=UTC))
    mark = env.mark()
    await env.cog.sweep()
    await env.cog.sweep()
    clock.advance(timedelta(hours=3))
    await env.cog.sweep()
    out = env.since(mark)
    assert out.count("Closing soon: **Research Engineer, Interpretability**") == 1
    assert "Deadline Wed 9 Dec, 17:00 UTC, in 24 hours." in out

    # At the deadline the feed card says closed and the posting leaves the lists.
    clock.set(datetime(2026, 12, 9, 17, 0, tzinfo=UTC))
    mark = env.mark()
    await env.cog.sweep()
    out = env.since(mark)
    assert "[#feed edited message" in out
    assert "Closed · Job: Research Engineer, Interpretability" in out
    assert "Closed Wed 9 Dec, 17:00 UTC." in out
    assert await env.status() == "closed"
    assert "Nothing open right now" in await env.h.send("/postings list")
    mark = env.mark()
    await env.cog.sweep()
    assert "edited" not in env.since(mark)  # closing happens once
    out = await env.h.send("/postings mine", user=MEMBER)
    assert "#1 **Research Engineer, Interpretability**: closed" in out


async def test_threads_can_be_turned_off(env: Env):
    await env.app.settings.set("community", KEY, "postings.threads", False)
    await env.submit(user=MEMBER)
    out = await env.click("approve", "1", user=MOD1)
    assert "[#feed]\n┌ Job: Research Engineer" in out and "new thread" not in out


# -- review: rights, races, reasons ----------------------------------------------------


async def test_a_member_clicking_approve_is_refused_and_nothing_changes(env: Env):
    await env.submit(user=MEMBER)
    for action in ("approve", "reject", "edit"):
        out = await env.click(action, "1", user=OTHER)
        assert "only you can see this" in out
        assert "[#feed]" not in out and "edited" not in out and "──" not in out
    assert REFUSAL in await env.click("approve", "1", user=MEMBER)
    assert await env.status() == "pending"
    assert await env.decisions() == []
    assert not await env.app.scheduler.is_claimed("postings.feed", "1")
    out = await env.h.send("/postings queue", user=OTHER)
    assert "Only moderators can use `postings queue`" in out


async def test_concurrent_approvals_make_one_decision(env: Env):
    await env.submit(user=MEMBER)
    mark = env.mark()
    first, second = await asyncio.gather(
        env.click_as("approve", "1", MOD1), env.click_as("approve", "1", MOD2)
    )
    replies = first + second
    winners = [r for r in replies if r.startswith("Approved posting #1")]
    losers = [r for r in replies if "already approved posting #1" in r]
    assert len(winners) == 1 and len(losers) == 1, replies
    winner = "Sam" if any(r.startswith("Approved") for r in first) else "Alex"
    assert losers[0].startswith(f"{winner} already approved posting #1")
    assert "nothing changed" in losers[0]
    decisions = await env.decisions()
    assert len(decisions) == 1 and decisions[0]["action"] == "approve"
    out = env.since(mark)
    assert out.count("new thread:") == 1
    assert out.count("[direct message to m1]") == 1


async def test_approve_then_reject_race_is_decided_once(env: Env):
    await env.submit(user=MEMBER)
    await env.click("approve", "1", user=MOD1)
    out = await env.click("reject", "1", user=MOD2)
    assert "Sam already approved posting #1" in out and "──" not in out
    assert await env.status() == "live"


async def test_reject_with_a_reason_reaches_the_submitter(env: Env):
    await env.submit(user=MEMBER)
    out = await env.click("reject", "1", "The application closed last week.", user=MOD1)
    assert "── Reject posting #1 ──" in out
    assert "Rejected posting #1; I'm telling the submitter why." in out
    assert "[direct message to m1]" in out
    assert "The moderator said: The application closed last week." in out
    assert "Rejected by Sam" in out and "Reason" in out
    assert await env.status() == "rejected"
    decisions = await env.decisions()
    assert [(d["action"], d["actor_id"], d["reason"]) for d in decisions] == [
        ("reject", "mod1", "The application closed last week.")
    ]
    assert "not approved: The application closed last week." in await env.h.send(
        "/postings mine", user=MEMBER
    )
    # A rejected link may be sent again, fixed.
    out = await env.submit(user=MEMBER)
    assert "Posting #2 is waiting" in out


async def test_outcome_when_dms_are_closed(env: Env, monkeypatch):
    outbox = env.h.adapter.outbox

    async def closed_dm(user_id, reply):
        return None

    monkeypatch.setattr(outbox, "dm", closed_dm)
    await env.submit(user=MEMBER)
    out = await env.click("reject", "1", "Not about AI safety.", user=MOD1)
    assert "[#feed, only m1 can see this]" in out and "Not about AI safety." in out
    p = await env.cog.store.get(1)
    assert p is not None and p.told == "private"

    async def no_private(channel_id, user_id, reply):
        return False

    monkeypatch.setattr(outbox, "send_private", no_private)
    await env.submit(user=MEMBER, link="https://jobs.example.org/other")
    out = await env.click("approve", "2", user=MOD1)
    assert "they'll see it in `postings mine`" in out
    p = await env.cog.store.get(2)
    assert p is not None and p.told == "mine"
    out = await env.h.send("/postings mine", user=MEMBER)
    assert "#2 **Research Engineer, Interpretability**: approved, in #feed" in out
    assert "#1 **Research Engineer, Interpretability**: not approved: Not about AI safety." in out


async def test_edit_before_and_after_approval(env: Env):
    await env.submit(user=MEMBER)
    # Empty answers keep the defaults; change the title and the deadline.
    out = await env.click(
        "edit", "1", "Research Engineer (Interp)", "", "", "Dec 20", "", user=MOD1
    )
    assert "── Edit posting #1 ──" in out
    assert "Saved your changes to posting #1." in out
    assert "Review #1 · Job: Research Engineer (Interp)" in out and "Sun 20 Dec, 23:59" in out
    out = await env.click("approve", "1", user=MOD1)
    assert "Sun 20 Dec, 23:59 UTC" in out
    out = await env.h.send(
        "/postings edit 1 kind:fellowship", "", "", "", "", "Now funded.", user=MOD2
    )
    assert "[#feed edited message" in out and "Fellowship: Research Engineer (Interp)" in out
    assert "Now funded." in out
    assert [d["action"] for d in await env.decisions()] == ["edit", "approve", "edit"]
    out = await env.h.send("/postings edit 1", user=MEMBER)
    assert "Only moderators can use `postings edit`" in out


async def test_a_pending_posting_whose_deadline_passed_cannot_be_approved(env: Env):
    await env.submit(user=MEMBER, deadline="Dec 2")
    env.clock.set(datetime(2026, 12, 3, tzinfo=UTC))
    out = await env.click("approve", "1", user=MOD1)
    assert "deadline has passed, so I won't post it" in out
    assert await env.status() == "pending"


# -- what members type ---------------------------------------------------------------


@pytest.mark.parametrize(
    "link,message",
    [
        ("javascript:alert(1)", "isn't http or https"),
        ("data:text/html,<script>alert(1)</script>", "isn't http or https"),
        ("file:///etc/passwd", "isn't http or https"),
        ("http://169.254.169.254/", "points at a private or local address"),
        ("http://localhost", "points at a local address"),
        ("http://user:pass@host.example.org/", "username or password"),
        ("http://2130706433/", "points at a private or local address"),
    ],
)
async def test_bad_links_are_refused_and_nothing_is_saved(env: Env, link, message):
    out = await env.submit(user=MEMBER, link=link)
    assert message in out and "Nothing was saved." in out
    assert "[#review]" not in out
    assert await env.rows() == []


async def test_past_deadline_refused_with_the_reason(env: Env):
    out = await env.submit(user=MEMBER, deadline="Nov 30")
    assert "That deadline (Mon 30 Nov 2026, 23:59 UK time)" not in out  # the community is on UTC
    assert "That deadline (Mon 30 Nov 2026, 23:59 UTC) has already passed" in out
    assert "Nothing was saved." in out
    assert await env.rows() == []


async def test_long_description_refused_with_the_limit(env: Env):
    # The console form stops at the field limit, as Discord and Slack modals do...
    out = await env.h.send(
        "/postings submit kind:job",
        GOOD["title"],
        GOOD["org"],
        GOOD["link"],
        GOOD["deadline"],
        "x" * 5000,
        "/cancel",
        user=MEMBER,
    )
    assert "That is 5000 characters; the limit is 1000." in out
    assert "nothing was saved" in out
    # ...and the server checks again, for clients that don't.
    meta = json.dumps({"kind": "job", "anonymous": False})
    replies = await env.submit_values({**GOOD, "description": "x" * 5000}, user=MEMBER, meta=meta)
    assert replies == [
        "The description can be at most 1,000 characters; yours has 5,000. "
        "Shorten it and submit again. Nothing was saved."
    ]
    assert await env.rows() == []


async def test_several_problems_are_listed_together(env: Env):
    meta = json.dumps({"kind": "job", "anonymous": False})
    values = {**GOOD, "title": "t" * 250, "link": "file:///x", "deadline": "2020-01-01"}
    (reply,) = await env.submit_values(values, user=MEMBER, meta=meta)
    assert reply.startswith("I couldn't save that posting:\n- ")
    assert reply.count("\n- ") == 3 and reply.endswith("Nothing was saved.")


async def test_mass_mentions_in_every_field_never_ping(env: Env):
    fields = {
        "title": "@everyone hiring <!channel>",
        "org": "@here Labs <!everyone> · <!here> @channel remote",
        "link": "https://jobs.example.org/@everyone?x=<!channel>",
        "deadline": "Dec 9",
        "description": "Ping @everyone and @here and <!subteam^S123> and <@&987> and <@123>",
    }
    out = await env.submit(user=MEMBER, **fields)
    assert "Posting #1 is waiting" in out
    await env.click("approve", "1", user=MOD1)
    await env.h.send("/postings list", user=OTHER)
    await env.h.send("/postings search hiring", user=OTHER)
    await env.h.send("/postings queue", user=MOD1)
    env.clock.set(datetime(2026, 12, 9, 1, 0, tzinfo=UTC))
    await env.cog.sweep()  # reminder
    env.clock.set(datetime(2026, 12, 10, 1, 0, tzinfo=UTC))
    await env.cog.sweep()  # closed
    transcript = env.h.transcript
    assert "Closing soon" in transcript and "Closed ·" in transcript
    assert no_pings(transcript), [
        m for m in ("@everyone", "@here", "<!channel>") if m in transcript
    ]
    assert "@\u200beveryone hiring" in transcript  # shown, but defused
    p = await env.cog.store.get(1)
    assert p is not None and p.title == "@everyone hiring <!channel>"  # stored as typed


async def test_mentions_in_a_rejection_reason_never_ping(env: Env):
    await env.submit(user=MEMBER)
    await env.click("reject", "1", "@everyone look, <!channel>", user=MOD1)
    assert no_pings(env.h.transcript)


async def test_the_same_link_normalised_is_already_submitted(env: Env):
    await env.submit(user=MEMBER)
    out = await env.submit(
        user=OTHER, link="HTTPS://Jobs.Example.org:443/re-interp/?fbclid=abc#apply"
    )
    assert "That link was already submitted: it's posting #1, waiting for a moderator." in out
    assert len(await env.rows()) == 1
    await env.click("approve", "1", user=MOD1)
    out = await env.submit(user=OTHER, link="https://jobs.example.org/re-interp")
    assert "it's posting #1, live in #feed" in out
    assert len(await env.rows()) == 1


async def test_anonymous_submitters_are_a_member_to_others(env: Env):
    out = await env.submit(user=MEMBER, anonymous=True)
    assert "Other members won't see your name." in out
    assert "Mina (id m1), asked to stay anonymous to members" in out  # moderators see who
    out = await env.click("approve", "1", user=MOD1)
    feed_part = out[out.index("[#feed]") : out.index("Open posting")]
    assert "Shared by: a member" in feed_part and "Mina" not in feed_part


async def test_blocked_members_cannot_submit(env: Env):
    out = await env.h.send("/postings block @m1", user=MEMBER)
    assert "Only moderators can use `postings block`" in out
    out = await env.h.send("/postings block @m1", user=MOD1)
    assert "Blocked @m1 from submitting postings" in out
    out = await env.submit(user=MEMBER, form=False)
    assert "You can't submit postings here right now" in out
    assert await env.rows() == []
    assert "Posting #1" in await env.submit(user=OTHER)
    await env.h.send("/postings unblock @m1", user=MOD2)
    assert "Posting #2" in await env.submit(user=MEMBER, link="https://jobs.example.org/2")
    assert [d["action"] for d in await env.decisions()] == ["block", "unblock"]


# -- rolling postings -----------------------------------------------------------------


async def test_rolling_postings_expire_unless_renewed(env: Env):
    await env.submit("program", user=MEMBER, deadline="rolling")
    out = await env.click("approve", "1", user=MOD1)
    assert "Rolling (no fixed deadline)" in out
    start = env.clock.now()
    env.clock.set(start + timedelta(days=59))
    out = await env.h.send("/postings renew 1", user=MOD1)
    assert "Renewed posting #1: it stays up for another 60 days." in out
    env.clock.set(start + timedelta(days=100))
    await env.cog.sweep()
    assert await env.status() == "live"
    env.clock.set(start + timedelta(days=119, minutes=1))
    mark = env.mark()
    await env.cog.sweep()
    assert await env.status() == "expired"
    out = env.since(mark)
    assert "[#feed edited message" in out and "Expired: rolling postings leave the feed" in out
    # A moderator can bring it back.
    out = await env.h.send("/postings renew 1", user=MOD2)
    assert "Renewed" in out and "Program: Research Engineer" in out
    assert await env.status() == "live"
    await env.submit(user=MEMBER, link="https://jobs.example.org/fixed", deadline="2027-12-09")
    await env.click("approve", "2", user=MOD1)
    assert "fixed deadline" in await env.h.send("/postings renew 2", user=MOD1)


async def test_rolling_days_is_a_setting(env: Env):
    await env.app.settings.set("community", KEY, "postings.rolling_days", 7)
    await env.submit(user=MEMBER, deadline="rolling")
    await env.click("approve", "1", user=MOD1)
    env.clock.advance(timedelta(days=7, minutes=1))
    await env.cog.sweep()
    assert await env.status() == "expired"


# -- exactly once, across failures and restarts ----------------------------------------


async def test_a_transient_feed_failure_is_retried_once(env: Env, monkeypatch):
    outbox = env.h.adapter.outbox
    real = outbox.open_thread
    calls = {"n": 0}

    async def flaky(channel_id, title, starter, *, nonce=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise DeliveryError("502 from the platform", permanent=False)
        return await real(channel_id, title, starter, nonce=nonce)

    monkeypatch.setattr(outbox, "open_thread", flaky)
    await env.submit(user=MEMBER)
    out = await env.click("approve", "1", user=MOD1)
    assert "I'll post it in #feed shortly." in out and "new thread" not in out
    assert await env.status() == "live"  # the decision stands
    mark = env.mark()
    await env.cog.sweep()
    await env.cog.sweep()
    assert env.since(mark).count("new thread:") == 1
    assert calls["n"] == 2


async def test_a_permanent_feed_failure_is_not_retried(env: Env, monkeypatch):
    async def forbidden(*args, **kwargs):
        raise DeliveryError("403 missing access", permanent=True)

    monkeypatch.setattr(env.h.adapter.outbox, "open_thread", forbidden)
    await env.submit(user=MEMBER)
    await env.click("approve", "1", user=MOD1)
    monkeypatch.undo()
    mark = env.mark()
    await env.cog.sweep()
    assert "new thread" not in env.since(mark)


async def test_restart_around_a_reminder_sends_it_once(app_factory, clock, tmp_path):
    config = make_config(tmp_path)
    app1 = await app_factory(cogs=[PostingsCog], config=config)
    env1 = await make_env(app1, clock)
    await env1.submit(user=MEMBER)
    await env1.click("approve", "1", user=MOD1)
    # The first instance sends the reminder and stops right after.
    clock.set(datetime(2026, 12, 8, 17, 30, tzinfo=UTC))
    await env1.cog.sweep()
    assert env1.h.transcript.count("Closing soon") == 1
    await app1.stop()
    # A new App on the same database, a minute later: nothing is sent again.
    clock.advance(timedelta(minutes=1))
    app2 = await app_factory(cogs=[PostingsCog], config=make_config(tmp_path))
    env2 = await make_env(app2, clock, setup=False)
    await env2.cog.sweep()
    await env2.cog.sweep()
    assert "Closing soon" not in env2.h.transcript
    assert "new thread" not in env2.h.transcript  # nor the feed card
    await app2.stop()


async def test_restart_before_a_reminder_sends_it_once(app_factory, clock, tmp_path):
    app1 = await app_factory(cogs=[PostingsCog], config=make_config(tmp_path))
    env1 = await make_env(app1, clock)
    await env1.submit(user=MEMBER)
    await env1.click("approve", "1", user=MOD1)
    clock.set(datetime(2026, 12, 8, 16, 0, tzinfo=UTC))
    await env1.cog.sweep()
    await app1.stop()  # down across the reminder time
    clock.set(datetime(2026, 12, 8, 20, 0, tzinfo=UTC))
    app2 = await app_factory(cogs=[PostingsCog], config=make_config(tmp_path))
    env2 = await make_env(app2, clock, setup=False)
    app3 = await app_factory(cogs=[PostingsCog], config=make_config(tmp_path))
    env3 = await make_env(app3, clock, setup=False)
    # Two instances sweeping at once: one reminder between them.
    await asyncio.gather(env2.cog.sweep(), env3.cog.sweep())
    await env2.cog.sweep()
    total = env2.h.transcript.count("Closing soon") + env3.h.transcript.count("Closing soon")
    assert total == 1


async def test_restart_around_the_digest_posts_it_once(app_factory, clock, tmp_path):
    app1 = await app_factory(cogs=[PostingsCog], config=make_config(tmp_path))
    env1 = await make_env(app1, clock)
    await env1.submit(user=MEMBER)
    await env1.click("approve", "1", user=MOD1)
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    await app1.scheduler.tick()
    assert env1.h.transcript.count("Closing in the next 7 days") == 1
    await app1.stop()
    clock.advance(timedelta(minutes=5))
    app2 = await app_factory(cogs=[PostingsCog], config=make_config(tmp_path))
    env2 = await make_env(app2, clock, setup=False)
    await app2.scheduler.load()  # what start() does: schedules from the database
    assert f"postings.digest:{KEY}" in app2.scheduler.weekly
    await app2.scheduler.tick()
    assert "Closing in the next 7 days" not in env2.h.transcript


async def test_digest_follows_the_community_zone(env: Env):
    await env.app.settings.set("community", KEY, "timezone", "America/New_York")
    await env.submit(user=MEMBER)
    await env.click("approve", "1", user=MOD1)
    await env.cog.sweep()
    sched = env.app.scheduler.weekly[f"postings.digest:{KEY}"]
    assert sched.timezone == "America/New_York" and (sched.weekday, sched.hour) == (0, 9)
    env.clock.set(datetime(2026, 12, 7, 13, 59, tzinfo=UTC))  # 08:59 in New York
    assert await env.app.scheduler.tick() == 0
    env.clock.set(datetime(2026, 12, 7, 14, 0, tzinfo=UTC))
    mark = env.mark()
    assert await env.app.scheduler.tick() == 1
    assert "Wed 9 Dec, 17:00 New York time" in env.since(mark)


async def test_no_digest_when_nothing_closes(env: Env):
    await env.submit(user=MEMBER, deadline="Dec 30")
    await env.click("approve", "1", user=MOD1)
    env.clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    mark = env.mark()
    await env.app.scheduler.tick()
    assert "Closing in the next 7 days" not in env.since(mark)


async def test_a_queue_card_that_failed_is_sent_by_the_sweep(env: Env, monkeypatch):
    outbox = env.h.adapter.outbox
    real = outbox.send

    async def down(channel_id, reply, *, thread_id=None, nonce=None):
        if channel_id == "review":
            raise DeliveryError("timeout", permanent=False)
        return await real(channel_id, reply, thread_id=thread_id, nonce=nonce)

    monkeypatch.setattr(outbox, "send", down)
    out = await env.submit(user=MEMBER)
    assert "Posting #1 is waiting" in out and "[#review]" not in out
    monkeypatch.undo()
    mark = env.mark()
    await env.cog.sweep()
    await env.cog.sweep()
    assert env.since(mark).count("Review #1") == 1


async def test_queue_and_mine(env: Env):
    assert "The queue is empty" in await env.h.send("/postings queue", user=MOD1)
    await env.submit(user=MEMBER)
    await env.submit(user=OTHER, link="https://jobs.example.org/2", title="Second")
    out = await env.h.send("/postings queue", user=MOD1)
    assert "2 waiting for review." in out
    assert "Review #1" in out and "Review #2" in out and "[1] Approve" in out
    assert "You haven't submitted" in await env.h.send("/postings mine", user=MOD2)
    out = await env.h.send("/postings mine", user=OTHER)
    assert "#2 **Second**: waiting for a moderator" in out and "#1" not in out


async def test_a_pending_card_says_when_its_deadline_passed(env: Env):
    await env.submit(user=MEMBER, deadline="Dec 2")
    env.clock.set(datetime(2026, 12, 3, tzinfo=UTC))
    mark = env.mark()
    await env.cog.sweep()
    await env.cog.sweep()
    out = env.since(mark)
    assert out.count("[#review edited message") == 1
    assert "the deadline has passed; edit or reject it" in out


async def test_lists_hide_postings_past_their_deadline_before_the_sweep(env: Env):
    await env.submit(user=MEMBER, deadline="Dec 2 12:00")
    await env.click("approve", "1", user=MOD1)
    assert "Research Engineer" in await env.h.send("/postings list")
    env.clock.set(datetime(2026, 12, 2, 12, 0, 1, tzinfo=UTC))
    assert await env.status() == "live"  # not swept yet
    assert "Nothing open right now" in await env.h.send("/postings list")
    assert "No open postings match" in await env.h.send("/postings search engineer")


async def test_outcome_retried_after_a_transient_dm_failure(env: Env, monkeypatch):
    outbox = env.h.adapter.outbox
    real = outbox.dm
    calls = {"n": 0}

    async def flaky(user_id, reply):
        calls["n"] += 1
        if calls["n"] == 1:
            raise DeliveryError("503", permanent=False)
        return await real(user_id, reply)

    monkeypatch.setattr(outbox, "dm", flaky)
    await env.submit(user=MEMBER)
    out = await env.click("approve", "1", user=MOD1)
    assert "[direct message to m1]" not in out
    mark = env.mark()
    await env.cog.sweep()
    await env.cog.sweep()
    assert env.since(mark).count("[direct message to m1]") == 1
    p = await env.cog.store.get(1)
    assert p is not None and p.told == "dm"
