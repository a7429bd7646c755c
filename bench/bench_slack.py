"""Slack adapter benchmark: `/coinflip help` round trip and ack time, against the emulator.

Coinflip (all cogs, the bundled library, a fresh SQLite file) and, as the baseline, a
bare slack-bolt `AsyncApp` with default settings that answers the same slash command
with a fixed ephemeral message (`ack()` then `respond()`), each served by aiohttp on
127.0.0.1 and driven by the Slack emulator (`tests/fakes/slack_emulator.py`): a signed
slash command is POSTed and the clock stops when the answer reaches the emulator's
response_url. The ack time is the HTTP response time of that POST.

Everything shares one event loop, so a figure includes the emulator's own work; compare
the two apps, not the absolute numbers. Figures only (no pass/fail).
Run `python -m bench.bench_slack` or `make bench`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.adapters.slack import SlackAdapter  # noqa: E402
from bot.app import App  # noqa: E402
from bot.config import Secrets, load_config  # noqa: E402
from bot.core.cog import Cog  # noqa: E402
from bot.core.commands import command  # noqa: E402
from bot.core.context import Ctx  # noqa: E402
from bot.core.registry import Registry  # noqa: E402
from bot.core.replies import Reply  # noqa: E402
from tests.fakes.slack_emulator import Sent, SlackEmulator  # noqa: E402
from tests.slack_harness import free_port  # noqa: E402

ITERATIONS = 200
WARMUP = 10
FIXED_ANSWER = "Coinflip commands: help, advice, checkin, postings."


class BenchPingCog(Cog):
    """The bare-bolt answer as a Coinflip command: isolates the adapter + dispatcher cost."""

    name = "benchping"
    description = "Benchmark probe"

    @command("benchping", "A fixed private answer")
    async def benchping(self, ctx: Ctx) -> None:
        await ctx.reply(Reply(FIXED_ANSWER, private=True))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _measure(
    emu: SlackEmulator, url: str, user: str, channel: str, iterations: int, text: str = "help"
) -> tuple[list[float], list[float]]:
    """(round trip ms, ack ms) for `iterations` signed `/coinflip <text>` commands."""
    loop = asyncio.get_running_loop()
    trips: list[float] = []
    acks: list[float] = []
    for i in range(WARMUP + iterations):
        answered: asyncio.Future[Sent] = loop.create_future()

        def seen(sent: Sent, answered: asyncio.Future[Sent] = answered) -> None:
            if sent.via == "response_url" and not answered.done():
                answered.set_result(sent)

        emu.on_sent = seen
        request = emu.slash_command(text, user_id=user, channel_id=channel)
        started = time.monotonic()
        delivery = await emu.send_http(url, request)
        sent = await asyncio.wait_for(answered, 10)
        if i >= WARMUP:
            trips.append((sent.at - started) * 1000)
            acks.append(delivery.ack_ms)
    emu.on_sent = None
    return trips, acks


@contextlib.asynccontextmanager
async def _coinflip(emu: SlackEmulator, folder: Path) -> AsyncIterator[str]:
    env = {"COINFLIP_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'bench.db'}"}
    config = load_config(path=None, env=env)
    config.content.path = str(ROOT / "advice")
    config.slack.api_base_url = emu.base_url
    config.slack.http_host = "127.0.0.1"
    config.slack.http_port = free_port()
    config.secrets = Secrets(
        slack_bot_token=SecretStr(emu.bot_token),
        slack_signing_secret=SecretStr(emu.signing_secret),
    )
    adapter = SlackAdapter(App(config, cogs=[*Registry.discover("cogs"), BenchPingCog]))
    task = asyncio.create_task(adapter.run())
    try:
        await asyncio.wait_for(adapter.ready.wait(), 60)
        assert adapter.url is not None
        yield adapter.url
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def _bare_bolt(emu: SlackEmulator) -> AsyncIterator[str]:
    bolt = AsyncApp(
        client=AsyncWebClient(token=emu.bot_token, base_url=emu.base_url),
        signing_secret=emu.signing_secret,
    )

    @bolt.command("/coinflip")
    async def answer(
        ack: Callable[[], Awaitable[None]], respond: Callable[..., Awaitable[Any]]
    ) -> None:
        await ack()
        await respond(text=FIXED_ANSWER, response_type="ephemeral")

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", handle)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        await runner.cleanup()


async def _run(iterations: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="coinflip-bench-slack-") as tmp:
        async with SlackEmulator() as emu:
            channel = emu.add_channel("general")
            user = emu.add_user("bench")
            async with _coinflip(emu, Path(tmp)) as url:
                ours, our_acks = await _measure(emu, url, user, channel, iterations)
                fixed, _ = await _measure(emu, url, user, channel, iterations, "benchping")
            async with _bare_bolt(emu) as url:
                bare, bare_acks = await _measure(emu, url, user, channel, iterations)
    p50, p99 = _pct(ours, 0.5), _pct(ours, 0.99)
    b50, b99 = _pct(bare, 0.5), _pct(bare, 0.99)
    rows.append(
        (
            f"/coinflip help round trip, Coinflip ({iterations}x)",
            f"p50 {p50:.2f} ms, p99 {p99:.2f} ms",
        )
    )
    rows.append(
        (f"same command, bare bolt AsyncApp ({iterations}x)", f"p50 {b50:.2f} ms, p99 {b99:.2f} ms")
    )
    rows.append(
        ("round trip ratio Coinflip / bare bolt", f"p50 {p50 / b50:.2f}x, p99 {p99 / b99:.2f}x")
    )
    f50, f99 = _pct(fixed, 0.5), _pct(fixed, 0.99)
    rows.append(
        (
            "fixed private answer through Coinflip (adapter + dispatcher)",
            f"p50 {f50:.2f} ms, p99 {f99:.2f} ms ({f50 / b50:.2f}x bare p50)",
        )
    )
    rows.append(
        (
            "slash command ack, Coinflip",
            f"p50 {_pct(our_acks, 0.5):.2f} ms, p99 {_pct(our_acks, 0.99):.2f} ms, "
            f"max {max(our_acks):.2f} ms",
        )
    )
    rows.append(
        (
            "slash command ack, bare bolt",
            f"p50 {_pct(bare_acks, 0.5):.2f} ms, p99 {_pct(bare_acks, 0.99):.2f} ms",
        )
    )
    rows.append(
        (
            "round trip mean, Coinflip / bare",
            f"{statistics.fmean(ours):.2f} / {statistics.fmean(bare):.2f} ms",
        )
    )
    return rows


def run(iterations: int = ITERATIONS) -> list[tuple[str, str]]:
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
    return asyncio.run(_run(iterations))


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label}: {figure}")
