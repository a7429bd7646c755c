"""How a command is typed on each platform, for help texts and error hints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.commands import CommandSpec, Option

if TYPE_CHECKING:
    from bot.core.registry import Registry


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


def typed(
    registry: Registry,
    path: str,
    platform: str,
    *,
    slack_command: str = "/coinflip",
    args: str = "",
    options: dict[str, str] | None = None,
) -> str:
    """How a member types `path` here: `/coinflip topics` on Slack, `/advice show` on
    Discord, `/topics` in the console. `options` are shown in the platform's form
    (`words:leetcode` on Discord; just `leetcode` for a required or rest option elsewhere)."""
    bound = registry.commands.get(path)
    if options:
        by_name = {o.name: o for o in bound.spec.options} if bound else {}
        parts = []
        for name, value in options.items():
            opt = by_name.get(name)
            plain = platform != "discord" and opt is not None and (opt.required or opt.rest)
            parts.append(value if plain else f"{name}:{value}")
        args = " ".join([args, *parts]).strip()
    if platform == "slack":
        head = f"{slack_command} {path}"
    elif platform == "discord" and path in registry.commands:
        head = "/" + discord_path(registry.commands[path].spec, registry.is_group(path))
    else:
        head = "/" + path
    return f"{head} {args}" if args else head
