"""Slack adapter: slack-bolt `AsyncApp` over HTTP (aiohttp) or Socket Mode.

Request flow: every listener acks first (Slack wants an answer within 3 s; we answer in
milliseconds, `process_before_response=True`), then the work runs as a task:

- `/coinflip <command> [args]` -> `dispatcher.run_text`; empty text means `help`; unknown
  text is answered in the ack itself with a hint (instant work, no task needed).
- Private replies go to the command's `response_url` (Slack allows 5 posts per url in
  30 min; after that `chat.postEphemeral`); public replies are `chat.postMessage`.
- Forms: `views.open` with the trigger_id, which expires 3 s after the click/command, so
  it is called first thing in the handler path. If it has expired anyway we post a private
  "Open the form" button; its click carries a fresh trigger_id.
- Buttons carry the real action and value as JSON in `value`; `action_id` is the action
  plus `#index` so it is unique per block. Link buttons are only acked.
- Message events are deduplicated on the envelope's `event_id` with
  `scheduler.claim("slack-event", event_id)`: a Slack retry of something we processed is
  dropped; a retry whose first delivery never reached us is processed once.

Serving: HTTP mode listens on `slack.http_host:http_port` for `slack.path` (bolt's
aiohttp helpers) plus `GET /healthz`; Socket Mode (when SLACK_APP_TOKEN is set) connects
out through `apps.connections.open` and still serves `/healthz` on that port, for
container health checks. Unreachable Slack at start-up is retried with backoff; a token
Slack refuses stops start-up with a ConfigError.

Mentions: mass mentions in any text we send are defused (see render.py). Explicit
`<@U…>` / `<#C…>` (what `mention_user` / `mention_channel` return) are kept, so a cog
that echoes a member's own `<@U…>` will notify that one person; Slack has no
`allowed_mentions`.

Tokens come from `config.secrets` only and are never logged (slack-sdk redacts the
Authorization header in its own debug logs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Coroutine
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.render import (
    LINK_PREFIX,
    MAX_BLOCKS,
    OPEN_FORM_ACTION,
    Block,
    blocks_for,
    decode_value,
    fallback_text,
    modal_for,
    mrkdwn,
    unescape,
)
from bot.core.context import Ctx
from bot.core.dispatcher import split_words
from bot.core.events import Channel, Click, Community, FormSubmit, Incoming, User
from bot.core.outbox import DeliveryError, Outbox
from bot.core.replies import Button, Form, MessageRef, Reply
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("coinflip.slack")

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

USER_TTL = 600.0  # users.info answers (admin flag) are trusted for 10 minutes
RESPONSE_URL_POSTS = 5  # Slack: 5 posts per response_url within 30 minutes
RESPONSE_URL_TTL = 30 * 60.0
FORM_BUTTON_TTL = 15 * 60.0
DRAIN_SECONDS = 5.0

# Slack error codes that retrying will not fix.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "missing_scope",
        "not_authed",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "no_permission",
        "restricted_action",
        "msg_too_long",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_arguments",
        "no_text",
        "cant_update_message",
        "message_not_found",
        "user_not_found",
        "user_not_in_channel",
        "cannot_dm_bot",
        "user_disabled",
        "team_access_not_granted",
        "ekm_access_denied",
    }
)
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
NO_DM_ERRORS = frozenset({"cannot_dm_bot", "user_not_found", "user_disabled", "account_inactive"})
EXPIRED_TRIGGER = frozenset({"expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"})


class SlackDeliveryError(DeliveryError):
    """A failed Web API call; `code` is Slack's error string ("channel_not_found", ...)."""

    def __init__(self, message: str, *, permanent: bool, code: str = "") -> None:
        super().__init__(message, permanent=permanent)
        self.code = code


def delivery_error(err: Exception, what: str) -> SlackDeliveryError:
    """Map a slack-sdk / network exception onto our permanent vs transient split."""
    if isinstance(err, SlackApiError):
        code = str(err.response.get("error", "") or "")
        status = int(getattr(err.response, "status_code", 200) or 200)
        transient = code in TRANSIENT_ERRORS or status == 429 or status >= 500
        permanent = not transient and (code in PERMANENT_ERRORS or status < 500)
        return SlackDeliveryError(f"{what}: {code or status}", permanent=permanent, code=code)
    return SlackDeliveryError(f"{what}: {type(err).__name__}", permanent=False)


