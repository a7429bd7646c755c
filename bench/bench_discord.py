"""Discord benchmark: Coinflip vs a bare discord.py bot on the same local emulator.

Figures only, never pass/fail:
- /help round trip (interaction sent -> first response received by the emulator), p50/p99
  over ITERATIONS runs, for Coinflip (every cog loaded, SQLite) and for a bare
  `discord.Client` + `app_commands.CommandTree` answering /help with a fixed message;
- resident memory (VmRSS) after connecting to GUILDS emulated guilds, and the time from
  process start to ready, each bot in a fresh subprocess with the same intents.

Run: `python -m bench.bench_discord` (or `make bench`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ITERATIONS = 200
WARMUP = 20
GUILDS = 2500
CHILD_TIMEOUT = 180.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _coinflip_config(db: Path, api: str, gateway: str) -> Any:
    from bot.config import load_config

    config = load_config(
        path=None,
        env={
            "COINFLIP_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
            "DISCORD_TOKEN": "test-token",
            "DISCORD_API_BASE_URL": api,
            "DISCORD_GATEWAY_URL": gateway,
            "COINFLIP_CONFIG": str(db.with_suffix(".none.yaml")),
        },
    )
    config.content.path = str(ROOT / "advice")
    return config


def _bare_client(on_ready: asyncio.Event) -> Any:
    """The smallest idiomatic discord.py bot answering /help; same intents as Coinflip."""
    import discord
    from discord import app_commands

    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True

    class Bare(discord.Client):
        def __init__(self) -> None:
            super().__init__(intents=intents)
            self.tree = app_commands.CommandTree(self)

            @self.tree.command(name="help", description="List what I can do")
            async def help_command(interaction: discord.Interaction) -> None:
                await interaction.response.send_message("Here is what I can do.", ephemeral=True)

        async def setup_hook(self) -> None:
            await self.tree.sync()

        async def on_ready(self) -> None:
            on_ready.set()

    return Bare()


def _ping_cog() -> Any:
    """A fixed reply through Coinflip's whole stack: adapter, dispatcher, Ctx, render."""
    from bot.core.cog import Cog
    from bot.core.commands import command
    from bot.core.context import Ctx

    class BenchPing(Cog):
        name = "benchping"
        description = "Benchmark only"

        @command("benchping", "Fixed reply")
        async def benchping(self, ctx: Ctx) -> None:
            await ctx.reply("Here is what I can do.", private=True)

    return BenchPing


def _point_at(api: str, gateway: str) -> None:
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


# -- round trip (in-process, sharing the event loop with the emulator) -----------------


async def _measure(emu: Any, guild: Any, member: str, name: str = "help") -> list[float]:
    times: list[float] = []
    for i in range(WARMUP + ITERATIONS):
        inter = await emu.slash(guild.id, guild.channel, member, [name])
        await asyncio.wait_for(inter.answered_event.wait(), 10)
        if i >= WARMUP and inter.initial_after is not None:
            times.append(inter.initial_after * 1000)
        # Let followups and bookkeeping finish before the next run.
        await asyncio.sleep(0.002)
    return times


async def _coinflip_round_trip(
    emu: Any, guild: Any, member: str, db: Path
) -> tuple[list[float], list[float]]:
    from bot.adapters.discord import DiscordAdapter
    from bot.app import App
    from bot.core.registry import Registry

    cogs = [*Registry.discover("cogs"), _ping_cog()]
    app = App(_coinflip_config(db, emu.api_base_url, emu.gateway_url), cogs=cogs)
    adapter = DiscordAdapter(app, ready_timeout=0.1)
    task = asyncio.create_task(adapter.run())
    try:
        await asyncio.wait_for(adapter.ready.wait(), 60)
        return await _measure(emu, guild, member), await _measure(emu, guild, member, "benchping")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _bare_round_trip(emu: Any, guild: Any, member: str) -> list[float]:
    _point_at(emu.api_base_url, emu.gateway_url)
    ready = asyncio.Event()
    client = _bare_client(ready)
    task = asyncio.create_task(client.start("test-token"))
    try:
        await asyncio.wait_for(ready.wait(), 60)
        return await _measure(emu, guild, member)
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


# -- memory and start-up (fresh subprocesses) ---------------------------------------


