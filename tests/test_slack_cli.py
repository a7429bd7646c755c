"""`coinflip run --platform slack` as a real process, and `coinflip slack-manifest`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import yaml

from bot.adapters.slack.manifest import BOT_EVENTS, BOT_SCOPES, build_manifest
from bot.config import load_config
from tests.conftest import ROOT
from tests.fakes.slack_emulator import SlackEmulator
from tests.slack_harness import free_port


def coinflip_command() -> list[str]:
    script = Path(sys.executable).with_name("coinflip")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "COINFLIP_"))
    }
    config = tmp_path / "config.yaml"
    config.write_text("slack:\n  http_host: 127.0.0.1\n", encoding="utf-8")
    env["COINFLIP_CONFIG"] = str(config)
    env["COINFLIP_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'slack-cli.db'}"
    return env


async def wait_healthy(
    session: aiohttp.ClientSession, url: str, proc: asyncio.subprocess.Process, within: float
) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            err = await proc.stderr.read() if proc.stderr else b""
            raise AssertionError(
                f"coinflip exited early ({proc.returncode}): {err.decode()[-2000:]}"
            )
        try:
            async with session.get(url) as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("coinflip did not become healthy")


async def test_coinflip_run_platform_slack(tmp_path):
    async with SlackEmulator() as emu:
        channel = emu.add_channel("general")
        member = emu.add_user("mira")
        port = free_port()
        env = clean_env(tmp_path)
        env.update(
            SLACK_BOT_TOKEN=emu.bot_token,
            SLACK_SIGNING_SECRET=emu.signing_secret,
            SLACK_API_BASE_URL=emu.base_url,
            SLACK_HTTP_PORT=str(port),
        )
        proc = await asyncio.create_subprocess_exec(
            *coinflip_command(),
            "run",
            "--platform",
            "slack",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with aiohttp.ClientSession() as session:
                await wait_healthy(session, f"http://127.0.0.1:{port}/healthz", proc, within=40)
            since = emu.activity
            started = time.monotonic()
            delivery = await emu.send_http(
                f"http://127.0.0.1:{port}/slack/events",
                emu.slash_command("help", user_id=member, channel_id=channel),
            )
            assert delivery.status == 200 and delivery.ack_ms < 3000
            await emu.settle(since, quiet=0.05, within=3)
            answered = [s for s in emu.sent if s.via == "response_url"]
            assert answered, emu.calls
            assert answered[0].at - started < 3.0
            assert "Coinflip commands" in answered[0].text
            assert emu.violations == []
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            try:
                _, raw = await asyncio.wait_for(proc.communicate(), 20)
            except TimeoutError:
                proc.kill()
                _, raw = await proc.communicate()
        stderr = raw.decode()
        assert proc.returncode == 0, stderr
        assert "Traceback" not in stderr
        for secret in (emu.bot_token, emu.signing_secret):
            assert secret not in stderr


def test_slack_manifest_command(tmp_path):
    env = clean_env(tmp_path)
    proc = subprocess.run(
        [*coinflip_command(), "slack-manifest", "--url", "https://bot.example.org/slack/events"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    manifest = yaml.safe_load(proc.stdout)
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/coinflip"
    assert command["url"] == "https://bot.example.org/slack/events"
    assert command["should_escape"] is False and command["usage_hint"]
    assert manifest["features"]["bot_user"]["display_name"]
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    for scope in (
        "commands",
        "chat:write",
        "im:write",
        "users:read",
        "files:write",
        "channels:history",
    ):
        assert scope in scopes
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == [
        "message.channels",
        "message.groups",
        "message.im",
    ]
    assert settings["event_subscriptions"]["request_url"] == "https://bot.example.org/slack/events"
    assert settings["interactivity"] == {
        "is_enabled": True,
        "request_url": "https://bot.example.org/slack/events",
    }
    assert settings["socket_mode_enabled"] is False and settings["org_deploy_enabled"] is False


def test_socket_mode_manifest_has_no_urls():
    config = load_config(path=None, env={})
    manifest = build_manifest(
        config, request_url="https://x.example/slack/events", socket_mode=True
    )
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "url" not in manifest["features"]["slash_commands"][0]
    assert "request_url" not in manifest["settings"]["interactivity"]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert yaml.safe_load(yaml.safe_dump(manifest)) == manifest
