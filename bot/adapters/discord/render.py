"""Neutral replies -> Discord JSON: message payloads, embeds, buttons and modals, within limits.

Every payload carries `allowed_mentions` that parse nothing, and all text goes through
`defuse_mentions`, so user text shown by the bot can never ping @everyone, @here, a role
or a member. Limits (content 2,000; embed title 256, description 4,096, 25 fields of
256/1,024, footer 2,048, 6,000 in all; 25 buttons; modal inputs up to 4,000) are enforced
by clipping, never by failing the send.
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

import discord

from bot.core.replies import Button, Card, Form, Reply
from bot.core.safety import clip, defuse_mentions

log = logging.getLogger("coinflip.discord.render")

NO_MENTIONS: dict[str, Any] = {"parse": [], "replied_user": False}
EPHEMERAL = 1 << 6
ZWSP = "\u200b"
CONTENT_LIMIT = 2000
EMBED_TOTAL = 6000
CUSTOM_ID_LIMIT = 100
NONCE_LIMIT = 25
COLOURS: dict[str, int | None] = {
    "default": None,
    "info": 0x3B82F6,
    "success": 0x22C55E,
    "warning": 0xF59E0B,
    "danger": 0xEF4444,
}
BUTTON_STYLES = {"primary": 1, "secondary": 2, "success": 3, "danger": 4}


def text(value: str, limit: int) -> str:
    """Mention-safe text within `limit` characters."""
    return clip(defuse_mentions(value), limit)


def custom_id(action: str, value: str) -> str:
    """`"<action>|<value>"`; clipped to Discord's 100 characters (with a warning)."""
    cid = f"{action}|{value}"
    if len(cid) > CUSTOM_ID_LIMIT:
        log.warning("button id over %d characters, clipped action=%s", CUSTOM_ID_LIMIT, action)
        cid = cid[:CUSTOM_ID_LIMIT]
    return cid


def split_custom_id(cid: str) -> tuple[str, str]:
    action, _, value = cid.partition("|")
    return action, value


def nonce_for(key: str) -> str:
    """Discord nonces have at most 25 characters; longer keys are hashed (still deterministic)."""
    if len(key) <= NONCE_LIMIT:
        return key
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_LIMIT]


def _is_http(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("https://", "http://"))


def embed(card: Card) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "rich", "title": text(card.title, 256) or ZWSP}
    if card.body:
        data["description"] = text(card.body, 4096)
    if _is_http(card.url):
        data["url"] = card.url
    colour = COLOURS.get(card.colour)
    if colour is not None:
        data["color"] = colour
    if card.fields:
        if len(card.fields) > 25:
            log.warning("card %r has %d fields; showing 25", card.title[:40], len(card.fields))
        data["fields"] = [
            {
                "name": text(f.name, 256) or ZWSP,
                "value": text(f.value, 1024) or ZWSP,
                "inline": f.inline,
            }
            for f in card.fields[:25]
        ]
    if card.footer:
        data["footer"] = {"text": text(card.footer, 2048)}
    return data


def _embed_size(data: dict[str, Any]) -> int:
    size = len(data.get("title", "")) + len(data.get("description", ""))
    size += len(data.get("footer", {}).get("text", ""))
    size += sum(len(f["name"]) + len(f["value"]) for f in data.get("fields", []))
    return size


def fit_embeds(embeds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most 10 embeds and 6,000 characters in all: drop trailing fields, then clip the
    longest description or footer; every card keeps its title."""
    embeds = embeds[:10]
    while (total := sum(_embed_size(e) for e in embeds)) > EMBED_TOTAL:
        over = total - EMBED_TOTAL
        with_fields = [e for e in embeds if e.get("fields")]
        if with_fields:
            last = with_fields[-1]
            last["fields"].pop()
            if not last["fields"]:
                del last["fields"]
            continue
        texts: list[tuple[int, dict[str, Any], str]] = []
        for e in embeds:
            if "description" in e:
                texts.append((len(e["description"]), e, "description"))
            if "footer" in e:
                texts.append((len(e["footer"]["text"]), e["footer"], "text"))
        size, holder, key = max(texts, key=lambda t: t[0], default=(0, {}, ""))
        if size > 1:
            holder[key] = clip(holder[key], max(1, size - over))
        elif len(embeds) > 1:
            embeds.pop()
        else:
            embeds[0]["title"] = clip(embeds[0]["title"], max(1, len(embeds[0]["title"]) - over))
            break
    return embeds


def components(buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    """Buttons in rows of five (at most 25); link buttons need an http(s) url."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for b in buttons:
        label = text(b.label, 80) or "…"
        if b.url is not None:
            if not _is_http(b.url):
                log.warning("link button %r dropped: not an http(s) url", b.label[:40])
                continue
            items.append({"type": 2, "style": 5, "label": label, "url": b.url})
            continue
        cid = custom_id(b.action, b.value)
        if cid in seen:
            log.warning("duplicate button %r dropped", cid)
            continue
        seen.add(cid)
        items.append(
            {"type": 2, "style": BUTTON_STYLES.get(b.style, 2), "label": label, "custom_id": cid}
        )
    if len(items) > 25:
        log.warning("%d buttons; showing 25", len(items))
        items = items[:25]
    return [{"type": 1, "components": items[i : i + 5]} for i in range(0, len(items), 5)]


def message_payload(reply: Reply, *, ephemeral: bool = False, edit: bool = False) -> dict[str, Any]:
    """A create (or full-replace edit) body. Empty content becomes a zero-width space."""
    data: dict[str, Any] = {
        "content": text(reply.text, CONTENT_LIMIT),
        "embeds": fit_embeds([embed(c) for c in reply.cards]),
        "components": components(reply.buttons),
        "allowed_mentions": dict(NO_MENTIONS),
    }
    if not (data["content"] or data["embeds"] or reply.attachment is not None):
        data["content"] = ZWSP
    if reply.attachment is not None:
        data["attachments"] = [
            {
                "id": 0,
                "filename": reply.attachment.filename,
                "description": text(reply.attachment.title, 1024),
            }
        ]
    elif edit:
        data["attachments"] = []
    if ephemeral:
        data["flags"] = EPHEMERAL
    return data


def files_of(reply: Reply) -> list[discord.File]:
    if reply.attachment is None:
        return []
    return [discord.File(io.BytesIO(reply.attachment.data), filename=reply.attachment.filename)]


def modal_payload(form: Form) -> dict[str, Any]:
    cid = f"{form.id}|{form.meta}"
    if len(cid) > CUSTOM_ID_LIMIT:
        raise ValueError(f"form id plus meta is over {CUSTOM_ID_LIMIT} characters: {form.id}")
    rows = []
    for f in form.fields:
        max_length = min(max(1, f.max_length), 4000)
        item: dict[str, Any] = {
            "type": 4,
            "custom_id": f.id,
            "label": clip(f.label, 45) or f.id[:45],
            "style": 2 if f.style == "long" else 1,
            "required": f.required,
            "max_length": max_length,
        }
        if f.placeholder:
            item["placeholder"] = clip(f.placeholder, 100)
        if f.default:
            item["value"] = f.default[:max_length]
        rows.append({"type": 1, "components": [item]})
    return {"custom_id": cid, "title": clip(form.title, 45) or "Form", "components": rows}


def modal_values(data: dict[str, Any]) -> dict[str, str]:
    """Text input values from a modal submit (classic action rows or label components)."""
    values: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == 4 and "custom_id" in node:
                values[str(node["custom_id"])] = str(node.get("value") or "")
            for key in ("components", "component"):
                if key in node:
                    walk(node[key])
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data.get("components") or [])
    return values
