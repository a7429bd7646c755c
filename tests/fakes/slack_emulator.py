"""A Slack emulator on 127.0.0.1: the Web API the bot calls, and a driver that plays Slack.

Web API (`base_url` = http://127.0.0.1:<port>/api/): form, query or JSON arguments; a
bearer token (or `token` argument) is required and checked (`not_authed` /
`invalid_auth`). Methods: auth.test, chat.postMessage, chat.postEphemeral, chat.update,
chat.delete, views.open (trigger_id must be <= 3 s old and unused), views.update,
conversations.open, conversations.info, conversations.replies, users.info,
files.getUploadURLExternal (+ the upload URL it returns) + files.completeUploadExternal,
apps.connections.open (app token only; returns a ws:// URL on the emulator). Each slash
command / button click gets a `response_url` here that takes 5 posts, then 404 `used_url`.

World: `add_user`, `add_channel`, `set_channel(missing=/archived=/not_in_channel=)`,
`inject_ratelimit(method, times, retry_after)` (429 + Retry-After). Block Kit limits
(50 blocks per message, 100 per modal, section text 3,000, 10 fields, ...) are enforced
like Slack (`invalid_blocks`) and every breach is kept in `violations`. Every API call is
in `calls`; everything the bot made visible is in `sent` (messages, ephemerals, updates,
files, ack texts); public messages per channel in `messages`.

Driver: builds the payloads Slack sends (slash command form, event_callback JSON,
block_actions / view_submission `payload=` forms), signs them
(`v0=HMAC-SHA256(secret, "v0:{ts}:{body}")`) and POSTs them to the bot, timing the ack;
or, in Socket Mode, sends them as envelopes on the websocket the bot opened and times the
envelope ack. Options: `bad_signature`, `stale` (timestamp 10 minutes old), `retry_num` /
`retry_reason`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

Json = dict[str, Any]
Kind = Literal["slash_commands", "events_api", "interactive"]

MAX_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
TRIGGER_TTL = 3.0
RESPONSE_URL_POSTS = 5
MASS_MENTION = re.compile(
    r"<!(?:channel|here|everyone|subteam\^)|(?<![\w\u200b])@(?:here|channel|everyone)\b",
    re.IGNORECASE,
)


class ApiError(Exception):
    def __init__(self, code: str, status: int = 200, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.extra = extra


@dataclass
class ApiCall:
    method: str
    args: Json
    ok: bool
    error: str | None
    at: float


@dataclass
class Sent:
    """Something the bot made visible to people."""

    kind: str  # message | ephemeral | update | delete | file
    via: str  # chat.postMessage | chat.postEphemeral | response_url | ack | chat.update | ...
    channel: str
    text: str = ""
    blocks: list[Json] = field(default_factory=list)
    ts: str = ""
    thread_ts: str | None = None
    user: str | None = None  # who sees an ephemeral
    files: list[Json] = field(default_factory=list)
    at: float = 0.0

    @property
    def ephemeral(self) -> bool:
        return self.kind == "ephemeral" or (self.kind == "update" and self.user is not None)

    def as_dict(self) -> Json:
        return {
            "kind": self.kind,
            "via": self.via,
            "channel": self.channel,
            "text": self.text,
            "blocks": self.blocks,
            "ts": self.ts,
            "thread_ts": self.thread_ts,
            "user": self.user,
            "files": self.files,
            "ephemeral": self.ephemeral,
        }


@dataclass
class SlackRequest:
    """One delivery from Slack to the app, in both transports' shapes."""

    kind: Kind
    data: Json  # form fields (slash command) or the JSON payload
    response_url: str | None = None
    trigger_id: str | None = None

    def http_body(self) -> tuple[str, str]:
        if self.kind == "slash_commands":
            return urlencode(self.data), "application/x-www-form-urlencoded"
        if self.kind == "interactive":
            return urlencode(
                {"payload": json.dumps(self.data)}
            ), "application/x-www-form-urlencoded"
        return json.dumps(self.data), "application/json"


@dataclass
class Delivery:
    """How the app answered one delivery."""

    status: int
    body: str
    ack_ms: float
    request: SlackRequest
    ack_payload: Json | None = None


SLACK_TOKEN = re.compile(r"<[@#!][^<>\s]*(?:\|[^<>]*)?>|<https?://[^<>\s]+>")


