"""Slash commands generated from the registry, and the way back from an interaction.

A registry path of up to three words becomes a command, a subcommand, or a subcommand in a
group. Discord cannot invoke a command that also has subcommands, so a path that is both
(e.g. "advice" next to "advice search") is exposed as "<path> <discord_leaf>" ("advice show"),
matching `bot.core.usage.discord_path`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.core.commands import CommandSpec, Option
from bot.core.events import Channel
from bot.core.registry import BoundCommand, Registry
from bot.core.safety import clip
from bot.core.usage import discord_path

log = logging.getLogger("coinflip.discord.commands")

OPTION_TYPES = {"str": 3, "int": 4, "bool": 5, "user": 6, "channel": 7}
SUBCOMMAND, GROUP = 1, 2
# Text, announcement, and thread channels.
CHANNEL_TYPES = [0, 5, 10, 11, 12]
MANAGE_GUILD = str(1 << 5)
# Guild install; usable in servers and in DMs with the bot.
CONTEXTS = [0, 1]
INTEGRATION_TYPES = [0]


def routes(registry: Registry) -> dict[tuple[str, ...], BoundCommand]:
    """Discord word path -> command, for every command Discord can express."""
    found: dict[tuple[str, ...], BoundCommand] = {}
    for bound in registry.sorted_commands():
        words = tuple(discord_path(bound.spec, registry.is_group(bound.spec.path)).split(" "))
        if len(words) > 3:
            log.warning(
                "command %r needs %d words on Discord; skipped", bound.spec.path, len(words)
            )
            continue
        if words in found:
            log.warning(
                "command %r collides with %r on Discord; skipped",
                bound.spec.path,
                found[words].spec.path,
            )
            continue
        found[words] = bound
    # A word path that is a leaf and also a prefix of another cannot be expressed either.
    for words in sorted(found, key=len):
        if any(len(other) > len(words) and other[: len(words)] == words for other in found):
            log.warning("command %r is also a group on Discord; skipped", " ".join(words))
            found.pop(words)
    return found


def _description(value: str, fallback: str) -> str:
    return clip(" ".join(value.split()) or fallback, 100)


def option_payload(option: Option) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": OPTION_TYPES[option.kind],
        "name": option.name.lower(),
        "description": _description(option.description, option.name),
    }
    if option.required:
        data["required"] = True
    if option.kind == "str":
        if option.autocomplete or len(option.choices) > 25:
            data["autocomplete"] = True
        elif option.choices:
            data["choices"] = [{"name": clip(c, 100), "value": c[:100]} for c in option.choices]
        data["max_length"] = min(max(1, option.max_length), 6000)
    elif option.kind == "int":
        if option.min_value is not None:
            data["min_value"] = option.min_value
        if option.max_value is not None:
            data["max_value"] = option.max_value
    elif option.kind == "channel":
        data["channel_types"] = CHANNEL_TYPES
    return data


def options_payload(spec: CommandSpec) -> list[dict[str, Any]]:
    # Discord wants required options first.
    ordered = sorted(spec.options, key=lambda o: not o.required)
    return [option_payload(o) for o in ordered[:25]]


@dataclass
class _Node:
    bound: BoundCommand | None = None
    children: dict[str, _Node] = field(default_factory=dict)

    def all_bound(self) -> list[BoundCommand]:
        found = [self.bound] if self.bound else []
        for child in self.children.values():
            found.extend(child.all_bound())
        return found


def _group_description(node: _Node, name: str) -> str:
    bounds = node.all_bound()
    desc = bounds[0].cog.description if bounds else ""
    return _description(desc, f"{name} commands")


def build_payloads(registry: Registry) -> list[dict[str, Any]]:
    """The JSON body for a bulk overwrite of this bot's commands."""
    top: dict[str, _Node] = {}
    for words, bound in routes(registry).items():
        node = top.setdefault(words[0], _Node())
        for word in words[1:]:
            node = node.children.setdefault(word, _Node())
        node.bound = bound
    payloads = []
    for name, node in sorted(top.items()):
        data: dict[str, Any] = {"type": 1, "name": name}
        if node.bound is not None:
            data["description"] = _description(node.bound.spec.description, name)
            data["options"] = options_payload(node.bound.spec)
        else:
            data["description"] = _group_description(node, name)
            subs = []
            for sub_name, sub in sorted(node.children.items()):
                if sub.bound is not None:
                    subs.append(
                        {
                            "type": SUBCOMMAND,
                            "name": sub_name,
                            "description": _description(sub.bound.spec.description, sub_name),
                            "options": options_payload(sub.bound.spec),
                        }
                    )
                    continue
                leaves = []
                for leaf_name, leaf in sorted(sub.children.items()):
                    assert leaf.bound is not None
                    leaves.append(
                        {
                            "type": SUBCOMMAND,
                            "name": leaf_name,
                            "description": _description(leaf.bound.spec.description, leaf_name),
                            "options": options_payload(leaf.bound.spec),
                        }
                    )
                subs.append(
                    {
                        "type": GROUP,
                        "name": sub_name,
                        "description": _group_description(sub, sub_name),
                        "options": leaves[:25],
                    }
                )
            data["options"] = subs[:25]
        # Hide commands only admins may use from everyone else (the dispatcher checks too).
        if all(b.spec.permission == "admin" for b in node.all_bound()):
            data["default_member_permissions"] = MANAGE_GUILD
        else:
            data["default_member_permissions"] = None
        data["contexts"] = CONTEXTS
        data["integration_types"] = INTEGRATION_TYPES
        payloads.append(data)
    if len(payloads) > 100:
        log.warning("%d top-level commands; Discord allows 100", len(payloads))
        payloads = payloads[:100]
    return payloads


