"""Postings storage: the migration matches the tables, and the database keeps links unique."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from cogs.postings import PostingsCog
from cogs.postings.store import Duplicate, Store
from cogs.postings.tables import posting_decisions, posting_feed_items, posting_feeds, postings
from cogs.postings.validate import Deadline, Draft

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
