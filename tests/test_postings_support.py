"""Shared helpers for the postings tests (no tests here; named to sit with the postings tests)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import sqlalchemy as sa

from bot.adapters.console import adapter as console_adapter
from bot.adapters.console.adapter import CHANNEL, COMMUNITY, ConsoleCtx
from bot.app import App
from bot.core.clock import FakeClock
from bot.core.events import Click, User
from cogs.postings import PostingsCog
from cogs.postings.tables import posting_decisions, postings
from tests.console_harness import ConsoleHarness

KEY = "console:local"
# Every console user counts as an admin (the dispatcher trusts the local console), so
# members and moderators here come from another platform, as in the core dispatcher tests.
MEMBER = User("m1", "Mina", "discord")
OTHER = User("m2", "Ola", "discord")
MOD1 = User("mod1", "Sam", "discord")
MOD2 = User("mod2", "Alex", "discord")
GOOD = {
    "title": "Research Engineer, Interpretability",
    "org": "Apollo Research · London or remote",
    "link": "https://jobs.example.org/re-interp?utm_source=newsletter",
    "deadline": "Dec 9 17:00",
    "description": "Work on sparse autoencoders with a small team.",
}
ORDER = ("title", "org", "link", "deadline", "description")


@dataclass
class Env:
    app: App
    h: ConsoleHarness
    cog: PostingsCog
    clock: FakeClock

    async def submit(
        self,
        kind: str = "job",
        *,
        user: User | None = None,
        anonymous: bool = False,
        form: bool = True,
        **fields: str,
    ) -> str:
        """Run `postings submit` and fill the form; `form=False` when it should be refused
        before the form opens (so no answers are left waiting for the next form)."""
        values = {**GOOD, **fields}
        line = f"/postings submit kind:{kind}" + (" anonymous:on" if anonymous else "")
        answers = [values[k] for k in ORDER] if form else []
        out = await self.h.send(line, *answers, user=user)
        assert ("── Share a" in out) == form, out
        return out

    async def click(self, action: str, value: str, *answers: str, user: User | None = None) -> str:
        """Press a button as `user` (answers fill any form it opens)."""
        for answer in answers:
            self.h.stdin.feed_data((answer + "\n").encode())
        who = user or console_adapter.USER
        start = self.h.out.tell()
        saved = console_adapter.USER
        console_adapter.USER = who
        try:
            ctx = ConsoleCtx(
                self.h.adapter, click=Click(f"postings:{action}", value, who, COMMUNITY, CHANNEL)
            )
            await self.app.dispatcher.run_click(ctx, f"postings:{action}", value)
            while self.h.adapter._pending:
                await self.h.adapter._pending.pop(0)()  # type: ignore[misc]
        finally:
            console_adapter.USER = saved
        return self._since(start)

    async def click_as(self, action: str, value: str, user: User) -> list[str]:
        """A click whose answers are collected separately (safe to run concurrently)."""
        ctx = ConsoleCtx(
            self.h.adapter, click=Click(f"postings:{action}", value, user, COMMUNITY, CHANNEL)
        )
        ctx.user = user
        await self.app.dispatcher.run_click(ctx, f"postings:{action}", value)
        return [r.text for r in ctx.sent]

    async def submit_values(self, values: dict[str, str], *, user: User, meta: str) -> list[str]:
        """Deliver a form submission directly, as a platform would (no client-side limits)."""
        ctx = ConsoleCtx(self.h.adapter)
        ctx.user = user
        await self.app.dispatcher.run_submit(ctx, "postings:submit", values, meta)
        return [r.text for r in ctx.sent]

    def _since(self, start: int) -> str:
        self.h.out.seek(start)
        text = self.h.out.read()
        self.h.out.seek(0, io.SEEK_END)
        return text

    def mark(self) -> int:
        return self.h.out.tell()

    def since(self, mark: int) -> str:
        return self._since(mark)

    async def rows(self) -> list[dict]:
        async with self.app.db.read() as conn:
            return [dict(r._mapping) for r in await conn.execute(sa.select(postings))]

    async def decisions(self) -> list[dict]:
        async with self.app.db.read() as conn:
            return [dict(r._mapping) for r in await conn.execute(sa.select(posting_decisions))]

    async def status(self, posting_id: int = 1) -> str:
        p = await self.cog.store.get(posting_id)
        assert p is not None
        return p.status


async def make_env(app: App, clock: FakeClock, *, setup: bool = True) -> Env:
    h = ConsoleHarness(app)
    cog = app.registry.loaded["postings"].cog
    assert isinstance(cog, PostingsCog)
    env = Env(app, h, cog, clock)
    if setup:
        out = await h.send("/postings setup review:#review feed:#feed")
        assert "Done." in out, out
        await app.settings.set("community", KEY, "moderators.users", [MOD1.id, MOD2.id])
    return env


MASS = ("@everyone", "@here", "<!channel>", "<!here>", "<!everyone>", "<@&", "<@1")


def no_pings(text: str) -> bool:
    return not any(m in text for m in MASS)
