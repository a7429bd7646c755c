"""Advice storage: migration 0002 both ways, and the store on SQLite and PostgreSQL
(share slots are won once across instances, seen history, community snippets)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.app import App
from bot.core.clock import FakeClock
from bot.storage.db import MIGRATIONS
from cogs.advice import AdviceCog
from cogs.advice.store import AdviceStore, parse_community_id
from tests import postgres
from tests.conftest import make_config

ADVICE_TABLES = {"advice_seen", "advice_snippets", "advice_shares"}


def _tables(sync_conn: sa.Connection) -> set[str]:
    return set(sa.inspect(sync_conn).get_table_names())


def _alembic(sync_conn: sa.Connection, action: str, target: str) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = sync_conn
    getattr(command, action)(cfg, target)


async def test_migration_0002_down_and_up(app_factory):
    app = await app_factory(cogs=[])
    async with app.db.begin() as conn:
        assert ADVICE_TABLES <= await conn.run_sync(_tables)
        await conn.run_sync(_alembic, "downgrade", "0001_core")
        left = await conn.run_sync(_tables)
        assert not ADVICE_TABLES & left and "claims" in left
        await conn.run_sync(_alembic, "upgrade", "head")
        assert ADVICE_TABLES <= await conn.run_sync(_tables)


def test_parse_community_id():
    assert parse_community_id("c12") == 12
    assert parse_community_id(" C3 ") == 3
    assert parse_community_id("7") == 7
    assert parse_community_id("c") is None
    assert parse_community_id("evaluations-are-noisy") is None


async def exercise_store(a: App, b: App, clock: FakeClock) -> None:
    """Two instances on one database."""
    sa_, sb = AdviceStore(a.db), AdviceStore(b.db)
    now = clock.now()
    ten = timedelta(minutes=10)
    results = await asyncio.gather(
        *(
            s.claim_share("slack:T1", "C1", user_id=u, snippet_id="x", now=now, cooldown=ten)
            for s, u in ((sa_, "u1"), (sb, "u2"), (sa_, "u3"), (sb, "u4"))
        )
    )
    assert sorted(r is None for r in results) == [False, False, False, True]
    assert {r for r in results if r is not None} == {now + ten}
    later = now + timedelta(minutes=5)
    assert await sb.claim_share(
        "slack:T1", "C1", user_id="u5", snippet_id="y", now=later, cooldown=ten
    ) == (now + ten)
    # Another channel, or another community, has its own slot.
    assert (
        await sb.claim_share(
            "slack:T1", "C2", user_id="u5", snippet_id="y", now=later, cooldown=ten
        )
        is None
    )
    assert (
        await sb.claim_share(
            "slack:T2", "C1", user_id="u5", snippet_id="y", now=later, cooldown=ten
        )
        is None
    )
    # A failed post gives the slot back.
    await sb.release_share("slack:T1", "C2", now=later)
    assert (
        await sa_.claim_share(
            "slack:T1", "C2", user_id="u6", snippet_id="y", now=later, cooldown=ten
        )
        is None
    )
    after = now + ten
    assert (
        await sa_.claim_share(
            "slack:T1", "C1", user_id="u6", snippet_id="z", now=after, cooldown=ten
        )
        is None
    )

    await sa_.mark_seen("slack:T1", "u1", "a", now)
    await asyncio.gather(
        sa_.mark_seen("slack:T1", "u1", "b", now), sb.mark_seen("slack:T1", "u1", "b", later)
    )
    seen = await sb.seen("slack:T1", "u1")
    assert set(seen) == {"a", "b"} and seen["a"] < seen["b"]
    await sb.mark_seen("slack:T1", "u1", "a", now)
    seen = await sb.seen("slack:T1", "u1")
    assert seen["a"] > seen["b"]
    assert await sb.seen("slack:T2", "u1") == {}
    await sb.forget_seen("slack:T1", "u1", ["a"])
    assert set(await sa_.seen("slack:T1", "u1")) == {"b"}

    snippet = await sa_.add_snippet(
        community="slack:T1",
        title="A title",
        body="A body long enough to keep.",
        topics=("rejection",),
        try_this_week=None,
        source_url="https://example.org/",
        source_name=None,
        added_by="u1",
        added_by_name="Una",
        when=now,
    )
    assert snippet.id == "c1" and snippet.created_at == now
    loaded = await sb.community_snippets()
    assert loaded == [snippet]
    assert not await sb.remove_snippet("slack:T2", snippet.number)
    assert await sb.remove_snippet("slack:T1", snippet.number)
    assert await sa_.community_snippets() == []


async def test_store_on_sqlite_two_instances(app_factory, tmp_path, clock):
    config = make_config(tmp_path, "shared")
    a = await app_factory(cogs=[AdviceCog], config=config)
    b = await app_factory(cogs=[AdviceCog], config=make_config(tmp_path, "shared"))
    await exercise_store(a, b, clock)


@pytest.mark.skipif(postgres.available() is not None, reason=postgres.available() or "")
async def test_store_and_cog_on_postgres(tmp_path, clock):
    with postgres.postgres_server() as url:
        a = App(make_config(tmp_path, "a", **{"database.url": url}), clock=clock, cogs=[AdviceCog])
        b = App(make_config(tmp_path, "b", **{"database.url": url}), clock=clock, cogs=[AdviceCog])
        try:
            await a.prepare()
            await b.prepare()
            await exercise_store(a, b, clock)
            async with a.db.begin() as conn:
                await conn.run_sync(_alembic, "downgrade", "0001_core")
                assert not ADVICE_TABLES & await conn.run_sync(_tables)
                await conn.run_sync(_alembic, "upgrade", "head")
        finally:
            await a.stop()
            await b.stop()


async def test_second_instance_picks_up_community_advice(app_factory, tmp_path):
    from tests.console_harness import ConsoleHarness

    a = await app_factory(cogs=[AdviceCog], config=make_config(tmp_path, "pair"))
    b = await app_factory(cogs=[AdviceCog], config=make_config(tmp_path, "pair"))
    out = await ConsoleHarness(a).send(
        "/advice add",
        "Pair up for a weekly paper club",
        "Find one other person at your level and read one paper a week together.",
        "research-skills",
        "",
        "community: Sam Lee",
    )
    assert "Added as `c1`" in out
    cog_b = b.registry.loaded["advice"].cog
    assert isinstance(cog_b, AdviceCog)
    assert "c1" not in cog_b.pool("console:local", None)
    await cog_b.refresh()
    assert "c1" in cog_b.pool("console:local", None)
    assert "Removed `c1`" in await ConsoleHarness(a).send("/advice remove c1")
    await cog_b.refresh()
    assert "c1" not in cog_b.pool("console:local", None)
    assert cog_b.index.search("weekly paper club") == [] or all(
        h.id != "c1" for h in cog_b.index.search("weekly paper club")
    )
