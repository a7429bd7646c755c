"""Neutral replies -> Slack Block Kit, within Slack's limits, with user text made harmless.

- Our markdown subset becomes mrkdwn: **b** -> *b*, _i_ stays, `code` stays,
  [label](url) -> <url|label> (http/https only), "- " lines -> "• ".
- `&`, `<`, `>` are escaped; `<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>` and
  @here/@channel/@everyone are defused, so nothing a member typed can ping anyone.
  Only the explicit `<@U…>` / `<#C…>` forms (what `SlackOutbox.mention_*` produce) survive.
- Limits: 50 blocks per message, 100 per modal, 3,000 chars per section text, 10 fields
  per section (2,000 chars each), 25 elements per actions block (we use 5 per row),
  75 chars per button label, 2,000 per button value, 24 per modal title.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from bot.core.replies import Button, Card, Form, Reply
from bot.core.safety import clip, defuse_mentions

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
BUTTONS_PER_ROW = 5
BUTTON_LABEL = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
CONTEXT_TEXT = 3000
FALLBACK_TEXT = 3000
MODAL_TITLE = 24
LINK_PREFIX = "link#"
# Our own internal action (a button that re-opens a form whose trigger expired).
OPEN_FORM_ACTION = "_slack:open_form"
TRIMMED_NOTE = "(Some of this was cut to fit Slack's limits.)"

_TOKEN = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>(?:[^()\s]|\([^()\s]*\))+)\)"
    r"|(?P<mention><(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+)(?:\|[^<>|]*)?>)",
    re.DOTALL,
)
_BULLET = re.compile(r"^(\s*)- ", re.MULTILINE)
_PLAIN_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)")


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack sends user text with &, <, > entity-encoded; cogs get plain text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def safe_url(url: str | None) -> str | None:
    """The url if it is http(s) with a host, made safe to embed in `<url|label>`; else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    cleaned = url.strip()
    for ch, code in (("|", "%7C"), ("<", "%3C"), (">", "%3E"), (" ", "%20")):
        cleaned = cleaned.replace(ch, code)
    return cleaned


def _convert(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        out.append(escape(text[pos : m.start()]))
        if m.group("code") is not None:
            out.append(escape(m.group("code")))
        elif m.group("bold") is not None:
            out.append("*" + _convert(m.group("bold")) + "*")
        elif m.group("label") is not None:
            label = escape(m.group("label")).replace("|", "¦")
            url = safe_url(m.group("url"))
            out.append(f"<{url.replace('&', '&amp;')}|{label}>" if url else label)
        else:
            out.append(m.group("mention"))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def mrkdwn(text: str) -> str:
    """Convert our markdown subset (with user text inside) to safe Slack mrkdwn."""
    if not text:
        return ""
    converted = _convert(defuse_mentions(text))
    return _BULLET.sub(lambda m: m.group(1) + "• ", converted)


def plain(text: str) -> str:
    """Our markdown without the markup (for plain_text fields), mentions defused."""
    text = defuse_mentions(text)
    text = _PLAIN_LINK.sub(lambda m: m.group(1), text)
    return text.replace("**", "")


def _split(text: str, limit: int) -> list[str]:
    """Split mrkdwn into chunks of at most `limit` chars, at line breaks where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _text_sections(text: str) -> list[Block]:
    return [_section(chunk) for chunk in _split(mrkdwn(text), SECTION_TEXT)]


def _card_blocks(card: Card) -> list[Block]:
    blocks: list[Block] = []
    title = mrkdwn(card.title)
    url = safe_url(card.url)
    url = url.replace("&", "&amp;") if url else None
    if title:
        head = f"*<{url}|{title}>*" if url else f"*{title}*"
        blocks.append(_section(clip(head, SECTION_TEXT)))
    elif url:
        blocks.append(_section(f"<{url}>"))
    if card.body:
        blocks.extend(_text_sections(card.body))
    inline: list[str] = []

    def flush() -> None:
        for start in range(0, len(inline), FIELDS_PER_SECTION):
            group = inline[start : start + FIELDS_PER_SECTION]
            blocks.append(
                {"type": "section", "fields": [{"type": "mrkdwn", "text": t} for t in group]}
            )
        inline.clear()

    for f in card.fields:
        name = mrkdwn(f.name)
        value = mrkdwn(f.value)
        if f.inline and len(name) + len(value) + 3 <= FIELD_TEXT:
            inline.append(f"*{name}*\n{value}" if name else value)
            continue
        flush()
        text = f"*{name}*\n{value}" if name else value
        blocks.extend(_section(chunk) for chunk in _split(text, SECTION_TEXT))
    flush()
    if card.footer:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": clip(mrkdwn(card.footer), CONTEXT_TEXT)}],
            }
        )
    return blocks


def encode_value(action: str, value: str) -> str | None:
    """The button's `value`: our real action and value as JSON; None if it does not fit."""
    encoded = json.dumps({"a": action, "v": value}, separators=(",", ":"), ensure_ascii=False)
    return encoded if len(encoded) <= BUTTON_VALUE else None


def decode_value(action_id: str, value: str | None) -> tuple[str, str]:
    """(action, value) from a clicked button; tolerant of buttons made by other code."""
    if value:
        try:
            data = json.loads(value)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("a"), str):
            return data["a"], str(data.get("v", ""))
    return action_id.split("#", 1)[0], value or ""


