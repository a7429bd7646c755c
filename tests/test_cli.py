"""The command line as a new user meets it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def run_cli(
    *args: str, stdin: str = "", tmp_path=None, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "COINFLIP_"))
    }
    if tmp_path is not None:
        env["COINFLIP_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


def test_console_help_then_quit(tmp_path):
    proc = run_cli("run", stdin="/help\n/quit\n", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Coinflip commands" in proc.stdout
    assert "/health" in proc.stdout
    assert proc.stdout.rstrip().endswith("Bye for now.")
    assert "Traceback" not in proc.stderr


def test_console_exits_cleanly_at_end_of_input(tmp_path):
    proc = run_cli("run", "--platform", "console", stdin="/health\n", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Database: ok" in proc.stdout


def test_content_check():
    proc = run_cli("content", "check")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("content ok:")


def test_discord_without_token_is_a_clear_error(tmp_path):
    proc = run_cli("run", "--platform", "discord", tmp_path=tmp_path)
    assert proc.returncode == 2
    assert "DISCORD_TOKEN is not set" in proc.stderr


def test_encourage_classify_emits_json_lines():
    proc = run_cli("encourage", "classify", stdin="hello there\nI got rejected from MATS today\n")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["hello there", "I got rejected from MATS today"]
    assert rows[0]["rejection"] is False
    assert all(0 <= r["score"] <= 1 for r in rows)


def test_advice_search_json_is_ranked_and_sourced():
    proc = run_cli("advice", "search", "leetcode", "practice", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert rows, "no results for a common newcomer query"
    assert set(rows[0]) == {"id", "title", "topics", "score", "source"}
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert any("interviews" in r["topics"] or "upskilling" in r["topics"] for r in rows[:3])
    assert all(r["source"]["author"] for r in rows)


def test_slack_manifest_is_yaml():
    import yaml

    proc = run_cli("slack-manifest", "--url", "https://bot.example.org/slack/events")
    assert proc.returncode == 0, proc.stderr
    manifest = yaml.safe_load(proc.stdout)
    commands = manifest["features"]["slash_commands"]
    assert commands[0]["command"] == "/coinflip"
    assert commands[0]["url"] == "https://bot.example.org/slack/events"
    assert "commands" in manifest["oauth_config"]["scopes"]["bot"]
