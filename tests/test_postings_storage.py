"""Postings storage: the migration matches the tables, and the database keeps links unique."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.app import App
from cogs.postings import PostingsCog
from cogs.postings.store import Duplicate, Store
from cogs.postings.tables import posting_decisions, posting_feed_items, posting_feeds, postings
from cogs.postings.validate import Deadline, Draft
from tests import postgres
from tests.conftest import make_config
from tests.test_postings_support import MEMBER, MOD1, make_env

TABLES = (postings, posting_decisions, posting_feeds, posting_feed_items)


def draft(link: str = "https://example.org/job") -> Draft:
    return Draft(
        "job",
        "Title",
        "Org",
        "",
        link,
        Deadline(datetime(2026, 12, 5, 23, 59, tzinfo=UTC), False, "Dec 5"),
        "",
    )


async def test_migration_creates_the_tables_as_declared(app_factory):
    app = await app_factory(cogs=[PostingsCog])

    def inspect(sync_conn):
        insp = sa.inspect(sync_conn)
        found = {}
        for table in TABLES:
            cols = {c["name"]: c for c in insp.get_columns(table.name)}
            found[table.name] = (cols, {i["name"]: i for i in insp.get_indexes(table.name)})
        return found

    async with app.db.read() as conn:
        found = await conn.run_sync(inspect)
    for table in TABLES:
        cols, indexes = found[table.name]
        assert set(cols) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            assert cols[column.name]["nullable"] == column.nullable, (table.name, column.name)
        for index in table.indexes:
            assert index.name in indexes, index.name
            assert bool(indexes[index.name]["unique"]) == bool(index.unique)


async def test_downgrade_and_upgrade_again(app_factory):
    app = await app_factory(cogs=[PostingsCog])

    def cycle(sync_conn):
        from alembic import command
        from alembic.config import Config

        from bot.storage.db import MIGRATIONS

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = sync_conn
        command.downgrade(cfg, "0003_checkins")
        gone = "postings" not in sa.inspect(sync_conn).get_table_names()
        command.upgrade(cfg, "head")
        back = "postings" in sa.inspect(sync_conn).get_table_names()
        return gone, back

    async with app.db.begin() as conn:
        assert await conn.run_sync(cycle) == (True, True)


async def test_one_active_posting_per_link(app_factory, clock):
    app = await app_factory(cogs=[PostingsCog])
    store = Store(app.db, clock)
    first = await store.add(
        "discord:1", draft(), submitter_id="u", submitter_name="U", anonymous=False
    )
    with pytest.raises(Duplicate) as dup:
        await store.add("discord:1", draft(), submitter_id="v", submitter_name="V", anonymous=False)
    assert dup.value.existing.id == first.id
    # Another community may share the same link.
    await store.add("discord:2", draft(), submitter_id="u", submitter_name="U", anonymous=False)
    # Once rejected, the link may come back.
    assert await store.decide(first.id, to="rejected", actor_id="m", actor_name="M", reason="x")
    again = await store.add(
        "discord:1", draft(), submitter_id="u", submitter_name="U", anonymous=False
    )
    assert again.id != first.id
    # Only one of two decisions wins.
    assert await store.decide(again.id, to="live", actor_id="m", actor_name="M")
    assert not await store.decide(again.id, to="rejected", actor_id="n", actor_name="N")
    assert [d["action"] for d in await store.decisions(again.id)] == ["approve"]


async def test_times_come_back_in_utc(app_factory, clock):
    app = await app_factory(cogs=[PostingsCog])
    store = Store(app.db, clock)
    p = await store.add("discord:1", draft(), submitter_id="u", submitter_name="U", anonymous=False)
    fetched = await store.get(p.id)
    assert fetched is not None
    assert fetched.deadline == datetime(2026, 12, 5, 23, 59, tzinfo=UTC)
    assert fetched.created_at == clock.now()


# -- PostgreSQL (skipped when the machine has no server) -------------------------------

pg_reason = postgres.available()


@pytest.fixture(scope="module")
def pg_url():
    if pg_reason is not None:
        pytest.skip(pg_reason)
    with postgres.postgres_server() as url:
        yield url


async def test_postings_on_postgres(tmp_path, pg_url, clock):
    """Migration (partial unique index), one decision out of two instances, the whole flow."""
    a = App(make_config(tmp_path, "a", **{"database.url": pg_url}), clock=clock, cogs=[PostingsCog])
    b = App(make_config(tmp_path, "b", **{"database.url": pg_url}), clock=clock, cogs=[PostingsCog])
    try:
        await a.prepare()
        await b.prepare()
        sa_, sb = Store(a.db, clock), Store(b.db, clock)
        p = await sa_.add(
            "discord:9", draft(), submitter_id="u", submitter_name="U", anonymous=False
        )
        with pytest.raises(Duplicate):
            await sb.add(
                "discord:9", draft(), submitter_id="v", submitter_name="V", anonymous=False
            )
        wins = await asyncio.gather(
            sa_.decide(p.id, to="live", actor_id="m1", actor_name="M1"),
            sb.decide(p.id, to="live", actor_id="m2", actor_name="M2"),
            sa_.decide(p.id, to="rejected", actor_id="m3", actor_name="M3", reason="no"),
        )
        assert sorted(wins) == [False, False, True]
        assert len(await sb.decisions(p.id)) == 1
        assert [x.id for x in await sb.live("discord:9")] == [p.id]
        clock.advance(timedelta(days=10))
        assert await sb.live("discord:9") == []  # past its deadline

        env = await make_env(a, clock)
        await env.submit(user=MEMBER, deadline="Dec 20")
        # PostgreSQL sequences skip the id of the failed duplicate insert: look it up.
        new_id = max(r["id"] for r in await env.rows() if r["community_key"] == "console:local")
        await env.click("approve", str(new_id), user=MOD1)
        assert "new thread" in env.h.transcript
        clock.set(datetime(2026, 12, 21, tzinfo=UTC))
        await env.cog.sweep()
        assert await env.status(new_id) == "closed"
    finally:
        async with a.db.begin() as conn:
            for table in reversed(TABLES):
                await conn.execute(table.delete())
        await a.stop()
        await b.stop()
