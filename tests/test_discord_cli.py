"""`coinflip run --platform discord` as a real process against the local Discord emulator."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.fakes.discord_emulator import DiscordEmulator, answered

COINFLIP = Path(sys.executable).parent / "coinflip"


async def _collect(stream: asyncio.StreamReader | None, lines: list[str]) -> None:
    assert stream is not None
    async for raw in stream:
        lines.append(raw.decode("utf-8", errors="replace").rstrip("\n"))


async def test_coinflip_run_discord_process(tmp_path):
    async with DiscordEmulator() as emu:
        guild = await emu.add_guild("Process guild")
        member = await emu.add_user("member")
        env = dict(
            os.environ,
            DISCORD_TOKEN=emu.token,
            DISCORD_API_BASE_URL=emu.api_base_url,
            DISCORD_GATEWAY_URL=emu.gateway_url,
            COINFLIP_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'coinflip.db'}",
            COINFLIP_CONFIG=str(tmp_path / "no-config.yaml"),
        )
        proc = await asyncio.create_subprocess_exec(
            str(COINFLIP),
            "run",
            "--platform",
            "discord",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out: list[str] = []
        err: list[str] = []
        readers = [
            asyncio.create_task(_collect(proc.stdout, out)),
            asyncio.create_task(_collect(proc.stderr, err)),
        ]
        try:
            await emu.wait_for(
                lambda: (
                    bool(emu.commands.get(None))
                    and any(s.live for s in emu.sessions.values())
                    or proc.returncode is not None
                ),
                30,
            )
            assert proc.returncode is None, "\n".join(err[-20:])
            assert "help" in emu.command_names()

            inter = await emu.slash(guild.id, guild.channel, member, ["help"])
            await answered(emu, inter, 5)
            assert inter.initial_after is not None and inter.initial_after < 3
            assert not inter.deadline_missed
            await emu.wait_for(lambda: bool(emu.interaction_messages(inter)), 5)
            (reply,) = emu.interaction_messages(inter)
            assert reply["ephemeral"] and reply["embeds"][0]["title"] == "Coinflip commands"

            invite = [line for line in out if "oauth2/authorize" in line]
            assert invite, out
            assert "scope=bot+applications.commands" in invite[0]
            assert f"client_id={emu.application_id}" in invite[0]
            assert "permissions=" in invite[0]
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 20)
            await asyncio.gather(*readers)
        assert code == 0, "\n".join(err[-30:])
        assert not any(emu.token in line for line in out + err)
        assert any("shutdown requested" in line for line in err)
        assert emu.violations == []
