"""Command line: `coinflip run`, `check-config`, `slack-manifest`, `content check`,
`advice search`, `encourage classify`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bot.config import Config, load_config
from bot.errors import ConfigError, ContentError


class RedactSecrets(logging.Filter):
    """Last line of defence: a token that reaches a log record is replaced by ***."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            if any(s in message for s in self.secrets):
                for s in self.secrets:
                    message = message.replace(s, "***")
                record.msg, record.args = message, None
        return True


def setup_logging(config: Config, platform: str) -> None:
    fmt = "%(asctime)s %(levelname)s %(name)s %(message)s"
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(config.logging.level)
    if platform == "console":
        # Keep the terminal chat clean: full log to a file, only problems on stderr.
        Path("data").mkdir(exist_ok=True)
        file_handler = logging.FileHandler("data/coinflip.log", encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(fmt))
        root.addHandler(file_handler)
        err = logging.StreamHandler(sys.stderr)
        err.setLevel(logging.WARNING)
        err.setFormatter(logging.Formatter(fmt))
        root.addHandler(err)
    else:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter(fmt))
        root.addHandler(stream)
    secrets = [v.get_secret_value() for v in vars(config.secrets).values() if v is not None]
    for each in root.handlers:
        each.addFilter(RedactSecrets(secrets))
    for noisy in ("apscheduler", "aiosqlite", "alembic", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


async def _run_until_signal(coro: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(coro)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, task.cancel)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        await task
    except asyncio.CancelledError:
        logging.getLogger("coinflip").info("shutdown requested")


async def _run(config: Config, platform: str) -> None:
    from bot.app import App

    app = App(config)
    if platform == "console":
        from bot.adapters.console import ConsoleAdapter

        await _run_until_signal(ConsoleAdapter(app).run())
    elif platform == "discord":
        from bot.adapters.discord import DiscordAdapter

        await _run_until_signal(DiscordAdapter(app).run())
    else:
        from bot.adapters.slack import SlackAdapter

        await _run_until_signal(SlackAdapter(app).run())


def cmd_run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.platform:
        config.platform = args.platform
    platform = config.resolve_platform()
    if platform == "discord" and not config.secrets.discord_token:
        raise ConfigError(
            "DISCORD_TOKEN is not set; export it, or run with --platform console",
            key="DISCORD_TOKEN",
        )
    if platform == "slack" and not (
        config.secrets.slack_bot_token and config.secrets.slack_signing_secret
    ):
        if not (config.secrets.slack_bot_token and config.secrets.slack_app_token):
            raise ConfigError(
                "Slack needs SLACK_BOT_TOKEN plus SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)",
                key="SLACK_BOT_TOKEN",
            )
    setup_logging(config, platform)
    asyncio.run(_run(config, platform))
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    print(
        f"config ok: platform={config.resolve_platform()} database={config.database.url.split('://')[0]}"
    )
    return 0


def cmd_slack_manifest(args: argparse.Namespace) -> int:
    import yaml

    from bot.adapters.slack.manifest import build_manifest

    config = load_config(args.config)
    manifest = build_manifest(config, request_url=args.url, socket_mode=args.socket_mode)
    print(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), end="")
    return 0


def cmd_content_check(args: argparse.Namespace) -> int:
    from bot.content.loader import load_library

    config = load_config(args.config)
    lib = load_library(Path(args.path or config.content.path))
    counts = " ".join(f"{k}={v}" for k, v in lib.counts().items())
    print(f"content ok: {len(lib.files)} files, {counts}")
    return 0


def cmd_advice_search(args: argparse.Namespace) -> int:
    from bot.content.loader import load_library
    from bot.content.search import SearchDoc, SearchIndex, load_synonyms

    config = load_config(args.config)
    directory = Path(config.content.path)
    lib = load_library(directory)
    synonyms = (
        load_synonyms(directory / "synonyms.yaml")
        if (directory / "synonyms.yaml").exists()
        else None
    )
    index = SearchIndex(
        (SearchDoc(s.id, s.title, s.body, s.topics, s.aliases) for s in lib.snippets.values()),
        synonyms=synonyms,
    )
    hits = index.search(" ".join(args.words), limit=args.limit)
    rows: list[dict[str, Any]] = []
    for hit in hits:
        s = lib.snippets[hit.id]
        src = lib.sources[s.source]
        rows.append(
            {
                "id": s.id,
                "title": s.title,
                "topics": list(s.topics),
                "score": round(hit.score, 4),
                "source": {
                    "author": src.author,
                    "title": src.title,
                    "url": str(src.url) if src.url else None,
                },
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            print(f"{row['score']:7.3f}  {row['id']}  {row['title']}  ({', '.join(row['topics'])})")
        if not rows:
            print("no match")
    return 0


def cmd_encourage_classify(args: argparse.Namespace) -> int:
    from cogs.encouragement.detector import classify

    for line in sys.stdin:
        text = line.rstrip("\n")
        verdict = classify(text)
        print(
            json.dumps(
                {
                    "text": text,
                    "rejection": verdict.rejection,
                    "score": round(verdict.score, 3),
                    "stage": verdict.stage,
                },
                ensure_ascii=False,
            )
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coinflip", description="Coinflip community bot")
    parser.add_argument(
        "--config", help="path to config.yaml (default: $COINFLIP_CONFIG or ./config.yaml)"
    )
    sub = parser.add_subparsers(dest="cmd", required=True)

    run = sub.add_parser("run", help="start the bot")
    run.add_argument("--platform", choices=["console", "discord", "slack"])
    run.set_defaults(func=cmd_run)

    sub.add_parser("check-config", help="validate configuration and exit").set_defaults(
        func=cmd_check_config
    )

    manifest = sub.add_parser("slack-manifest", help="print a Slack app manifest for this config")
    manifest.add_argument(
        "--url", default="https://example.org/slack/events", help="public request URL (HTTP mode)"
    )
    manifest.add_argument("--socket-mode", action="store_true", help="a manifest for Socket Mode")
    manifest.set_defaults(func=cmd_slack_manifest)

    content = sub.add_parser("content", help="content tools")
    content_sub = content.add_subparsers(dest="content_cmd", required=True)
    check = content_sub.add_parser("check", help="validate every content file")
    check.add_argument("--path", help="content folder (default: content.path)")
    check.set_defaults(func=cmd_content_check)

    advice = sub.add_parser("advice", help="advice tools")
    advice_sub = advice.add_subparsers(dest="advice_cmd", required=True)
    search = advice_sub.add_parser("search", help="search the bundled library")
    search.add_argument("words", nargs="+")
    search.add_argument("--json", action="store_true")
    search.add_argument("--limit", type=int, default=5)
    search.set_defaults(func=cmd_advice_search)

    encourage = sub.add_parser("encourage", help="rejection-support tools")
    encourage_sub = encourage.add_subparsers(dest="encourage_cmd", required=True)
    encourage_sub.add_parser("classify", help="classify stdin lines as JSON").set_defaults(
        func=cmd_encourage_classify
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as err:
        print(f"coinflip: configuration problem: {err}", file=sys.stderr)
        return 2
    except ContentError as err:
        print(f"coinflip: content problem: {err}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
