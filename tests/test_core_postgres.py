"""The same storage on PostgreSQL: migrations, settings and claims across two instances."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App
from tests import postgres
from tests.conftest import make_config

reason = postgres.available()
pytestmark = pytest.mark.skipif(reason is not None, reason=reason or "")


@pytest.fixture(scope="module")
def pg_url():
    with postgres.postgres_server() as url:
        yield url


async def test_migrations_settings_and_claims_on_postgres(tmp_path, pg_url, clock):
    config = make_config(tmp_path)
    config.database.url = pg_url
    a = App(config, clock=clock)
    b = App(make_config(tmp_path, "b", **{"database.url": pg_url}), clock=clock)
    try:
        await a.prepare()
        await b.prepare()
        assert await a.db.ping() and not a.db.is_sqlite
        await a.settings.set("community", "discord:1", "timezone", "Europe/London")
        assert await b.settings.get("community", "discord:1", "timezone") == "Europe/London"
        wins = await asyncio.gather(
            *(app.scheduler.claim("pg-post", "2026-W49") for app in (a, b, a, b))
        )
        assert sorted(wins) == [False, False, False, True]
    finally:
        await a.stop()
        await b.stop()