def same_commands(existing: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> bool:
    """True when Discord already has `wanted` (compares only the keys we send)."""

    def project(have: Any, want: Any) -> Any:
        if isinstance(want, dict) and isinstance(have, dict):
            return {k: project(have.get(k), v) for k, v in want.items()}
        if isinstance(want, list) and isinstance(have, list) and len(want) == len(have):
            return [project(h, w) for h, w in zip(have, want, strict=True)]
        return have

    by_name = {c.get("name"): c for c in existing}
    if set(by_name) != {c["name"] for c in wanted}:
        return False
    return all(project(by_name[w["name"]], w) == w for w in wanted)


def flatten(data: dict[str, Any]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """Interaction data -> (word path, leaf options)."""
    words = [str(data.get("name", ""))]
    options: list[dict[str, Any]] = list(data.get("options") or [])
    while options and options[0].get("type") in (SUBCOMMAND, GROUP):
        words.append(str(options[0]["name"]))
        options = list(options[0].get("options") or [])
    return tuple(words), options


def focused_option(options: list[dict[str, Any]]) -> tuple[str, str] | None:
    for o in options:
        if o.get("focused"):
            return str(o["name"]), str(o.get("value") or "")
    return None


def raw_values(data: dict[str, Any], options: list[dict[str, Any]]) -> dict[str, Any]:
    """Leaf options -> the raw dict the dispatcher converts (channels become `Channel`)."""
    resolved = data.get("resolved") or {}
    channels = resolved.get("channels") or {}
    raw: dict[str, Any] = {}
    for o in options:
        name, value = str(o["name"]), o.get("value")
        if o.get("type") == 7 and value is not None:
            info = channels.get(str(value)) or {}
            if info.get("type") in (10, 11, 12) and info.get("parent_id"):
                raw[name] = Channel(
                    str(info["parent_id"]), str(info.get("name") or ""), False, str(value)
                )
            else:
                raw[name] = Channel(str(value), str(info.get("name") or ""))
        elif o.get("type") == 6 and value is not None:
            raw[name] = str(value)
        else:
            raw[name] = value
    return raw
