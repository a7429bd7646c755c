"""Discord payload building without a network: limits, mentions, ids, command trees, invite."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import discord

from bot.adapters.discord import render
from bot.adapters.discord.adapter import SCOPES, intents_for, invite_permissions
from bot.adapters.discord.commands import build_payloads, flatten, raw_values, routes
from bot.config import DiscordConfig
from bot.core.cog import Cog
from bot.core.commands import Option, command
from bot.core.context import Ctx
from bot.core.events import Channel
from bot.core.replies import Button, Card, Field, Form, FormField, Reply
from tests.fakes.discord_emulator import DiscordEmulator


class TreeCog(Cog):
    name = "tree"
    description = "D" * 150

    @command(
        "top", "x" * 150, Option("b", "optional first"), Option("a", "required", required=True)
    )
    async def top(self, ctx: Ctx, a: str, b: str = "") -> None: ...

    @command("top sub", "sub", Option("pick", "many", choices=tuple(f"c{i}" for i in range(30))))
    async def sub(self, ctx: Ctx, pick: str = "") -> None: ...

    @command("top grp leaf", "three words")
    async def leaf(self, ctx: Ctx) -> None: ...

    @command("admin only", "admins", permission="admin")
    async def admin_only(self, ctx: Ctx) -> None: ...


async def test_command_tree_follows_discord_rules(app_factory):
    app = await app_factory(cogs=[TreeCog])
    payloads = build_payloads(app.registry)
    assert DiscordEmulator()._check_commands(payloads) == []
    top = next(p for p in payloads if p["name"] == "top")
    assert top["description"] == "D" * 99 + "…"
    by_name = {o["name"]: o for o in top["options"]}
    assert set(by_name) == {"show", "sub", "grp"}  # "top" itself becomes "top show"
    assert [o["name"] for o in by_name["show"]["options"]] == ["a", "b"]  # required first
    assert by_name["show"]["description"] == "x" * 99 + "…"
    pick = by_name["sub"]["options"][0]
    assert pick["autocomplete"] and "choices" not in pick  # over 25 choices: suggestions
    assert by_name["grp"]["type"] == 2 and by_name["grp"]["options"][0]["name"] == "leaf"
    assert top["default_member_permissions"] is None
    admin = next(p for p in payloads if p["name"] == "admin")
    assert admin["default_member_permissions"] == str(1 << 5)
    assert set(routes(app.registry)) == {
        ("top", "show"),
        ("top", "sub"),
        ("top", "grp", "leaf"),
        ("admin", "only"),
    }


def test_interaction_options_flatten():
    data = {
        "name": "top",
        "options": [
            {
                "name": "grp",
                "type": 2,
                "options": [
                    {
                        "name": "leaf",
                        "type": 1,
                        "options": [
                            {"name": "where", "type": 7, "value": "55"},
                            {"name": "who", "type": 6, "value": "66"},
                            {"name": "n", "type": 4, "value": 3},
                        ],
                    }
                ],
            }
        ],
        "resolved": {"channels": {"55": {"id": "55", "type": 11, "name": "t", "parent_id": "5"}}},
    }
    words, options = flatten(data)
    assert words == ("top", "grp", "leaf")
    assert raw_values(data, options) == {
        "where": Channel("5", "t", False, "55"),
        "who": "66",
        "n": 3,
    }


def test_message_payload_is_mention_safe_and_within_limits():
    nasty = "@everyone @here <@&1> <@2>"
    card = Card(nasty, "d" * 5000, tuple(Field("", "") for _ in range(30)), footer="f" * 3000)
    payload = render.message_payload(
        Reply("x" * 3000 + nasty, cards=(card,) * 12, buttons=(Button("b", "c:a", "1"),) * 3),
        ephemeral=True,
    )
    assert payload["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert payload["flags"] == 64
    assert len(payload["content"]) == 2000
    assert DiscordEmulator._check_message(payload, has_files=False) == []
    assert len(payload["embeds"]) == 10
    assert "@everyone" not in render.text(nasty, 100) and "@here" not in render.text(nasty, 100)
    assert payload["components"][0]["components"] == [
        {"type": 2, "style": 2, "label": "b", "custom_id": "c:a|1"}
    ]  # duplicates dropped


def test_buttons_links_ids_and_nonces():
    rows = render.components(
        tuple(Button(f"b{i}", "cog:act", str(i)) for i in range(30))
        + (Button("bad link", "x", url="javascript:alert(1)"),)
    )
    assert [len(r["components"]) for r in rows] == [5, 5, 5, 5, 5]
    assert render.custom_id("cog:act", "v" * 200) == ("cog:act|" + "v" * 200)[:100]
    assert render.split_custom_id("cog:act|a|b") == ("cog:act", "a|b")
    long_key = "checkins:weekly:2026-48:discord:123456789012345678"
    assert render.nonce_for(long_key) == render.nonce_for(long_key)
    assert len(render.nonce_for(long_key)) == 25 and render.nonce_for("short") == "short"
    assert render.message_payload(Reply())["content"] == "\u200b"


def test_modal_payload_and_values():
    form = Form(
        "cog:goal",
        "A title that is far too long for a Discord modal",
        (
            FormField("goal", "G" * 60, max_length=9000, default="d" * 5000),
            FormField("n", "Notes", style="long"),
        ),
        meta="m1",
    )
    modal = render.modal_payload(form)
    assert DiscordEmulator._check_modal(modal) == []
    assert modal["custom_id"] == "cog:goal|m1" and len(modal["title"]) == 45
    goal = modal["components"][0]["components"][0]
    assert goal["max_length"] == 4000 and len(goal["value"]) == 4000 and len(goal["label"]) == 45
    assert modal["components"][1]["components"][0]["style"] == 2
    submitted = {
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "goal", "value": "ship it"}]},
            {"type": 18, "component": {"type": 4, "custom_id": "n", "value": "notes"}},
        ]
    }
    assert render.modal_values(submitted) == {"goal": "ship it", "n": "notes"}


def test_invite_url_scopes_permissions_and_intents():
    url = discord.utils.oauth_url(123, permissions=invite_permissions(), scopes=SCOPES)
    query = parse_qs(urlparse(url).query)
    assert query["scope"] == ["bot applications.commands"]
    perms = discord.Permissions(int(query["permissions"][0]))
    granted = {name for name, on in perms if on}
    assert perms.view_channel  # iterates under its old name, read_messages
    assert granted == {
        "read_messages",
        "send_messages",
        "send_messages_in_threads",
        "create_public_threads",
        "embed_links",
        "attach_files",
        "read_message_history",
    }
    plain = intents_for(DiscordConfig())
    assert {n for n, on in plain if on} == {"guilds", "guild_messages", "dm_messages"}
    assert intents_for(DiscordConfig(message_content_intent=True)).message_content