async def _child_main(kind: str, api: str, gateway: str, db: str) -> None:
    started = time.perf_counter()
    if kind == "coinflip":
        from bot.adapters.discord import DiscordAdapter
        from bot.app import App

        app = App(_coinflip_config(Path(db), api, gateway))
        await app.prepare()  # database, content, cogs: timed apart from connecting
        prepared = time.perf_counter() - started
        rss_prepared = _rss_mb()
        adapter = DiscordAdapter(app)
        task = asyncio.create_task(adapter.run())
        await asyncio.wait_for(adapter.ready.wait(), CHILD_TIMEOUT)
        guilds = len(adapter.client.guilds)
    else:
        _point_at(api, gateway)
        ready = asyncio.Event()
        client = _bare_client(ready)
        prepared, rss_prepared = time.perf_counter() - started, _rss_mb()
        task = asyncio.create_task(client.start("test-token"))
        await asyncio.wait_for(ready.wait(), CHILD_TIMEOUT)
        guilds = len(client.guilds)
    ready_after = time.perf_counter() - started
    report = {
        "rss_mb": _rss_mb(),
        "rss_prepared_mb": rss_prepared,
        "ready_s": ready_after,
        "prepare_s": prepared,
        "guilds": guilds,
    }
    print(json.dumps(report), flush=True)
    if kind == "coinflip":
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    else:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _child(kind: str, emu: Any, db: Path) -> dict[str, Any]:
    spawned = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.bench_discord",
        "--child",
        kind,
        emu.api_base_url,
        emu.gateway_url,
        str(db),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert proc.stdout is not None
    try:
        result: dict[str, Any] = {}
        while True:
            line = await asyncio.wait_for(proc.stdout.readline(), CHILD_TIMEOUT)
            if not line or line.startswith(b"{"):
                break  # other lines: e.g. the invite URL Coinflip prints
        wall = time.perf_counter() - spawned
        if line:
            result = json.loads(line)
        result["process_s"] = wall
        await asyncio.wait_for(proc.communicate(), 30)
        return result
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _run() -> list[tuple[str, str]]:
    from tests.fakes.discord_emulator import DiscordEmulator

    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        async with DiscordEmulator() as emu:
            guild = await emu.add_guild("Bench guild")
            member = await emu.add_user("member")
            coinflip, fixed = await _coinflip_round_trip(emu, guild, member, tmpdir / "rt.db")
            bare = await _bare_round_trip(emu, guild, member)
            late = len(emu.deadline_misses)
        c50, c99 = _percentile(coinflip, 0.5), _percentile(coinflip, 0.99)
        b50, b99 = _percentile(bare, 0.5), _percentile(bare, 0.99)
        rows += [
            (
                f"/help round trip, Coinflip, p50 / p99 (n={len(coinflip)})",
                f"{c50:.2f} / {c99:.2f} ms",
            ),
            (
                f"/help round trip, bare discord.py, p50 / p99 (n={len(bare)})",
                f"{b50:.2f} / {b99:.2f} ms",
            ),
            (
                "/help round trip ratio Coinflip / bare, p50 / p99",
                f"{c50 / b50:.2f}x / {c99 / b99:.2f}x",
            ),
            (
                "/help round trip mean Coinflip / bare",
                f"{statistics.mean(coinflip):.2f} / {statistics.mean(bare):.2f} ms",
            ),
            (
                "fixed reply through Coinflip (adapter+dispatcher only), p50 / p99",
                f"{_percentile(fixed, 0.5):.2f} / {_percentile(fixed, 0.99):.2f} ms"
                f" ({_percentile(fixed, 0.5) / b50:.2f}x bare p50)",
            ),
            ("3 s deadlines missed", str(late)),
        ]
        async with DiscordEmulator() as emu:
            await emu.add_guilds(GUILDS)
            results = {}
            for kind in ("coinflip", "bare"):
                results[kind] = await _child(kind, emu, tmpdir / f"{kind}.db")
        c, b = results["coinflip"], results["bare"]
        if c and b:
            rows += [
                (
                    f"RSS after {c['guilds']} / {b['guilds']} guilds, Coinflip / bare",
                    f"{c['rss_mb']:.1f} / {b['rss_mb']:.1f} MB ({c['rss_mb'] / b['rss_mb']:.2f}x)",
                ),
                (
                    "RSS before connecting (imports; Coinflip also DB, content, cogs), Coinflip / bare",
                    f"{c['rss_prepared_mb']:.1f} / {b['rss_prepared_mb']:.1f} MB",
                ),
                (
                    "start to ready in-process, Coinflip / bare (incl. 2 s guild_ready_timeout)",
                    f"{c['ready_s']:.2f} / {b['ready_s']:.2f} s",
                ),
                (
                    "  of which Coinflip imports + prepare (DB migrations, content, cogs)",
                    f"{c['prepare_s']:.2f} s",
                ),
                (
                    "process spawn to ready, Coinflip / bare",
                    f"{c['process_s']:.2f} / {b['process_s']:.2f} s",
                ),
            ]
        else:
            rows.append(("RSS / ready", f"a child did not report: {results}"))
    return rows


def run() -> list[tuple[str, str]]:
    return asyncio.run(_run())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_discord")
    parser.add_argument("--child", nargs=4, metavar=("KIND", "API", "GATEWAY", "DB"))
    args = parser.parse_args(argv)
    if args.child:
        kind, api, gateway, db = args.child
        asyncio.run(_child_main(kind, api, gateway, db))
        return 0
    rows = run()
    width = max(len(label) for label, _ in rows)
    for label, figure in rows:
        print(f"{label.ljust(width)}  {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