class TTLCache(Generic[K, V]):
    """A small bounded dict whose entries expire."""

    def __init__(self, ttl: float, size: int = 5000) -> None:
        self.ttl = ttl
        self.size = size
        self._data: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[0] < time.monotonic():
            self._data.pop(key, None)
            return None
        return item[1]

    def put(self, key: K, value: V, ttl: float | None = None) -> None:
        self._data[key] = (time.monotonic() + (self.ttl if ttl is None else ttl), value)
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    def pop(self, key: K) -> V | None:
        value = self.get(key)
        self._data.pop(key, None)
        return value

    def __len__(self) -> int:
        return len(self._data)


def _quiet_token_warning(record: logging.LogRecord) -> bool:
    """bolt warns that SLACK_BOT_TOKEN in the environment is unused when we pass a client;
    that is what we want, so the warning only confuses operators."""
    return "`token` will be unused" not in record.getMessage()


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


def _is_dm(channel_id: str, channel_name: str = "") -> bool:
    return channel_name == "directmessage" or channel_id.startswith("D")


class SlackCtx(Ctx):
    """A Slack interaction: slash command, button click, form submit or a message seen."""

    def __init__(
        self,
        adapter: SlackAdapter,
        *,
        user: User,
        community: Community,
        channel: Channel,
        response_url: str | None = None,
        trigger_id: str | None = None,
        container: dict[str, Any] | None = None,
        reply_thread: str | None = None,
        click: Click | None = None,
        submit: FormSubmit | None = None,
        message: Incoming | None = None,
    ) -> None:
        super().__init__(
            user=user,
            community=community,
            channel=channel,
            outbox=adapter.outbox,
            click=click,
            submit=submit,
            message=message,
        )
        self.adapter = adapter
        self.response_url = response_url
        self.trigger_id = trigger_id
        self.container = container or {}
        # Where public replies go: the thread the interaction happened in (or, for a
        # message in a channel, a thread on that message).
        self.reply_thread = reply_thread if reply_thread is not None else channel.thread_id

    async def _send(self, reply: Reply) -> MessageRef | None:
        return await self.adapter.deliver(self, reply)

    async def _defer(self, private: bool) -> None:
        # Every Slack interaction is already acked before the handler runs.
        return None

    async def _open_form(self, form: Form) -> None:
        await self.adapter.open_form(self, form)


