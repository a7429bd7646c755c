"""Neutralising user text: no mass pings, safe links, bounded lengths."""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"
MASS_MENTION = re.compile(r"@(everyone|here|channel)", re.IGNORECASE)
SLACK_SPECIAL = re.compile(
    r"<!(channel|here|everyone|subteam\^[A-Z0-9]+)(\|[^>]*)?>", re.IGNORECASE
)


def defuse_mentions(text: str) -> str:
    """Break @everyone/@here/@channel and Slack's <!channel> forms so they can never ping."""
    text = SLACK_SPECIAL.sub(lambda m: "@" + m.group(1).split("^")[0], text)
    return MASS_MENTION.sub(lambda m: "@" + ZERO_WIDTH_SPACE + m.group(1), text)


def clip(text: str, limit: int, ellipsis: str = "…") -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ellipsis))].rstrip() + ellipsis