def slack_encode(text: str) -> str:
    """User text as Slack delivers it: &, <, > entity-encoded except its own <...> markup."""
    out: list[str] = []
    pos = 0
    for m in SLACK_TOKEN.finditer(text):
        out.append(_entities(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_entities(text[pos:]))
    return "".join(out)


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return ""


def flatten(blocks: list[Json], *, labels: bool = False) -> str:
    """The visible text of Block Kit blocks (with button labels and placeholders if asked)."""
    parts: list[str] = []
    for block in blocks or []:
        if labels:
            for e in block.get("elements") or []:
                parts.append(_text_of(e.get("text")) if e.get("type") == "button" else "")
            element = block.get("element") or {}
            parts.append(_text_of(element.get("placeholder")))
            parts.append(str(element.get("initial_value") or ""))
        if "text" in block:
            parts.append(_text_of(block["text"]))
        for f in block.get("fields") or []:
            parts.append(_text_of(f))
        if block.get("type") == "context":
            parts.extend(_text_of(e) for e in block.get("elements") or [])
        if block.get("type") == "input":
            parts.append(_text_of(block.get("label")))
    return "\n".join(p for p in parts if p)


class SlackEmulator:
    def __init__(
        self,
        *,
        signing_secret: str = "emulator-signing-secret",
        bot_token: str = "xoxb-emulator-bot-token",
        app_token: str = "xapp-emulator-app-token",
        team_id: str = "T0EMU",
        team_name: str = "Emulated Workspace",
        command: str = "/coinflip",
    ) -> None:
        self.signing_secret = signing_secret
        self.trigger_ttl = TRIGGER_TTL  # Slack: 3 s; tests may shorten it
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.team_name = team_name
        self.command = command
        self.bot_user_id = "UBOTEMU"
        self.bot_id = "BBOTEMU"
        self.app_id = "AEMU"
        self.users: dict[str, Json] = {}
        self.channels: dict[str, Json] = {}
        self.messages: dict[str, list[Json]] = {}
        self.ephemerals: list[Sent] = []
        self.calls: list[ApiCall] = []
        self.sent: list[Sent] = []
        self.views: dict[str, Json] = {}
        self.opened_views: list[Json] = []
        self.files: dict[str, Json] = {}
        self.violations: list[str] = []
        self.acks: list[Delivery] = []
        self.on_sent: Callable[[Sent], None] | None = None  # a hook for benchmarks
        self._ratelimits: dict[str, list[float]] = {}
        self._errors: dict[str, list[Any]] = {}
        self._response_urls: dict[str, Json] = {}
        self._triggers: dict[str, Json] = {}
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._envelopes: dict[str, asyncio.Future[Json]] = {}
        self.socket_connected = asyncio.Event()
        self.socket_hellos = 0
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.port = 0
        self.users[self.bot_user_id] = {
            "id": self.bot_user_id,
            "name": "coinflip",
            "real_name": "Coinflip",
            "is_bot": True,
            "is_admin": False,
            "is_owner": False,
            "profile": {"display_name": "Coinflip", "real_name": "Coinflip", "bot_id": self.bot_id},
        }

    # -- lifecycle -----------------------------------------------------------

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/"

    async def start(self) -> SlackEmulator:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{token}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/ws", self._websocket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._client = aiohttp.ClientSession()
        return self

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> SlackEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- world ---------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def add_user(
        self, name: str, *, admin: bool = False, owner: bool = False, bot: bool = False
    ) -> str:
        uid = self._id("U")
        self.users[uid] = {
            "id": uid,
            "team_id": self.team_id,
            "name": name,
            "real_name": name.title(),
            "is_admin": admin,
            "is_owner": owner,
            "is_bot": bot,
            "deleted": False,
            "tz": "Europe/London",
            "profile": {"display_name": name, "real_name": name.title()},
        }
        return uid

    def add_channel(self, name: str, *, private: bool = False, member: bool = True) -> str:
        cid = self._id("G" if private else "C")
        self.channels[cid] = {
            "id": cid,
            "name": name,
            "is_channel": not private,
            "is_group": private,
            "is_private": private,
            "is_im": False,
            "is_archived": False,
            "is_member": member,
            "missing": False,
            "not_in_channel": False,
        }
        self.messages.setdefault(cid, [])
        return cid

    def set_channel(
        self,
        channel_id: str,
        *,
        missing: bool | None = None,
        archived: bool | None = None,
        not_in_channel: bool | None = None,
    ) -> None:
        ch = self.channels[channel_id]
        if missing is not None:
            ch["missing"] = missing
        if archived is not None:
            ch["is_archived"] = archived
        if not_in_channel is not None:
            ch["not_in_channel"] = not_in_channel
            ch["is_member"] = not not_in_channel

    def inject_ratelimit(self, method: str, times: int = 1, retry_after: float = 1) -> None:
        """The next `times` calls of `method` answer 429 with `Retry-After: retry_after`."""
        self._ratelimits[method] = [times, retry_after]

    def inject_error(self, method: str, code: str, *, status: int = 200, times: int = 1) -> None:
        """The next `times` calls of `method` fail with `code` (and HTTP `status`, e.g. 500)."""
        self._errors[method] = [times, code, status]

    def dm_channel_of(self, user_id: str) -> str:
        return f"D{user_id[1:]}"

    def channel_messages(self, channel_id: str) -> list[Json]:
        return list(self.messages.get(channel_id, []))

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def visible_texts(self) -> list[str]:
        """Every piece of text the bot showed: message text, block text, labels, modals."""
        texts: list[str] = []
        for s in self.sent:
            texts.append(s.text)
            texts.append(flatten(s.blocks, labels=True))
        for view in self.opened_views:
            texts.append(_text_of(view.get("title")))
            texts.append(flatten(view.get("blocks") or [], labels=True))
        return texts

    def mass_mentions(self) -> list[str]:
        """Every raw `<!channel>`-style or bare @here/@channel/@everyone the bot showed.

        (Button values are data returned to the bot, never shown, so they are not scanned.)
        """
        return [m.group(0) for text in self.visible_texts() for m in MASS_MENTION.finditer(text)]

    @property
    def activity(self) -> int:
        """Things people can see: messages, ephemerals, updates, files, opened modals."""
        return len(self.sent) + len(self.opened_views)

    @property
    def traffic(self) -> int:
        """Everything: visible activity plus every API call."""
        return self.activity + len(self.calls)

    # -- limits --------------------------------------------------------------

    def check_blocks(self, blocks: Any, where: str, *, limit: int = MAX_BLOCKS) -> list[str]:
        problems: list[str] = []
        if not isinstance(blocks, list):
            return [f"{where}: blocks is not a list"]
        if len(blocks) > limit:
            problems.append(f"{where}: {len(blocks)} blocks (limit {limit})")
        block_ids: set[str] = set()
        for i, block in enumerate(blocks):
            kind = block.get("type")
            bid = block.get("block_id")
            if bid is not None:
                if bid in block_ids:
                    problems.append(f"{where}[{i}]: duplicate block_id {bid}")
                block_ids.add(bid)
                if len(bid) > 255:
                    problems.append(f"{where}[{i}]: block_id over 255")
            if kind == "section":
                text = _text_of(block.get("text"))
                fields = block.get("fields") or []
                if not text and not fields:
                    problems.append(f"{where}[{i}]: section without text or fields")
                if len(text) > 3000:
                    problems.append(f"{where}[{i}]: section text {len(text)} chars (limit 3000)")
                if len(fields) > 10:
                    problems.append(f"{where}[{i}]: {len(fields)} fields (limit 10)")
                for f in fields:
                    if len(_text_of(f)) > 2000:
                        problems.append(f"{where}[{i}]: field over 2000 chars")
            elif kind == "actions":
                elements = block.get("elements") or []
                if not elements or len(elements) > 25:
                    problems.append(f"{where}[{i}]: {len(elements)} elements (1 to 25)")
                ids = [e.get("action_id") for e in elements]
                if len(set(ids)) != len(ids):
                    problems.append(f"{where}[{i}]: duplicate action_id in block")
                for e in elements:
                    if len(_text_of(e.get("text"))) > 75:
                        problems.append(f"{where}[{i}]: button label over 75")
                    if len(str(e.get("action_id", ""))) > 255:
                        problems.append(f"{where}[{i}]: action_id over 255")
                    if len(str(e.get("value", ""))) > 2000:
                        problems.append(f"{where}[{i}]: button value over 2000")
                    url = e.get("url")
                    if url is not None and not re.match(r"^https?://", str(url)):
                        problems.append(f"{where}[{i}]: button url not http(s): {url}")
            elif kind == "context":
                elements = block.get("elements") or []
                if not elements or len(elements) > 10:
                    problems.append(f"{where}[{i}]: context with {len(elements)} elements")
                for e in elements:
                    if len(_text_of(e)) > 3000:
                        problems.append(f"{where}[{i}]: context text over 3000")
            elif kind == "header":
                if len(_text_of(block.get("text"))) > 150:
                    problems.append(f"{where}[{i}]: header over 150")
            elif kind == "input":
                if len(_text_of(block.get("label"))) > 2000:
                    problems.append(f"{where}[{i}]: input label over 2000")
                if "element" not in block:
                    problems.append(f"{where}[{i}]: input without element")
            elif kind not in ("divider", "image", "rich_text", "file", "video"):
                problems.append(f"{where}[{i}]: unknown block type {kind}")
        return problems

    def _enforce(self, problems: list[str]) -> None:
        if problems:
            self.violations.extend(problems)
            raise ApiError("invalid_blocks", errors=problems)

    def _message_content(self, args: Json, where: str) -> tuple[str, list[Json]]:
        text = str(args.get("text") or "")
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks) if blocks else []
        blocks = blocks or []
        if not text and not blocks:
            raise ApiError("no_text")
        if len(text) > 40_000:
            self.violations.append(f"{where}: text {len(text)} chars")
            raise ApiError("msg_too_long")
        self._enforce(self.check_blocks(blocks, where))
        return text, blocks

    # -- HTTP: Web API ---------------------------------------------------------

    async def _args(self, request: web.Request) -> Json:
        args: Json = dict(request.query)
        if request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    args.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                args.update({k: v for k, v in form.items() if isinstance(v, str)})
        return args

    def _token(self, request: web.Request, args: Json) -> str | None:
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        token = args.pop("token", None)
        return str(token) if token else None

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        token = self._token(request, args)
        at = time.monotonic()
        limited = self._ratelimits.get(method)
        if limited and limited[0] > 0:
            limited[0] -= 1
            self.calls.append(ApiCall(method, args, False, "ratelimited", at))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(int(limited[1]))},
            )
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        try:
            failing = self._errors.get(method)
            if failing and failing[0] > 0:
                failing[0] -= 1
                raise ApiError(failing[1], failing[2])
            if token is None:
                raise ApiError("not_authed")
            wanted = self.app_token if method == "apps.connections.open" else self.bot_token
            if not hmac.compare_digest(token, wanted):
                if method == "apps.connections.open" and token == self.bot_token:
                    raise ApiError("not_allowed_token_type")
                raise ApiError("invalid_auth")
            if handler is None:
                raise ApiError("unknown_method")
            result: Json = await handler(args)
        except ApiError as err:
            self.calls.append(ApiCall(method, args, False, err.code, at))
            return web.json_response(
                {"ok": False, "error": err.code, **err.extra}, status=err.status
            )
        self.calls.append(ApiCall(method, args, True, None, at))
        return web.json_response({"ok": True, **result})

    def _channel(self, channel_id: Any, *, posting: bool = True) -> Json:
        ch = self.channels.get(str(channel_id or ""))
        if ch is None or ch.get("missing"):
            raise ApiError("channel_not_found")
        if posting and ch.get("is_archived"):
            raise ApiError("is_archived")
        if posting and ch.get("not_in_channel"):
            raise ApiError("not_in_channel")
        return ch

    def _user(self, user_id: Any) -> Json:
        user = self.users.get(str(user_id or ""))
        if user is None:
            raise ApiError("user_not_found")
        return user

    def _find(self, channel_id: str, ts: str) -> Json | None:
        for msg in self.messages.get(channel_id, []):
            if msg["ts"] == ts:
                return msg
        return None

    def store_message(self, channel_id: str, message: Json) -> Json:
        self.messages.setdefault(channel_id, []).append(message)
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            parent = self._find(channel_id, thread_ts)
            if parent is not None:
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
        return message

    def _record(self, sent: Sent) -> Sent:
        sent.at = time.monotonic()
        self.sent.append(sent)
        if self.on_sent is not None:
            self.on_sent(sent)
        if sent.kind == "ephemeral":
            self.ephemerals.append(sent)
        return sent

    async def m_auth_test(self, args: Json) -> Json:
        return {
            "url": "https://emulated.slack.com/",
            "team": self.team_name,
            "user": "coinflip",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    async def m_chat_postMessage(self, args: Json) -> Json:
        ch = self._channel(args.get("channel"))
        text, blocks = self._message_content(args, "chat.postMessage")
        thread_ts = args.get("thread_ts") or None
        message = self._store_bot_message(ch["id"], thread_ts, text=text, blocks=blocks)
        ts = message["ts"]
        self._record(Sent("message", "chat.postMessage", ch["id"], text, blocks, ts, thread_ts))
        return {"channel": ch["id"], "ts": ts, "message": message}

    def _store_bot_message(self, channel_id: str, thread_ts: str | None, **fields: Any) -> Json:
        """Keep a message the bot posted, as Slack's history would show it."""
        message: Json = {"type": "message", "ts": self.next_ts(), "user": self.bot_user_id}
        message["bot_id"] = self.bot_id
        message.update(fields)
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.store_message(channel_id, message)
        return message

    async def m_chat_postEphemeral(self, args: Json) -> Json:
        ch = self._channel(args.get("channel"))
        user = self._user(args.get("user"))
        members = ch.get("members")
        if members is not None and user["id"] not in members:
            raise ApiError("user_not_in_channel")
        text, blocks = self._message_content(args, "chat.postEphemeral")
        ts = self.next_ts()
        self._record(
            Sent(
                "ephemeral",
                "chat.postEphemeral",
                ch["id"],
                text,
                blocks,
                ts,
                args.get("thread_ts") or None,
                user["id"],
            )
        )
        return {"message_ts": ts}

    async def m_chat_update(self, args: Json) -> Json:
        ch = self._channel(args.get("channel"), posting=False)
        ts = str(args.get("ts", ""))
        msg = self._find(ch["id"], ts)
        if msg is None:
            raise ApiError("message_not_found")
        if msg.get("user") != self.bot_user_id:
            raise ApiError("cant_update_message")
        text, blocks = self._message_content(args, "chat.update")
        msg.update(text=text, blocks=blocks, edited={"user": self.bot_user_id})
        self._record(
            Sent("update", "chat.update", ch["id"], text, blocks, ts, msg.get("thread_ts"))
        )
        return {"channel": ch["id"], "ts": ts, "text": text}

    async def m_chat_delete(self, args: Json) -> Json:
        ch = self._channel(args.get("channel"), posting=False)
        ts = str(args.get("ts", ""))
        msg = self._find(ch["id"], ts)
        if msg is None:
            raise ApiError("message_not_found")
        self.messages[ch["id"]].remove(msg)
        self._record(Sent("delete", "chat.delete", ch["id"], ts=ts))
        return {"channel": ch["id"], "ts": ts}

    def _check_view(self, view: Any) -> Json:
        if isinstance(view, str):
            view = json.loads(view)
        if not isinstance(view, dict) or view.get("type") != "modal":
            raise ApiError("invalid_arguments")
        problems = self.check_blocks(view.get("blocks") or [], "view", limit=MAX_MODAL_BLOCKS)
        for key in ("title", "submit", "close"):
            if key in view and len(_text_of(view[key])) > 24:
                problems.append(f"view: {key} over 24 chars")
        if len(str(view.get("private_metadata", ""))) > 3000:
            problems.append("view: private_metadata over 3000 chars")
        if len(str(view.get("callback_id", ""))) > 255:
            problems.append("view: callback_id over 255 chars")
        self._enforce(problems)
        return view

    async def m_views_open(self, args: Json) -> Json:
        trigger_id = str(args.get("trigger_id", ""))
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger["used"]:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - trigger["at"] > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        view = self._check_view(args.get("view"))
        trigger["used"] = True
        view_id = self._id("V")
        stored = {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "hash": secrets.token_hex(6),
            "state": {"values": {}},
            "user": trigger["user"],
            "opened_after_ms": round((time.monotonic() - trigger["at"]) * 1000, 1),
        }
        self.views[view_id] = stored
        self.opened_views.append(stored)
        return {"view": stored}

    async def m_views_update(self, args: Json) -> Json:
        view_id = str(args.get("view_id", ""))
        if view_id not in self.views:
            raise ApiError("not_found")
        view = self._check_view(args.get("view"))
        self.views[view_id].update(view)
        return {"view": self.views[view_id]}

    async def m_conversations_open(self, args: Json) -> Json:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if len(users) != 1:
            raise ApiError("invalid_arguments")
        user = self._user(users[0])
        if user.get("is_bot"):
            raise ApiError("cannot_dm_bot")
        if user.get("deleted"):
            raise ApiError("user_disabled")
        cid = self.dm_channel_of(user["id"])
        if cid not in self.channels:
            self.channels[cid] = {
                "id": cid,
                "name": "",
                "user": user["id"],
                "is_im": True,
                "is_channel": False,
                "is_private": True,
                "is_archived": False,
                "is_member": True,
                "missing": False,
                "not_in_channel": False,
            }
            self.messages.setdefault(cid, [])
        return {"channel": {"id": cid}}

    async def m_conversations_info(self, args: Json) -> Json:
        ch = self._channel(args.get("channel"), posting=False)
        public = {k: v for k, v in ch.items() if k not in ("missing", "not_in_channel", "members")}
        return {"channel": public}

    async def m_conversations_replies(self, args: Json) -> Json:
        ch = self._channel(args.get("channel"), posting=False)
        ts = str(args.get("ts", ""))
        parent = self._find(ch["id"], ts)
        if parent is None:
            raise ApiError("thread_not_found")
        thread = [parent] + [
            m for m in self.messages[ch["id"]] if m.get("thread_ts") == ts and m["ts"] != ts
        ]
        limit = int(args.get("limit") or 1000)
        return {"messages": thread[:limit], "has_more": len(thread) > limit}

    async def m_users_info(self, args: Json) -> Json:
        return {"user": self._user(args.get("user"))}

    async def m_files_getUploadURLExternal(self, args: Json) -> Json:
        filename = str(args.get("filename", ""))
        length = int(args.get("length") or 0)
        if not filename or length <= 0:
            raise ApiError("invalid_arguments")
        file_id = self._id("F")
        self.files[file_id] = {"id": file_id, "name": filename, "length": length, "data": None}
        return {"upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        record = self.files.get(file_id)
        if record is None:
            return web.Response(status=404, text="not found", content_type="text/plain")
        record["data"] = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def m_files_completeUploadExternal(self, args: Json) -> Json:
        items = args.get("files")
        if isinstance(items, str):
            items = json.loads(items)
        if not items:
            raise ApiError("invalid_arguments")
        done: list[Json] = []
        for item in items:
            record = self.files.get(str(item.get("id")))
            if record is None or record["data"] is None:
                raise ApiError("file_not_found")
            if len(record["data"]) != record["length"]:
                raise ApiError("file_size_mismatch")
            record["title"] = item.get("title") or record["name"]
            done.append({"id": record["id"], "name": record["name"], "title": record["title"]})
        channel_id = args.get("channel_id")
        if channel_id:
            ch = self._channel(channel_id)
            comment = str(args.get("initial_comment") or "")
            thread_ts = args.get("thread_ts") or None
            message = self._store_bot_message(
                ch["id"], thread_ts, subtype="file_share", text=comment, files=done
            )
            ts = message["ts"]
            self._record(
                Sent(
                    "file",
                    "files.completeUploadExternal",
                    ch["id"],
                    comment,
                    [],
                    ts,
                    thread_ts,
                    files=done,
                )
            )
        return {"files": done}

    async def m_apps_connections_open(self, args: Json) -> Json:
        return {"url": f"ws://127.0.0.1:{self.port}/ws?ticket={uuid.uuid4().hex}"}

    # -- HTTP: response_url ------------------------------------------------------

    def new_response_url(self, channel_id: str, user_id: str, original: Json | None = None) -> str:
        token = secrets.token_hex(8)
        self._response_urls[token] = {
            "channel": channel_id,
            "user": user_id,
            "count": 0,
            "original": original,
        }
        return f"{self.origin}/response/{token}"

    def response_url_posts(self, url: str) -> int:
        return int(self._response_urls[url.rsplit("/", 1)[-1]]["count"])

    async def _response_url(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        info = self._response_urls.get(token)
        try:
            body = await request.json()
        except (ValueError, aiohttp.ContentTypeError):
            body = dict(parse_qsl(await request.text()))
        self.calls.append(ApiCall("response_url", body, info is not None, None, time.monotonic()))
        if info is None:
            return web.json_response({"ok": False, "error": "no_such_url"}, status=404)
        info["count"] += 1
        if info["count"] > RESPONSE_URL_POSTS:
            self.calls[-1].ok = False
            self.calls[-1].error = "used_url"
            return web.json_response({"ok": False, "error": "used_url"}, status=404)
        try:
            text, blocks = self._message_content(body, "response_url")
        except ApiError as err:
            return web.json_response({"ok": False, "error": err.code}, status=400)
        channel_id = info["channel"]
        original = info.get("original") or {}
        in_channel = body.get("response_type") == "in_channel"
        if body.get("replace_original") and original:
            ts = original.get("ts", "")
            if original.get("ephemeral"):
                self._record(
                    Sent("update", "response_url", channel_id, text, blocks, ts, None, info["user"])
                )
            else:
                msg = self._find(channel_id, ts)
                if msg is not None:
                    msg.update(text=text, blocks=blocks)
                self._record(Sent("update", "response_url", channel_id, text, blocks, ts))
            return web.json_response({"ok": True})
        ts = self.next_ts()
        thread_ts = body.get("thread_ts") or None
        if in_channel:
            message = {
                "type": "message",
                "ts": ts,
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "text": text,
                "blocks": blocks,
            }
            self.store_message(channel_id, message)
            self._record(Sent("message", "response_url", channel_id, text, blocks, ts, thread_ts))
        else:
            self._record(
                Sent(
                    "ephemeral",
                    "response_url",
                    channel_id,
                    text,
                    blocks,
                    ts,
                    thread_ts,
                    info["user"],
                )
            )
        return web.json_response({"ok": True})

    # -- Socket Mode -------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "emulator", "approximate_connection_time": 3600},
                "connection_info": {"app_id": self.app_id},
            }
        )
        self.socket_hellos += 1
        self.socket_connected.set()
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    data = json.loads(msg.data)
                    future = self._envelopes.get(str(data.get("envelope_id", "")))
                    if future is not None and not future.done():
                        future.set_result(data)
        finally:
            self._sockets.remove(ws)
            if not self._sockets:
                self.socket_connected.clear()
        return ws

    # -- driver: payloads ----------------------------------------------------------

    def issue_trigger(self, user_id: str) -> str:
        trigger_id = f"{next(self._ids)}.{secrets.token_hex(6)}"
        self._triggers[trigger_id] = {"at": time.monotonic(), "user": user_id, "used": False}
        return trigger_id

    def _user_name(self, user_id: str) -> str:
        return str(self.users.get(user_id, {}).get("name", user_id))

    def _channel_name(self, channel_id: str) -> str:
        if channel_id.startswith("D"):
            return "directmessage"
        return str(self.channels.get(channel_id, {}).get("name", ""))

    def slash_command(self, text: str, *, user_id: str, channel_id: str) -> SlackRequest:
        response_url = self.new_response_url(channel_id, user_id)
        trigger_id = self.issue_trigger(user_id)
        data = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "emulated",
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": self.command,
            "text": slack_encode(text),
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        return SlackRequest("slash_commands", data, response_url, trigger_id)

    def event_callback(self, event: Json, *, event_id: str | None = None) -> SlackRequest:
        data = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": secrets.token_hex(8),
        }
        return SlackRequest("events_api", data)

    def message_event(
        self,
        text: str,
        *,
        user_id: str,
        channel_id: str,
        thread_ts: str | None = None,
        store: bool = True,
    ) -> Json:
        """A member's message: stored in the channel (as Slack would) and returned as an event."""
        ts = self.next_ts()
        event: Json = {
            "type": "message",
            "channel": channel_id,
            "user": user_id,
            "text": slack_encode(text),
            "ts": ts,
            "event_ts": ts,
            "team": self.team_id,
            "channel_type": "im" if channel_id.startswith("D") else "channel",
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        if store:
            self.store_message(channel_id, {k: v for k, v in event.items() if k != "channel"})
        return event

    def edit_event(self, channel_id: str, ts: str, new_text: str) -> Json:
        """A member edits their message `ts`: Slack's `message_changed` event."""
        stored = self._find(channel_id, ts)
        if stored is None:
            raise KeyError(ts)
        previous = dict(stored)
        stored["text"] = slack_encode(new_text)
        stored["edited"] = {"user": stored.get("user"), "ts": self.next_ts()}
        return {
            "type": "message",
            "subtype": "message_changed",
            "channel": channel_id,
            "hidden": True,
            "ts": self.next_ts(),
            "event_ts": self.next_ts(),
            "message": dict(stored),
            "previous_message": previous,
            "channel_type": "im" if channel_id.startswith("D") else "channel",
        }

    def _interactive_base(self, user_id: str) -> Json:
        return {
            "team": {"id": self.team_id, "domain": "emulated"},
            "user": {
                "id": user_id,
                "username": self._user_name(user_id),
                "name": self._user_name(user_id),
                "team_id": self.team_id,
            },
            "api_app_id": self.app_id,
            "token": "legacy-verification-token",
            "is_enterprise_install": False,
        }

    def block_actions(self, message: Json, element: Json, *, user_id: str) -> SlackRequest:
        """A click on `element` (a Block Kit button) of a message the bot sent (`Sent.as_dict()`)."""
        channel_id = str(message.get("channel", ""))
        ephemeral = bool(message.get("ephemeral"))
        ts = str(message.get("ts", ""))
        block_id = ""
        for block in message.get("blocks") or []:
            if element in (block.get("elements") or []):
                block_id = str(block.get("block_id", "") or secrets.token_hex(3))
        original = {"channel": channel_id, "ts": ts, "ephemeral": ephemeral}
        response_url = self.new_response_url(channel_id, user_id, original)
        trigger_id = self.issue_trigger(user_id)
        container: Json = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        }
        if message.get("thread_ts"):
            container["thread_ts"] = message["thread_ts"]
        data: Json = {
            "type": "block_actions",
            **self._interactive_base(user_id),
            "container": container,
            "trigger_id": trigger_id,
            "channel": {"id": channel_id, "name": self._channel_name(channel_id)},
            "response_url": response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": element.get("action_id"),
                    "block_id": block_id,
                    "text": element.get("text"),
                    "value": element.get("value"),
                    "action_ts": f"{time.time():.6f}",
                    **({"url": element["url"]} if element.get("url") else {}),
                }
            ],
            "state": {"values": {}},
        }
        if not ephemeral:
            data["message"] = {
                "type": "message",
                "ts": ts,
                "text": message.get("text", ""),
                "blocks": message.get("blocks", []),
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                **({"thread_ts": message["thread_ts"]} if message.get("thread_ts") else {}),
            }
        return SlackRequest("interactive", data, response_url, trigger_id)

    def view_submission(self, view: Json, values: dict[str, str], *, user_id: str) -> SlackRequest:
        state: Json = {}
        for block in view.get("blocks") or []:
            if block.get("type") != "input":
                continue
            bid = block["block_id"]
            element = block["element"]
            value = values.get(bid, element.get("initial_value"))
            if value is None and not block.get("optional"):
                raise ValueError(f"required field {bid} has no value")
            state[bid] = {element["action_id"]: {"type": element["type"], "value": value}}
        submitted = {**view, "state": {"values": state}}
        data: Json = {
            "type": "view_submission",
            **self._interactive_base(user_id),
            "trigger_id": self.issue_trigger(user_id),
            "view": submitted,
            "response_urls": [],
        }
        return SlackRequest("interactive", data)

    # -- driver: delivery ----------------------------------------------------------

    def signed_headers(
        self, body: str, *, bad_signature: bool = False, stale: bool = False
    ) -> dict[str, str]:
        timestamp = str(int(time.time()) - (600 if stale else 0))
        signature = sign(self.signing_secret, timestamp, body)
        if bad_signature:
            signature = sign("not-the-" + self.signing_secret, timestamp, body)
        return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}

    async def send_http(
        self,
        url: str,
        request: SlackRequest,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        bad_signature: bool = False,
        stale: bool = False,
        within: float = 10.0,
    ) -> Delivery:
        assert self._client is not None, "start() the emulator first"
        body, content_type = request.http_body()
        headers = {"Content-Type": content_type}
        headers.update(self.signed_headers(body, bad_signature=bad_signature, stale=stale))
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        started = time.perf_counter()
        async with self._client.post(
            url, data=body.encode(), headers=headers, timeout=aiohttp.ClientTimeout(total=within)
        ) as resp:
            text = await resp.text()
            status = resp.status
        delivery = Delivery(status, text, (time.perf_counter() - started) * 1000, request)
        return self._after_ack(delivery)

    async def send_socket(
        self,
        request: SlackRequest,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        within: float = 10.0,
    ) -> Delivery:
        if not self._sockets:
            await asyncio.wait_for(self.socket_connected.wait(), within)
        ws = self._sockets[-1]
        envelope_id = str(uuid.uuid4())
        future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
        self._envelopes[envelope_id] = future
        envelope: Json = {
            "envelope_id": envelope_id,
            "type": request.kind,
            "payload": request.data,
            "accepts_response_payload": request.kind != "events_api",
        }
        if request.kind == "events_api":
            envelope["retry_attempt"] = retry_num or 0
            envelope["retry_reason"] = retry_reason or ("" if not retry_num else "timeout")
        started = time.perf_counter()
        await ws.send_json(envelope)
        try:
            ack = await asyncio.wait_for(future, within)
            status = 200
        except TimeoutError:
            ack, status = {}, 0
        finally:
            self._envelopes.pop(envelope_id, None)
        payload = ack.get("payload")
        delivery = Delivery(
            status,
            json.dumps(payload) if payload else "",
            (time.perf_counter() - started) * 1000,
            request,
        )
        return self._after_ack(delivery)

    def _after_ack(self, delivery: Delivery) -> Delivery:
        """An ack body with text is shown to the member, like Slack does."""
        self.acks.append(delivery)
        payload: Json | None = None
        if delivery.status == 200 and delivery.body.startswith("{"):
            payload = json.loads(delivery.body)
        elif delivery.status == 200 and delivery.body and delivery.request.kind == "slash_commands":
            payload = {"text": delivery.body}  # Slack shows a plain-text ack as an ephemeral
        if payload is not None:
            delivery.ack_payload = payload
            if payload.get("text") or payload.get("blocks"):
                try:
                    text, blocks = self._message_content(payload, "ack")
                except ApiError:
                    return delivery
                data = delivery.request.data
                channel = str(data.get("channel_id") or (data.get("channel") or {}).get("id", ""))
                user = str(data.get("user_id") or (data.get("user") or {}).get("id", ""))
                in_channel = payload.get("response_type") == "in_channel"
                self._record(
                    Sent(
                        "message" if in_channel else "ephemeral",
                        "ack",
                        channel,
                        text,
                        blocks,
                        self.next_ts(),
                        None,
                        None if in_channel else user,
                    )
                )
        return delivery

    async def settle(
        self,
        since: int,
        *,
        quiet: float = 0.15,
        within: float = 6.0,
        at_least: int = 1,
        busy: Callable[[], int] | None = None,
    ) -> None:
        """Wait for `at_least` new visible things since `since`, then `quiet` s of no traffic.

        `busy` (e.g. the adapter's count of unfinished requests) must also reach 0.
        """
        deadline = time.monotonic() + within
        last = self.traffic
        last_change = time.monotonic()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            now = self.traffic
            if now != last:
                last, last_change = now, time.monotonic()
            if (
                self.activity - since >= at_least
                and time.monotonic() - last_change >= quiet
                and (busy is None or busy() == 0)
            ):
                return