class SlackOutbox(Outbox):
    """Messages not tied to an interaction: scheduled posts, DMs, edits, threads.

    Slack's Web API has no idempotency key, so `nonce` is made idempotent with our own
    `scheduler.claim("slack-send", nonce)`: the first caller posts, later callers get a ref
    without a message id (we store nothing else). A failed post releases the claim.
    """

    platform = "slack"
    capabilities = frozenset(
        {"buttons", "forms", "threads", "files", "ephemeral", "dm", "read_messages"}
    )

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter
        self._recent: TTLCache[str, MessageRef] = TTLCache(3600.0, 1000)

    @property
    def client(self) -> AsyncWebClient:
        return self.adapter.client

    async def call(self, what: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except (TimeoutError, SlackApiError, aiohttp.ClientError) as err:
            raise delivery_error(err, what) from err

    async def post(
        self, channel_id: str, reply: Reply, *, thread_id: str | None = None
    ) -> MessageRef:
        """chat.postMessage (plus a file upload for an attachment)."""
        ts = ""
        if reply.text or reply.cards or reply.buttons or reply.attachment is None:
            resp = await self.call(
                "chat.postMessage",
                self.client.chat_postMessage(
                    channel=channel_id,
                    text=fallback_text(reply),
                    blocks=self.adapter.blocks(reply),
                    thread_ts=thread_id,
                    unfurl_links=False,
                    unfurl_media=False,
                ),
            )
            ts = str(resp.get("ts", ""))
            channel_id = str(resp.get("channel", channel_id))
        if reply.attachment is not None:
            await self.upload(channel_id, reply, thread_id=thread_id)
        return MessageRef(channel_id, ts, thread_id)

    async def upload(self, channel_id: str, reply: Reply, *, thread_id: str | None = None) -> None:
        attachment = reply.attachment
        if attachment is None:
            return
        await self.call(
            "files.upload",
            self.client.files_upload_v2(
                channel=channel_id,
                file=attachment.data,
                filename=attachment.filename,
                title=attachment.title or attachment.filename,
                thread_ts=thread_id,
            ),
        )

    async def send(
        self,
        channel_id: str,
        reply: Reply,
        *,
        thread_id: str | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        if nonce is not None:
            known = self._recent.get(nonce)
            if known is not None:
                return known
            if not await self.adapter.app.scheduler.claim("slack-send", nonce):
                log.info("send skipped, nonce already used channel=%s", channel_id)
                return MessageRef(channel_id, "", thread_id, extra={"duplicate": "true"})
        try:
            ref = await self.post(channel_id, reply, thread_id=thread_id)
        except DeliveryError:
            if nonce is not None:
                await self.adapter.app.scheduler.release("slack-send", nonce)
            raise
        if nonce is not None:
            self._recent.put(nonce, ref)
        return ref

    async def edit(self, ref: MessageRef, reply: Reply) -> None:
        if not ref.message_id:
            raise SlackDeliveryError("chat.update: no message ts", permanent=True)
        await self.call(
            "chat.update",
            self.client.chat_update(
                channel=ref.channel_id,
                ts=ref.message_id,
                text=fallback_text(reply),
                blocks=self.adapter.blocks(reply),
            ),
        )

    async def open_thread(
        self, channel_id: str, title: str, starter: Reply, *, nonce: str | None = None
    ) -> MessageRef:
        """Slack threads hang off a message: post the starter; its ts is the thread id."""
        if not (starter.text or starter.cards):
            starter = Reply(f"**{title}**", starter.cards, starter.buttons)
        ref = await self.send(channel_id, starter, nonce=nonce)
        return MessageRef(ref.channel_id, ref.message_id, ref.message_id or None, ref.extra)

    async def dm_channel(self, user_id: str) -> str | None:
        try:
            resp = await self.call(
                "conversations.open", self.client.conversations_open(users=user_id)
            )
        except SlackDeliveryError as err:
            if err.code in NO_DM_ERRORS:
                return None
            raise
        channel = resp.get("channel") or {}
        return str(channel.get("id", "")) or None

    async def dm(self, user_id: str, reply: Reply) -> MessageRef | None:
        channel_id = await self.dm_channel(user_id)
        if channel_id is None:
            return None
        return await self.post(channel_id, reply)

    async def send_private(
        self, channel_id: str, user_id: str, reply: Reply, *, thread_id: str | None = None
    ) -> bool:
        try:
            await self.call(
                "chat.postEphemeral",
                self.client.chat_postEphemeral(
                    channel=channel_id,
                    user=user_id,
                    text=fallback_text(reply),
                    blocks=self.adapter.blocks(reply),
                    thread_ts=thread_id,
                ),
            )
        except SlackDeliveryError as err:
            if err.code == "user_not_in_channel":
                return False
            raise
        return True

    async def channel_info(self, channel_id: str) -> Channel | None:
        try:
            resp = await self.call(
                "conversations.info", self.client.conversations_info(channel=channel_id)
            )
        except SlackDeliveryError as err:
            if err.permanent:
                return None
            raise
        info = resp.get("channel") or {}
        name = str(info.get("name", "") or "")
        self.adapter.channel_names.put(channel_id, name)
        return Channel(channel_id, name, is_dm=bool(info.get("is_im")) or _is_dm(channel_id))

    def mention_user(self, user_id: str) -> str:
        return f"<@{user_id}>"

    def mention_channel(self, channel_id: str) -> str:
        return f"<#{channel_id}>"


class SlackAdapter:
    """Runs Coinflip on Slack until cancelled. `ready` is set once requests are served."""

    def __init__(self, app: App) -> None:
        self.app = app
        config = app.config
        token = _secret(config.secrets.slack_bot_token)
        if not token:
            raise ConfigError("SLACK_BOT_TOKEN is not set", key="SLACK_BOT_TOKEN")
        self.app_token = _secret(config.secrets.slack_app_token)
        self.socket_mode = bool(self.app_token)
        signing_secret = _secret(config.secrets.slack_signing_secret)
        if not signing_secret and not self.socket_mode:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set (needed in HTTP mode)", key="SLACK_SIGNING_SECRET"
            )
        base_url = config.slack.api_base_url
        if not base_url.endswith("/"):
            base_url += "/"
        self.command = config.slack.command
        self.client = AsyncWebClient(token=token, base_url=base_url)
        # slack-sdk only retries 429s when a handler is installed.
        self.client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
        logging.getLogger("slack_bolt.AsyncApp").addFilter(_quiet_token_warning)
        self.bolt = AsyncApp(
            name="coinflip",
            client=self.client,
            signing_secret=signing_secret,
            process_before_response=True,
        )
        self.outbox = SlackOutbox(self)
        self.ready = asyncio.Event()
        self.url: str | None = None  # the events URL once the HTTP server listens
        self.health_url: str | None = None
        self.bot_user_id = ""
        self.team_id = ""
        self.team_name = ""
        self.users: TTLCache[str, User] = TTLCache(USER_TTL)
        self.channel_names: TTLCache[str, str] = TTLCache(3600.0)
        self._thread_titles: TTLCache[tuple[str, str], str] = TTLCache(3600.0, 2000)
        self._response_posts: TTLCache[str, int] = TTLCache(RESPONSE_URL_TTL, 10_000)
        self._forms: TTLCache[str, tuple[Form, Channel]] = TTLCache(FORM_BUTTON_TTL, 1000)
        self._metadata: TTLCache[str, str] = TTLCache(24 * 3600.0, 1000)
        self.overflow: dict[str, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._register()

    # -- bolt wiring ---------------------------------------------------------

    def _register(self) -> None:
        self.bolt.command(self.command)(self._on_command)
        self.bolt.block_action(re.compile(".*"))(self._on_action)
        self.bolt.view_submission("coinflip-form")(self._on_view)
        self.bolt.event("message")(self._on_message)
        # Anything else Slack sends (app_mention, view_closed, other events) is acked, so
        # Slack does not redeliver it; message events already cover mentions.
        self.bolt.event({"type": "app_mention"})(self._ack_only)
        self.bolt.event(re.compile(".*"))(self._ack_only)
        self.bolt.view_closed(re.compile(".*"))(self._ack_only)

    async def _ack_only(self, ack: Any) -> None:
        await ack()

    def spawn(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        """Run work after the ack; failures are logged with context, never lost silently."""
        task = asyncio.create_task(coro, name=f"slack:{what}")
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("slack task failed what=%s", what, exc_info=t.exception())

        task.add_done_callback(done)

    @property
    def busy(self) -> int:
        """How many acked requests are still being worked on."""
        return len(self._tasks)

    # -- identities ----------------------------------------------------------

    def community(self, team_id: str | None, team_domain: str = "") -> Community:
        team = team_id or self.team_id
        name = self.team_name if team == self.team_id and self.team_name else team_domain
        return Community(team, name, "slack")

    async def user(self, user_id: str, fallback_name: str = "") -> User:
        """users.info, cached for 10 minutes; on failure a plain member (least privilege)."""
        cached = self.users.get(user_id)
        if cached is not None:
            return cached
        try:
            resp = await self.client.users_info(user=user_id)
        except (TimeoutError, SlackApiError, aiohttp.ClientError) as err:
            log.warning(
                "users.info failed user=%s error=%s", user_id, delivery_error(err, "users.info")
            )
            return User(user_id, fallback_name or user_id, "slack")
        info = resp.get("user") or {}
        profile = info.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or info.get("real_name")
            or info.get("name")
            or fallback_name
            or user_id
        )
        user = User(
            user_id,
            str(name),
            "slack",
            is_bot=bool(info.get("is_bot")),
            is_admin=bool(
                info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner")
            ),
            roles=(),
        )
        self.users.put(user_id, user)
        return user

    def channel(self, channel_id: str, name: str = "", thread_ts: str | None = None) -> Channel:
        if name:
            self.channel_names.put(channel_id, name)
        else:
            name = self.channel_names.get(channel_id) or ""
        return Channel(channel_id, name, is_dm=_is_dm(channel_id, name), thread_id=thread_ts)

    # -- rendering -----------------------------------------------------------

    def blocks(self, reply: Reply, limit: int = MAX_BLOCKS) -> list[Block]:
        if len(self.overflow) > 1000:
            for key in list(self.overflow)[:500]:
                self.overflow.pop(key, None)
        return blocks_for(reply, limit=limit, overflow=self.overflow)

    def payload(self, reply: Reply) -> dict[str, Any]:
        return {"text": fallback_text(reply), "blocks": self.blocks(reply)}

    # -- delivery for interactions ---------------------------------------------

    async def post_response_url(self, url: str, body: dict[str, Any]) -> bool:
        """POST to a response_url; False once its 5 posts are used or when it fails."""
        used = self._response_posts.get(url) or 0
        if used >= RESPONSE_URL_POSTS:
            return False
        self._response_posts.put(url, used + 1)
        if self._session is None:
            return False
        try:
            async with self._session.post(url, json=body) as resp:
                if resp.status == 200:
                    return True
                log.info("response_url refused status=%s", resp.status)
                if resp.status == 404:
                    self._response_posts.put(url, RESPONSE_URL_POSTS)
        except (TimeoutError, aiohttp.ClientError) as err:
            log.warning("response_url failed error=%s", type(err).__name__)
        return False

    async def deliver(self, ctx: SlackCtx, reply: Reply) -> MessageRef | None:
        if reply.replace and ctx.click is not None and ctx.container.get("message_ts"):
            return await self._replace(ctx, reply)
        if reply.private:
            await self._ephemeral(ctx, reply)
            return None
        return await self._public(ctx, reply)

    async def _ephemeral(self, ctx: SlackCtx, reply: Reply) -> None:
        if reply.text or reply.cards or reply.buttons:
            body = {"response_type": "ephemeral", "replace_original": False, **self.payload(reply)}
            if ctx.response_url and await self.post_response_url(ctx.response_url, body):
                pass
            elif not await self._post_ephemeral(ctx, reply):
                # No channel we can whisper in (a form from a DM between people, say).
                if await self.outbox.dm(ctx.user.id, reply) is None:
                    log.warning("private reply undeliverable user=%s", ctx.user.key)
                return
        if reply.attachment is not None:
            # Files cannot be ephemeral; the member's DM with the bot keeps it private.
            dm = await self.outbox.dm_channel(ctx.user.id)
            if dm is not None:
                await self.outbox.upload(dm, reply)

    async def _post_ephemeral(self, ctx: SlackCtx, reply: Reply) -> bool:
        if not ctx.channel.id:
            return False
        try:
            await self.outbox.call(
                "chat.postEphemeral",
                self.client.chat_postEphemeral(
                    channel=ctx.channel.id,
                    user=ctx.user.id,
                    thread_ts=ctx.channel.thread_id,
                    **self.payload(reply),
                ),
            )
        except SlackDeliveryError as err:
            if err.permanent:
                log.info("postEphemeral refused code=%s channel=%s", err.code, ctx.channel.id)
                return False
            raise
        return True

    async def _public(self, ctx: SlackCtx, reply: Reply) -> MessageRef | None:
        try:
            return await self.outbox.post(ctx.channel.id, reply, thread_id=ctx.reply_thread)
        except SlackDeliveryError as err:
            # Channels the bot cannot post in (a DM between people, a private channel it is
            # not in) still accept the command's response_url.
            if not (err.permanent and ctx.response_url):
                raise
            body = {"response_type": "in_channel", "replace_original": False, **self.payload(reply)}
            if not await self.post_response_url(ctx.response_url, body):
                raise
            return None

    async def _replace(self, ctx: SlackCtx, reply: Reply) -> MessageRef | None:
        container = ctx.container
        channel_id = str(container.get("channel_id") or ctx.channel.id)
        ts = str(container.get("message_ts"))
        if container.get("is_ephemeral") or not channel_id:
            body = {"replace_original": True, **self.payload(reply)}
            if ctx.response_url and await self.post_response_url(ctx.response_url, body):
                return None
            raise SlackDeliveryError("could not replace an ephemeral message", permanent=True)
        ref = MessageRef(channel_id, ts, ctx.channel.thread_id)
        try:
            await self.outbox.edit(ref, reply)
        except SlackDeliveryError as err:
            # e.g. a message posted through a response_url, which chat.update cannot touch
            body = {"replace_original": True, **self.payload(reply)}
            if err.permanent and ctx.response_url:
                if await self.post_response_url(ctx.response_url, body):
                    return ref
            raise
        return ref

    async def open_form(self, ctx: SlackCtx, form: Form) -> None:
        meta = json.dumps(
            {"f": form.id, "m": form.meta, "c": ctx.channel.id, "t": ctx.channel.thread_id},
            separators=(",", ":"),
        )
        if len(meta) > 3000:
            key = secrets.token_hex(8)
            self._metadata.put(key, meta)
            meta = json.dumps({"k": key})
        if ctx.trigger_id:
            trigger, ctx.trigger_id = ctx.trigger_id, None  # single use
            try:
                await self.outbox.call(
                    "views.open",
                    self.client.views_open(trigger_id=trigger, view=modal_for(form, meta)),
                )
                return
            except SlackDeliveryError as err:
                if err.code not in EXPIRED_TRIGGER:
                    raise
                log.info("trigger expired, offering a button form=%s", form.id)
        key = secrets.token_hex(8)
        self._forms.put(key, (form, ctx.channel))
        await ctx.reply(
            Reply(
                "Press the button to open the form.",
                buttons=(
                    Button(form.title[:60] or "Open the form", OPEN_FORM_ACTION, key, "primary"),
                ),
                private=True,
            )
        )

    # -- listeners (ack first, then work) ------------------------------------

    async def _on_command(self, ack: Any, body: dict[str, Any]) -> None:
        text = unescape(str(body.get("text", "") or "")).strip()
        words = split_words(text)
        if text:
            bound, _ = self.app.registry.match_words(words)
            if bound is None:
                await ack(text=mrkdwn(self.unknown_hint(words[0] if words else text)))
                return
        await ack()
        self.spawn(self._run_command(body, text or "help"), "command")

    def unknown_hint(self, word: str) -> str:
        group = word.lower()
        if any(path.split(" ", 1)[0] == group for path in self.app.registry.commands):
            return (
                f"`{word[:40]}` needs one more word; `{self.command} help {group[:40]}` lists them."
            )
        return f"I don't know `{word[:40]}`. Try `{self.command} help` to see what I can do."

    async def _run_command(self, body: dict[str, Any], text: str) -> None:
        channel = self.channel(str(body.get("channel_id", "")), str(body.get("channel_name", "")))
        user = await self.user(str(body.get("user_id", "")), str(body.get("user_name", "")))
        ctx = SlackCtx(
            self,
            user=user,
            community=self.community(body.get("team_id"), str(body.get("team_domain", ""))),
            channel=channel,
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
        )
        if not await self.app.dispatcher.run_text(ctx, text):
            await ctx.reply(
                Reply(self.unknown_hint(text.split()[0] if text else text), private=True)
            )

    async def _on_action(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        self.spawn(self._run_action(body), "click")

    async def _run_action(self, body: dict[str, Any]) -> None:
        actions = body.get("actions") or []
        if not actions:
            return
        action = actions[0]
        action_id = str(action.get("action_id", ""))
        if action_id.startswith(LINK_PREFIX) or action.get("url"):
            return  # a link button: Slack opened the url; nothing to do
        name, value = decode_value(action_id, action.get("value"))
        if name == "_slack:overflow":
            stored = self.overflow.get(value)
            name, value = decode_value("", stored) if stored else ("_slack:expired", "")
        container = dict(body.get("container") or {})
        message = body.get("message") or {}
        channel_info = body.get("channel") or {}
        channel_id = str(container.get("channel_id") or channel_info.get("id") or "")
        thread_ts = container.get("thread_ts") or message.get("thread_ts")
        channel = self.channel(channel_id, str(channel_info.get("name", "")), thread_ts)
        user_info = body.get("user") or {}
        user = await self.user(str(user_info.get("id", "")), str(user_info.get("username", "")))
        community = self.community((body.get("team") or {}).get("id") or user_info.get("team_id"))
        click = Click(name, value, user, community, channel, message_id=container.get("message_ts"))
        ctx = SlackCtx(
            self,
            user=user,
            community=community,
            channel=channel,
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
            container=container,
            click=click,
        )
        if name == OPEN_FORM_ACTION:
            pending = self._forms.pop(value)
            if pending is None:
                await ctx.reply(
                    Reply(
                        f"That form has expired; please run the `{self.command}` command again.",
                        private=True,
                    )
                )
                return
            form, origin = pending
            ctx.channel = origin
            await self.open_form(ctx, form)
            return
        await self.app.dispatcher.run_click(ctx, name, value)

    async def _on_view(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()  # closes the modal
        self.spawn(self._run_submit(body), "submit")

    async def _run_submit(self, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            if "k" in meta:
                meta = json.loads(self._metadata.get(str(meta["k"])) or "{}")
        except ValueError:
            meta = {}
        values: dict[str, str] = {}
        state = ((view.get("state") or {}).get("values")) or {}
        for block_id, actions in state.items():
            for element in (actions or {}).values():
                values[block_id] = str(element.get("value") or "")
                break
        user_info = body.get("user") or {}
        user = await self.user(str(user_info.get("id", "")), str(user_info.get("username", "")))
        community = self.community((body.get("team") or {}).get("id") or user_info.get("team_id"))
        channel = self.channel(str(meta.get("c") or ""), thread_ts=meta.get("t"))
        form_id = str(meta.get("f") or "")
        extra = {"view_id": str(view.get("id", ""))}
        submit = FormSubmit(
            form_id, values, user, community, channel, str(meta.get("m") or ""), extra
        )
        ctx = SlackCtx(self, user=user, community=community, channel=channel, submit=submit)
        await self.app.dispatcher.run_submit(ctx, form_id, values, submit.meta)

    async def _on_message(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        if self.app.registry.listeners.get("message"):
            self.spawn(self._run_message(body), "message")

    async def _run_message(self, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        subtype = event.get("subtype")
        is_edit = subtype == "message_changed"
        if is_edit:
            msg = event.get("message") or {}
            previous = event.get("previous_message") or {}
            if msg.get("text") == previous.get("text"):
                return  # an unfurl or other non-text change
        elif subtype in (None, "thread_broadcast", "file_share"):
            msg = event
        else:
            return
        if msg.get("bot_id") or msg.get("subtype") == "bot_message" or not msg.get("user"):
            return
        event_id = body.get("event_id")
        if event_id and not await self.app.scheduler.claim("slack-event", str(event_id)):
            log.info("duplicate event dropped event_id=%s", event_id)
            return
        channel_id = str(event.get("channel", ""))
        ts = str(msg.get("ts", ""))
        thread_ts = msg.get("thread_ts")
        thread_id = str(thread_ts) if thread_ts and thread_ts != ts else None
        channel = self.channel(channel_id, thread_ts=thread_id)
        if event.get("channel_type") == "im":
            channel = Channel(channel.id, channel.name, True, channel.thread_id)
        user = await self.user(str(msg["user"]))
        raw = str(msg.get("text", "") or "")
        community = self.community(body.get("team_id") or event.get("team"))
        incoming = Incoming(
            ts,
            user,
            community,
            channel,
            unescape(raw),
            is_edit=is_edit,
            mentions_bot=bool(self.bot_user_id) and f"<@{self.bot_user_id}" in raw,
            thread_title=await self._thread_title(channel_id, thread_id) if thread_id else "",
            thread_starter_id=thread_id,
        )
        ctx = SlackCtx(
            self,
            user=user,
            community=community,
            channel=channel,
            reply_thread=thread_id or (None if channel.is_dm else ts),
            message=incoming,
        )
        await self.app.dispatcher.run_listeners("message", ctx, incoming)

    async def _thread_title(self, channel_id: str, thread_ts: str) -> str:
        key = (channel_id, thread_ts)
        cached = self._thread_titles.get(key)
        if cached is not None:
            return cached
        title = ""
        try:
            resp = await self.client.conversations_replies(
                channel=channel_id, ts=thread_ts, limit=1
            )
            messages = resp.get("messages") or []
            if messages:
                title = unescape(str(messages[0].get("text", "") or "")).split("\n", 1)[0][:200]
        except (TimeoutError, SlackApiError, aiohttp.ClientError) as err:
            log.info(
                "thread title unknown channel=%s error=%s",
                channel_id,
                delivery_error(err, "replies"),
            )
        self._thread_titles.put(key, title)
        return title

    # -- HTTP ----------------------------------------------------------------

    async def _handle_http(self, request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        bolt_response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ok": self.ready.is_set(),
                "platform": "slack",
                "mode": "socket" if self.socket_mode else "http",
                "version": self.app.version,
            },
            status=200 if self.ready.is_set() else 503,
        )

    async def _start_http(self) -> None:
        config = self.app.config.slack
        web_app = web.Application()
        if not self.socket_mode:
            web_app.router.add_post(config.path, self._handle_http)
        web_app.router.add_get("/healthz", self._healthz)
        # Stop within a few seconds on SIGTERM even with keep-alive connections open.
        self._runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=DRAIN_SECONDS)
        await self._runner.setup()
        site = web.TCPSite(self._runner, config.http_host, config.http_port)
        await site.start()
        host = "127.0.0.1" if config.http_host in ("0.0.0.0", "") else config.http_host
        base = f"http://{host}:{config.http_port}"
        self.health_url = base + "/healthz"
        if not self.socket_mode:
            self.url = base + config.path

    # -- lifecycle -----------------------------------------------------------

    async def _identify(self) -> None:
        """auth.test: who we are. A refused token stops start-up; an unreachable Slack is
        retried with backoff (up to 30 s apart) until it answers or we are cancelled."""
        delay = 1.0
        while True:
            try:
                auth = await self.client.auth_test()
                break
            except SlackApiError as err:
                code = err.response.get("error", "")
                if code in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
                    raise ConfigError(
                        f"Slack refused SLACK_BOT_TOKEN ({code}); check the token",
                        key="SLACK_BOT_TOKEN",
                    ) from None
                problem = str(code or err.response.status_code)
            except (TimeoutError, aiohttp.ClientError) as err:
                problem = type(err).__name__
            log.warning(
                "slack unreachable at %s (%s); retrying in %.0f s",
                self.client.base_url,
                problem,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
        self.bot_user_id = str(auth.get("user_id", "") or "")
        self.team_id = str(auth.get("team_id", "") or "")
        self.team_name = str(auth.get("team", "") or "")

    async def run(self) -> None:
        self.app.attach(self.outbox)
        await self.app.prepare()
        # Slack retries within minutes; dedup keys need not live for ever.
        self.app.scheduler.expire_claims("slack-event", timedelta(days=2))
        self.app.scheduler.expire_claims("slack-send", timedelta(days=7))
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self.client.session = self._session
        try:
            await self._identify()
            await self._start_http()
            if self.socket_mode:
                self._socket = AsyncSocketModeHandler(
                    self.bolt, app_token=self.app_token, web_client=self.client
                )
                await self._socket.connect_async()
            await self.app.start()
            self.ready.set()
            log.info(
                "slack ready mode=%s team=%s url=%s",
                "socket" if self.socket_mode else "http",
                self.team_id,
                self.url or self.health_url,
            )
            await asyncio.get_running_loop().create_future()
        finally:
            await self._shutdown()

    async def _shutdown(self) -> None:
        self.ready.clear()
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await self._runner.cleanup()
            self._runner = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=DRAIN_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        try:
            await self.app.stop()
        except Exception:
            log.exception("app stop failed")
        if self._session is not None:
            await self._session.close()
            self._session = None
        log.info("slack adapter stopped")
