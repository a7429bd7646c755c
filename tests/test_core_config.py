"""Configuration: env overrides, secrets only from env, broken files name the bad key."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import load_config
from bot.errors import ConfigError


def test_defaults_pick_console_without_tokens():
    config = load_config(env={})
    assert config.resolve_platform() == "console"
    assert config.database.url.startswith("sqlite+aiosqlite:///data/")


def test_tokens_choose_the_platform_and_stay_secret():
    config = load_config(env={"DISCORD_TOKEN": "abc.def"})
    assert config.resolve_platform() == "discord"
    assert "abc.def" not in repr(config) and "abc.def" not in str(config.model_dump())
    assert load_config(env={"SLACK_BOT_TOKEN": "xoxb-1"}).resolve_platform() == "slack"


def test_endpoint_env_overrides():
    config = load_config(
        env={
            "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gw",
            "SLACK_API_BASE_URL": "http://127.0.0.1:8/api/",
            "SLACK_HTTP_PORT": "3999",
        }
    )
    assert config.discord.api_base_url == "http://127.0.0.1:9/api/v10"
    assert config.discord.gateway_url == "ws://127.0.0.1:9/gw"
    assert config.slack.api_base_url == "http://127.0.0.1:8/api/"
    assert config.slack.http_port == 3999


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("database:\n  url: mysql://x\n", "database.url"),
        ("scheduler:\n  misfire_grace_hours: -1\n", "scheduler.misfire_grace_hours"),
        ("timezone: Mars/Base\n", "timezone"),
        ("slack:\n  http_port: 99999\n", "slack.http_port"),
        ("discord:\n  colour: red\n", "discord.colour"),
        ("discord:\n  token: abc\n", "discord.token"),
    ],
)
def test_broken_config_names_the_key(tmp_path, text, key):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert info.value.key == key
    assert key in str(info.value)


def test_invalid_yaml_says_where(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("discord:\n  dev_guild_id: [1\n")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_config(path, env={})


def test_check_config_cli_reports_bad_key(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  busy_timeout_ms: lots\n")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "check-config"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "database.busy_timeout_ms" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_example_config_is_valid():
    from tests.conftest import ROOT

    config = load_config(ROOT / "config.example.yaml", env={})
    assert config.resolve_platform() == "console"


def test_log_filter_redacts_tokens():
    import logging

    from bot.__main__ import RedactSecrets

    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "auth with %s failed", ("xoxb-secret-123",), None
    )
    assert RedactSecrets(["xoxb-secret-123"]).filter(record)
    assert record.getMessage() == "auth with *** failed"
