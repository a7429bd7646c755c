"""Feed import against a local HTTP server: RSS, Atom, malformed, huge, redirects, 304s."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from cogs.postings import PostingsCog
from cogs.postings.feeds import FeedError, FeedFetcher, parse_feed
from tests.fakes.feed_server import FeedServer, Item
from tests.test_postings_support import KEY, MEMBER, MOD1, Env, make_env


@pytest.fixture
async def server():
    s = await FeedServer().start()
    yield s
    await s.stop()


@pytest.fixture
async def env(app_factory, clock) -> Env:
    app = await app_factory(cogs=[PostingsCog])
    e = await make_env(app, clock)
    # The only way past the host rules: code injecting an allow-list into the fetcher.
    e.cog.fetcher = FeedFetcher(allow_hosts={"127.0.0.1"}, timeout=2.0)
    return e


async def feeds(env: Env):
    return await env.cog.store.feeds(community_key=KEY)


# -- adding a feed ----------------------------------------------------------------------


async def test_first_fetch_records_items_without_queuing(env: Env, server: FeedServer):
    out = await env.h.send(f"/postings feeds add {server.url('/rss.xml')}", user=MOD1)
    assert "Added feed #1 (Example Safety Jobs). I noted its 2 current items" in out
    assert "won't queue those" in out and "#review" in out
    assert "[#review]" not in out and await env.rows() == []
    (feed,) = await feeds(env)
    assert feed.etag == '"v1"' and feed.last_modified
    assert await env.cog.store.seen_links(1) == {
        "https://jobs.example.org/re-interp",
        "https://fellows.example.org/2027",  # normalised: utm_source dropped
    }
    out = await env.h.send("/postings feeds list", user=MOD1)
    assert "#1 Example Safety Jobs" in out and "active" in out
    assert [d["action"] for d in await env.decisions()] == ["feed_add"]


async def test_later_items_go_to_the_review_queue_never_the_feed(env: Env, server: FeedServer):
    await env.h.send(f"/postings feeds add {server.url('/rss.xml')}", user=MOD1)
    (feed,) = await feeds(env)
    # Nothing new: a conditional GET answered with 304.
    assert await env.cog.check_feed(feed) == []
    path, headers = server.requests[-1]
    assert headers.get("If-None-Match") == '"v1"' and headers.get("If-Modified-Since")
    server.bump(
        Item(
            "MATS Winter Program 2027",
            "https://matsprogram.example.org/winter",
            "<p>Mentored research.</p>",
        ),
        Item("Old one, new tracking", "https://jobs.example.org/re-interp/?utm_campaign=again"),
    )
    mark = env.mark()
    (feed,) = await feeds(env)
    queued = await env.cog.check_feed(feed)
    out = env.since(mark)
    assert [p.title for p in queued] == ["MATS Winter Program 2027"]
    assert queued[0].kind == "program" and queued[0].rolling and queued[0].status == "pending"
    assert queued[0].description == "Mentored research."
    assert "[#review]" in out and "Review #1 · Program: MATS Winter Program 2027" in out
    assert "Imported from Example Safety Jobs" in out
    assert "[#feed]" not in out
    # Approving an imported posting works like any other; nobody is DMed.
    out = await env.click("approve", "1", user=MOD1)
    assert "new thread: MATS Winter Program 2027" in out and "direct message" not in out
    # Seen again later: not queued twice.
    (feed,) = await feeds(env)
    server.bump()
    assert await env.cog.check_feed(feed) == []


async def test_feed_items_already_submitted_by_members_are_not_queued(env: Env, server: FeedServer):
    await env.h.send(f"/postings feeds add {server.url('/rss.xml')}", user=MOD1)
    await env.submit(user=MEMBER, link="https://matsprogram.example.org/winter?ref=twitter")
    server.bump(Item("MATS Winter", "https://matsprogram.example.org/winter"))
    (feed,) = await feeds(env)
    assert await env.cog.check_feed(feed) == []
    assert len(await env.rows()) == 1


async def test_atom_feeds(env: Env, server: FeedServer):
    out = await env.h.send(f"/postings feeds add {server.url('/atom.xml')}", user=MOD1)
    assert "Added feed #1 (Example Atom Programs). I noted its 2 current items" in out
    server.bump(Item("Grant round: interpretability", "https://grants.example.org/interp"))
    (feed,) = await feeds(env)
    (p,) = await env.cog.check_feed(feed)
    assert p.kind == "grant" and p.link == "https://grants.example.org/interp"


async def test_the_same_feed_twice_and_removal(env: Env, server: FeedServer):
    await env.h.send(f"/postings feeds add {server.url('/rss.xml')}", user=MOD1)
    out = await env.h.send(f"/postings feeds add {server.url('/rss.xml')}#again", user=MOD1)
    assert "already here as feed #1" in out
    out = await env.h.send("/postings feeds remove 1", user=MOD1)
    assert "Removed feed #1" in out
    assert await feeds(env) == []
    assert "no feed with that number" in await env.h.send("/postings feeds remove 1", user=MOD1)


async def test_only_moderators_manage_feeds(env: Env, server: FeedServer):
    out = await env.h.send(f"/postings feeds add {server.url('/rss.xml')}", user=MEMBER)
    assert "Only moderators can use `postings feeds add`" in out
    assert "Only moderators" in await env.h.send("/postings feeds list", user=MEMBER)
    assert await feeds(env) == []


# -- feeds that must be refused ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path,reason",
    [
        ("/malformed.xml", "it isn't an RSS or Atom feed I can read"),
        ("/huge.xml", "it's larger than 2 MB"),
        ("/big-declared.xml", "it's larger than 2 MB"),
        ("/redirect/metadata", "it points (or redirects) to an address I won't fetch"),
        ("/redirect/localhost", "it points (or redirects) to an address I won't fetch"),
        ("/redirect/loop/0", "it redirects more than 3 times"),
        ("/status/500", "the server answered HTTP 500"),
        ("/status/404", "the server answered HTTP 404"),
    ],
)
async def test_bad_feeds_are_not_added(env: Env, server: FeedServer, path, reason):
    out = await env.h.send(f"/postings feeds add {server.url(path)}", user=MOD1)
    assert f"I couldn't read that feed: {reason}. Nothing was added." in out
    assert await feeds(env) == []


async def test_redirects_are_followed_and_rechecked(env: Env, server: FeedServer):
    out = await env.h.send(f"/postings feeds add {server.url('/redirect/ok')}", user=MOD1)
    assert "Added feed #1" in out
    assert server.hits.get("/rss.xml") == 1
    # The metadata address is refused before any connection is tried.
    await env.h.send(f"/postings feeds add {server.url('/redirect/metadata')}", user=MOD1)
    assert server.hits.get("/redirect/metadata") == 1
    # Three hops allowed, the fourth refused.
    assert server.hits.get("/redirect/loop/3") is None
    await env.h.send(f"/postings feeds add {server.url('/redirect/loop/0')}", user=MOD1)
    assert server.hits.get("/redirect/loop/3") == 1 and server.hits.get("/redirect/loop/4") is None


async def test_slow_feeds_time_out(env: Env, server: FeedServer):
    server.slow_seconds = 1.0
    env.cog.fetcher = FeedFetcher(allow_hosts={"127.0.0.1"}, timeout=0.3)
    out = await env.h.send(f"/postings feeds add {server.url('/slow.xml')}", user=MOD1)
    assert "it took longer than 0.3 seconds" in out


async def test_host_rules_hold_without_injection(app_factory, clock, server: FeedServer):
    app = await app_factory(cogs=[PostingsCog])
    env = await make_env(app, clock)  # the real fetcher, no allow-list
    for url in (
        server.url("/rss.xml"),
        f"http://localhost:{server.port}/rss.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/feed",
        "file:///etc/passwd",
        "http://user:pw@feeds.example.org/rss",
    ):
        out = await env.h.send(f"/postings feeds add {url}", user=MOD1)
        assert "Nothing was added" not in out  # refused before any fetch
        assert "fetch that feed" in out or "http or https" in out or "username or password" in out
    assert server.hits == {}
    assert await feeds(env) == []
    # Chat or config cannot lift the rule: there is no setting for it.
    assert not [k for (_, k) in app.settings.specs if "allow" in k]


async def test_names_that_resolve_to_private_addresses_are_refused(server: FeedServer):
    answers = {
        "evil.example": "10.0.0.7",
        "meta.example": "169.254.169.254",
        "feeds.example": "127.0.0.1",
    }
    rebinding = {"calls": 0}

    async def fake_getaddrinfo(host, port, **kwargs):
        if host == "rebind.example":
            rebinding["calls"] += 1
            ip = "93.184.216.34" if rebinding["calls"] == 1 else "127.0.0.1"
        else:
            ip = answers[host]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]

    fetcher = FeedFetcher(getaddrinfo=fake_getaddrinfo, timeout=2)
    for host in ("evil.example", "meta.example", "feeds.example"):
        with pytest.raises(FeedError, match="points at a private or local address"):
            await fetcher.fetch(f"http://{host}:{server.port}/rss.xml")
    # Checked, then re-resolved at connect time to loopback (DNS rebinding): still refused.
    with pytest.raises(FeedError, match="private or local"):
        await fetcher.fetch(f"http://rebind.example:{server.port}/rss.xml")
    assert rebinding["calls"] == 2
    assert server.hits == {}
    # An allowed name goes through the same resolver to the local server.
    allowed = FeedFetcher(allow_hosts={"feeds.example"}, getaddrinfo=fake_getaddrinfo, timeout=2)
    result = await allowed.fetch(f"http://feeds.example:{server.port}/rss.xml")
    assert result.status == "ok" and b"Example Safety Jobs" in result.body


# -- failing and pausing ----------------------------------------------------------------------


async def test_a_feed_failing_five_times_is_paused_with_one_notice(env: Env, server: FeedServer):
    await env.h.send(f"/postings feeds add {server.url('/plain.xml')}", user=MOD1)
    (feed,) = await feeds(env)
    await env.cog.store.update_feed(feed.id, url=server.url("/status/503"))
    mark = env.mark()
    for _ in range(4):
        env.clock.advance(timedelta(minutes=31))
        await env.cog.poll_feeds()
    (feed,) = await feeds(env)
    assert feed.failures == 4 and not feed.paused
    assert "paused" not in env.since(mark)
    env.clock.advance(timedelta(minutes=31))
    await env.cog.poll_feeds()
    (feed,) = await feeds(env)
    assert feed.paused and feed.failures == 5
    for _ in range(3):
        env.clock.advance(timedelta(minutes=31))
        await env.cog.poll_feeds()
    out = env.since(mark)
    assert out.count("I've paused feed #1") == 1
    assert "[#review]" in out and "the server answered HTTP 503" in out
    assert "`postings feeds resume 1`" in out
    assert server.hits[server.url("/status/503").split(str(server.port))[1]] == 5
    listing = await env.h.send("/postings feeds list", user=MOD1)
    assert "paused, 5 failed fetches in a row (last: the server answered HTTP 503)" in listing
    # Resumed and fixed: fetched again, failures reset.
    await env.cog.store.update_feed(feed.id, url=server.url("/plain.xml"))
    assert "active again" in await env.h.send("/postings feeds resume 1", user=MOD1)
    await env.cog.poll_feeds()
    (feed,) = await feeds(env)
    assert not feed.paused and feed.failures == 0


async def test_polling_respects_the_interval(env: Env, server: FeedServer):
    await env.h.send(f"/postings feeds add {server.url('/plain.xml')}", user=MOD1)
    await env.cog.poll_feeds()
    assert server.hits["/plain.xml"] == 1  # checked at add time, not due yet
    env.clock.advance(timedelta(minutes=31))
    await env.cog.poll_feeds()
    assert server.hits["/plain.xml"] == 2


async def test_a_flood_of_new_items_is_capped(env: Env, server: FeedServer):
    await env.h.send(f"/postings feeds add {server.url('/rss.xml')}", user=MOD1)
    server.bump(*(Item(f"Role {n}", f"https://jobs.example.org/role/{n}") for n in range(25)))
    (feed,) = await feeds(env)
    queued = await env.cog.check_feed(feed)
    assert len(queued) == 10
    server.bump()
    (feed,) = await feeds(env)
    assert await env.cog.check_feed(feed) == []  # the rest were remembered, not queued


# -- parsing ------------------------------------------------------------------------------------


def test_parse_feed_skips_unsafe_and_relative_links_are_resolved():
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T &amp; Co</title>
    <item><title>Relative</title><link>/jobs/1</link></item>
    <item><title>Script</title><link>javascript:alert(1)</link></item>
    <item><title>Internal</title><link>http://10.0.0.1/x</link></item>
    <item><title>Dup</title><link>https://example.org/jobs/1</link></item>
    <item><title>&lt;b&gt;Bold&lt;/b&gt; role</title><link>https://example.org/b</link>
      <description>&lt;script&gt;x()&lt;/script&gt;&lt;p&gt;Hello &amp;amp; welcome&lt;/p&gt;</description></item>
    </channel></rss>"""
    parsed = parse_feed(body, "https://example.org/feed.xml")
    assert parsed.title == "T & Co"
    assert [i.link for i in parsed.items] == ["https://example.org/jobs/1", "https://example.org/b"]
    assert parsed.items[1].title == "Bold role"
    assert parsed.items[1].summary == "Hello & welcome"
    assert parsed.skipped == 3


def test_parse_feed_never_opens_files_or_urls(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_text('<rss version="2.0"><channel><title>secret</title></channel></rss>')
    with pytest.raises(FeedError):
        parse_feed(str(secret).encode(), "https://example.org/")
    with pytest.raises(FeedError):
        parse_feed(b"https://example.org/rss.xml", "https://example.org/")
