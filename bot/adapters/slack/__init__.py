"""Slack adapter (slack-bolt, HTTP or Socket Mode). `build_manifest` lives in `.manifest`."""

from bot.adapters.slack.adapter import SlackAdapter, SlackCtx, SlackOutbox

__all__ = ["SlackAdapter", "SlackCtx", "SlackOutbox"]
