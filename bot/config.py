"""Settings: `config.yaml` (optional) plus environment, validated by pydantic.

Secrets (tokens, signing secret) come only from the environment and are never logged.
A broken file raises `ConfigError` naming the bad key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from bot.errors import ConfigError

PlatformChoice = Literal["auto", "console", "discord", "slack"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseConfig(Section):
    url: str = "sqlite+aiosqlite:///data/coinflip.db"
    # FULL survives power loss too; NORMAL may lose the last commits then (not on a crash).
    synchronous: Literal["NORMAL", "FULL"] = "FULL"
    busy_timeout_ms: int = Field(5000, ge=0, le=120_000)

    @field_validator("url")
    @classmethod
    def _known_driver(cls, v: str) -> str:
        if not (v.startswith("sqlite+aiosqlite://") or v.startswith("postgresql+asyncpg://")):
            raise ValueError(
                "use sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user@host/db"
            )
        return v


class SchedulerConfig(Section):
    misfire_grace_hours: float = Field(12, gt=0, le=24 * 7)
    tick_seconds: float = Field(60, ge=1, le=3600)


class ContentConfig(Section):
    path: str = "advice"


class CogsConfig(Section):
    disabled: list[str] = []


class DiscordConfig(Section):
    dev_guild_id: int | None = None
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    # Privileged intent: enable it in the developer portal first, or the gateway closes with 4014.
    message_content_intent: bool = False


class SlackConfig(Section):
    http_port: int = Field(3000, ge=1, le=65535)
    http_host: str = "0.0.0.0"
    path: str = "/slack/events"
    api_base_url: str = "https://slack.com/api/"
    command: str = "/coinflip"
    app_name: str = "Coinflip"

    @field_validator("command")
    @classmethod
    def _slash(cls, v: str) -> str:
        if not v.startswith("/") or " " in v or len(v) > 32:
            raise ValueError("a slash command looks like /coinflip")
        return v


class LoggingConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Secrets(BaseModel):
    discord_token: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None


class Config(Section):
    platform: PlatformChoice = "auto"
    # Default IANA zone for communities that have not set one.
    timezone: str = "UTC"
    # Operators with admin rights in every community: "discord:<user id>", "slack:<user id>".
    admins: list[str] = []
    database: DatabaseConfig = DatabaseConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    content: ContentConfig = ContentConfig()
    cogs: CogsConfig = CogsConfig()
    discord: DiscordConfig = DiscordConfig()
    slack: SlackConfig = SlackConfig()
    logging: LoggingConfig = LoggingConfig()
    secrets: Secrets = Field(default_factory=Secrets, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{v!r} is not an IANA time zone (try Europe/London or America/New_York)"
            ) from None
        return v

    def resolve_platform(self) -> Literal["console", "discord", "slack"]:
        if self.platform != "auto":
            return self.platform
        if self.secrets.discord_token:
            return "discord"
        if self.secrets.slack_bot_token:
            return "slack"
        return "console"


ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "DISCORD_API_BASE_URL": ("discord", "api_base_url"),
    "DISCORD_GATEWAY_URL": ("discord", "gateway_url"),
    "DISCORD_DEV_GUILD_ID": ("discord", "dev_guild_id"),
    "SLACK_API_BASE_URL": ("slack", "api_base_url"),
    "SLACK_HTTP_PORT": ("slack", "http_port"),
    "COINFLIP_DATABASE_URL": ("database", "url"),
    "COINFLIP_TIMEZONE": ("timezone",),
    "COINFLIP_LOG_LEVEL": ("logging", "level"),
}
SECRET_ENV = {
    "discord_token": "DISCORD_TOKEN",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
}
SECRET_WORDS = ("token", "secret", "password")


def _find_secret_keys(data: Any, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{path}.{key}" if path else str(key)
            if any(w in str(key).lower() for w in SECRET_WORDS):
                found.append(here)
            found.extend(_find_secret_keys(value, here))
    return found


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ if env is None else env)
    data: dict[str, Any] = {}
    file = Path(path) if path else Path(env.get("COINFLIP_CONFIG", "config.yaml"))
    if file.exists():
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{file}: not valid YAML{where}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{file}: the top level must be a mapping of settings")
        data = loaded or {}
        secret_keys = _find_secret_keys(data)
        if secret_keys:
            raise ConfigError(
                f"{file}: `{secret_keys[0]}` looks like a secret; secrets come only from the environment",
                key=secret_keys[0],
            )
    elif path:
        raise ConfigError(f"config file {file} does not exist")
    for var, keys in ENV_OVERRIDES.items():
        if env.get(var):
            node = data
            for k in keys[:-1]:
                node = node.setdefault(k, {})
            node[keys[-1]] = env[var]
    data["secrets"] = {name: env[var] for name, var in SECRET_ENV.items() if env.get(var)}
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"setting `{key}`: {first['msg']}", key=key) from None
