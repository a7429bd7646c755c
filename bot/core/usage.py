"""How a command is typed on each platform, for help texts and error hints."""

from __future__ import annotations

from bot.core.commands import CommandSpec, Option


def discord_path(spec: CommandSpec, is_group: bool) -> str:
    return f"{spec.path} {spec.discord_leaf}" if is_group else spec.path


def _option_hint(option: Option, platform: str) -> str:
    if platform == "discord":
        text = f"{option.name}:"
    elif option.rest or option.required:
        text = f"<{option.name}>"
    else:
        text = f"{option.name}:…"
    return text if option.required else f"[{text}]"


def usage(
    spec: CommandSpec, platform: str, *, is_group: bool = False, slack_command: str = "/coinflip"
) -> str:
    if platform == "slack":
        head = f"{slack_command} {spec.path}"
    elif platform == "discord":
        head = "/" + discord_path(spec, is_group)
    else:
        head = "/" + spec.path
    hints = " ".join(_option_hint(o, platform) for o in spec.options)
    return f"{head} {hints}".strip()
