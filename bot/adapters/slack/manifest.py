"""The Slack app manifest for this config: exactly the scopes and events the adapter uses.

Print it with `coinflip slack-manifest [--url https://host/slack/events] [--socket-mode]`
and paste it into https://api.slack.com/apps -> Create New App -> From a manifest.
"""

from __future__ import annotations

from typing import Any

from bot.config import Config

# Each scope, with the calls that need it.
BOT_SCOPES: dict[str, str] = {
    "commands": "the slash command",
    "chat:write": "chat.postMessage, chat.postEphemeral, chat.update",
    "chat:write.public": "public replies in channels the bot has not joined",
    "im:write": "conversations.open for direct messages",
    "channels:history": "message events and thread titles in public channels",
    "groups:history": "message events and thread titles in private channels",
    "im:history": "message events in direct messages",
    "channels:read": "conversations.info for public channels",
    "groups:read": "conversations.info for private channels",
    "im:read": "conversations.info for direct messages",
    "users:read": "users.info (names, workspace admin rights)",
    "files:write": "files.getUploadURLExternal / files.completeUploadExternal",
}
BOT_EVENTS = ("message.channels", "message.groups", "message.im")
DESCRIPTION = "Advice, weekly check-ins, postings and support on the way into AI safety research."
USAGE_HINT = "help | advice search <words> | health"


def build_manifest(config: Config, *, request_url: str, socket_mode: bool) -> dict[str, Any]:
    """A manifest dict (YAML/JSON-serialisable). URLs are left out in Socket Mode."""
    name = config.slack.app_name
    command: dict[str, Any] = {
        "command": config.slack.command,
        "description": "Talk to Coinflip: try help",
        "usage_hint": USAGE_HINT,
        "should_escape": False,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if not socket_mode:
        command["url"] = request_url
        events["request_url"] = request_url
        interactivity["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": DESCRIPTION[:140],
            "background_color": "#1d3557",
        },
        "features": {
            "bot_user": {
                "display_name": name.lower().replace(" ", "-")[:80],
                "always_online": True,
            },
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
