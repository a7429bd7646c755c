"""The encouragement store: one automatic reply per cooldown, even across two instances.

Runs on SQLite always and on PostgreSQL when the machine has a server (see tests/postgres.py).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.app import App
from cogs.encouragement.store import EncouragementStore
from tests import postgres
from tests.conftest import make_config

WEEK = timedelta(days=7)


async def two_stores(app_factory, tmp_path, url: str | None = None):
    overrides = {"database.url": url} if url else {}
    a = await app_factory(cogs=[], config=make_config(tmp_path, "shared", **overrides))
    b = await app_factory(cogs=[], config=make_config(tmp_path, "shared", **overrides))
    return EncouragementStore(a.db), EncouragementStore(b.db)


async def check_cooldown(a: EncouragementStore, b: EncouragementStore, clock) -> None:
    now = clock.now()
    wins = await asyncio.gather(*(s.take_cooldown("c", "u", now, WEEK) for s in (a, b, a, b)))
    assert sorted(won for won, _ in wins) == [False, False, False, True]
    later = now + timedelta(days=3)
    assert await a.take_cooldown("c", "u", later, WEEK) == (False, now)
    assert (await b.get("c", "u")).last_auto_at == now
    later = now + timedelta(days=8)
    wins = await asyncio.gather(*(s.take_cooldown("c", "u", later, WEEK) for s in (a, b, a, b)))
    assert sorted(won for won, _ in wins) == [False, False, False, True]
    # A failed send gives the slot back: the previous time is restored.
    await b.give_back("c", "u", later, now)
    assert (await a.get("c", "u")).last_auto_at == now
    # Other members and communities are independent.
    assert (await a.take_cooldown("c", "v", later, WEEK))[0]
    assert (await a.take_cooldown("d", "u", later, WEEK))[0]


async def check_remember(a: EncouragementStore, b: EncouragementStore, clock) -> None:
    now = clock.now()
    await asyncio.gather(
        a.remember("c", "w", now, story="s1"), b.remember("c", "w", now, step="n1")
    )
    state = await a.get("c", "w")
    assert (state.last_story, state.last_step, state.last_auto_at) == ("s1", "n1", None)
    await b.remember("c", "w", now, story="s2")
    assert (await a.get("c", "w")).last_story == "s2"
    # The cooldown of a member we only showed stories to starts fresh.
    assert (await a.take_cooldown("c", "w", now, WEEK))[0]
    assert await a.forget("c", "w") == 1
    assert await a.get("c", "w") == type(state)()


async def test_store_on_sqlite_two_instances(app_factory, tmp_path, clock):
    a, b = await two_stores(app_factory, tmp_path)
    await check_cooldown(a, b, clock)
    await check_remember(a, b, clock)


@pytest.fixture(scope="module")
def pg_url():
    reason = postgres.available()
    if reason is not None:
        pytest.skip(reason)
    with postgres.postgres_server() as url:
        yield url


async def test_store_on_postgres_two_instances(tmp_path, pg_url, clock):
    apps = [
        App(make_config(tmp_path, name, **{"database.url": pg_url}), clock=clock, cogs=[])
        for name in ("a", "b")
    ]
    try:
        for app in apps:
            await app.prepare()
        a, b = (EncouragementStore(app.db) for app in apps)
        await check_cooldown(a, b, clock)
        await check_remember(a, b, clock)
    finally:
        for app in apps:
            await app.stop()