def button_element(button: Button, index: int, overflow: dict[str, str] | None = None) -> Block:
    """One Block Kit button. action_id is our action plus `#index` so it is unique per block."""
    label = clip(plain(button.label) or "…", BUTTON_LABEL)
    element: Block = {"type": "button", "text": {"type": "plain_text", "text": label}}
    if button.style in ("primary", "success"):
        element["style"] = "primary"
    elif button.style == "danger":
        element["style"] = "danger"
    if button.url is not None:
        element["action_id"] = f"{LINK_PREFIX}{index}"
        element["url"] = safe_url(button.url)
        return element
    suffix = f"#{index}"
    element["action_id"] = clip(button.action, ACTION_ID - len(suffix), "") + suffix
    encoded = encode_value(button.action, button.value)
    if encoded is None:
        # Too long for Slack: keep it here and carry only a key.
        key = secrets.token_hex(8)
        if overflow is not None:
            overflow[key] = json.dumps({"a": button.action, "v": button.value})
        encoded = json.dumps({"a": "_slack:overflow", "v": key})
    element["value"] = encoded
    return element


def button_rows(buttons: tuple[Button, ...], overflow: dict[str, str] | None = None) -> list[Block]:
    usable = [b for b in buttons if b.url is None or safe_url(b.url)]
    rows: list[Block] = []
    counter = itertools.count()
    for start in range(0, len(usable), BUTTONS_PER_ROW):
        row = usable[start : start + BUTTONS_PER_ROW]
        rows.append(
            {
                "type": "actions",
                "elements": [button_element(b, next(counter), overflow) for b in row],
            }
        )
    return rows


def blocks_for(
    reply: Reply, *, limit: int = MAX_BLOCKS, overflow: dict[str, str] | None = None
) -> list[Block]:
    """Block Kit for a reply: text, cards (divided), then button rows; never over `limit`."""
    body: list[Block] = []
    if reply.text:
        body.extend(_text_sections(reply.text))
    for i, card in enumerate(reply.cards):
        if body and i > 0:
            body.append({"type": "divider"})
        body.extend(_card_blocks(card))
    rows = button_rows(reply.buttons, overflow)
    rows = rows[: max(0, limit - 1)]
    room = limit - len(rows)
    if len(body) > room:
        body = body[: max(0, room - 1)]
        body.append({"type": "context", "elements": [{"type": "mrkdwn", "text": TRIMMED_NOTE}]})
    return body + rows


def fallback_text(reply: Reply) -> str:
    """The top-level `text` (notifications, screen readers): the same content, flattened."""
    parts: list[str] = []
    if reply.text:
        parts.append(reply.text)
    for card in reply.cards:
        parts.append(f"**{card.title}**" if card.title else "")
        if card.body:
            parts.append(card.body)
        parts.extend(f"{f.name}: {f.value}" for f in card.fields)
    text = mrkdwn("\n".join(p for p in parts if p))
    if not text:
        labels = [b.label for b in reply.buttons]
        text = mrkdwn(" | ".join(labels)) if labels else " "
    return clip(text, FALLBACK_TEXT)


def modal_for(form: Form, private_metadata: str) -> dict[str, Any]:
    """A modal view for a form; fields become plain-text inputs with block_id = field id."""
    blocks: list[Block] = []
    for field in form.fields:
        element: Block = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": field.style == "long",
            "max_length": max(1, min(field.max_length, 3000)),
        }
        if field.placeholder:
            element["placeholder"] = {
                "type": "plain_text",
                "text": clip(plain(field.placeholder), 150),
            }
        if field.default:
            element["initial_value"] = clip(field.default, element["max_length"], "")
        blocks.append(
            {
                "type": "input",
                "block_id": clip(field.id, 255, ""),
                "optional": not field.required,
                "label": {"type": "plain_text", "text": clip(plain(field.label) or field.id, 2000)},
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": "coinflip-form",
        "title": {"type": "plain_text", "text": clip(plain(form.title) or "Coinflip", MODAL_TITLE)},
        "submit": {
            "type": "plain_text",
            "text": clip(plain(form.submit_label) or "Submit", MODAL_TITLE),
        },
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": private_metadata,
        "blocks": blocks[:MAX_MODAL_BLOCKS],
    }


def flatten_blocks(blocks: list[Block]) -> str:
    """Readable text of Block Kit blocks (for logs and tests)."""
    parts: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        for f in block.get("fields", []) or []:
            parts.append(str(f.get("text", "")))
        if block.get("type") == "context":
            parts.extend(str(e.get("text", "")) for e in block.get("elements", []))
    return html.unescape("\n".join(parts))
