"""The Discord adapter: a plain discord.py `Client` wired to Coinflip's core.

Start-up: point discord.py at the configured REST and gateway endpoints, attach the outbox,
prepare the app (database, content, cogs), log in, sync slash commands generated from the
registry (bulk overwrite, guild-scoped when `discord.dev_guild_id` is set), print the invite
URL, connect; once the gateway says ready, start the scheduler (once).

Interactions are handled from the raw interaction data (no command tree, no stored views):
the handler runs as a task, and if it has not answered after `defer_after` seconds the
interaction is deferred, so Discord's 3 s limit is always met (except for handlers that
open a form, which must be their first answer).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import discord
import discord.gateway
import discord.http
import yarl

from bot.adapters.discord import render
from bot.adapters.discord.api import DiscordApi
from bot.adapters.discord.commands import (
    build_payloads,
    flatten,
    focused_option,
    raw_values,
    routes,
    same_commands,
)
from bot.adapters.discord.context import DiscordCtx, DiscordMessageCtx, State
from bot.adapters.discord.outbox import DiscordOutbox, channel_of
from bot.core.events import Channel, Click, Community, FormSubmit, Incoming, User
from bot.core.registry import BoundCommand
from bot.core.replies import Reply
from bot.core.safety import clip
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import DiscordConfig

log = logging.getLogger("coinflip.discord")

DM_COMMUNITY = Community("dm", "Direct messages", "discord")
SCOPES = ("bot", "applications.commands")
STALE_COMMAND = "That command is from an older version of me; Discord will drop it shortly."
SHUTDOWN_GRACE = 5.0
SEEN_MESSAGES = 4096


def invite_permissions() -> discord.Permissions:
    """What Coinflip needs: read and post, embeds and files, threads for check-ins."""
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        send_messages_in_threads=True,
        create_public_threads=True,
        embed_links=True,
        attach_files=True,
        read_message_history=True,
    )


def intents_for(config: DiscordConfig) -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = config.message_content_intent
    return intents


def point_at(config: DiscordConfig) -> None:
    """Aim discord.py at the configured API and gateway (Discord, or a local emulator)."""
    discord.http.Route.BASE = config.api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


class _Client(discord.Client):
    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter

    async def setup_hook(self) -> None:
        await self.adapter._on_login()

    async def on_ready(self) -> None:
        await self.adapter._on_ready()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.adapter._spawn(self.adapter._on_interaction(interaction, time.monotonic()))

    async def on_message(self, message: discord.Message) -> None:
        self.adapter._spawn(self.adapter._on_message(message, edit=False))

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if payload.data.get("edited_timestamp") is None:
            return  # embed unfurls and other updates the author did not make
        self.adapter._spawn(self.adapter._on_message(payload.message, edit=True))


class DiscordAdapter:
    def __init__(self, app: App, *, ready_timeout: float = 2.0, defer_after: float = 2.0) -> None:
        self.app = app
        self.config = app.config.discord
        self.defer_after = defer_after
        self.client = _Client(
            self,
            intents=intents_for(self.config),
            allowed_mentions=discord.AllowedMentions.none(),
            max_messages=None,
            chunk_guilds_at_startup=False,
            guild_ready_timeout=ready_timeout,
        )
        self.api = DiscordApi(self.client)
        self.outbox = DiscordOutbox(
            self.client, self.api, read_messages=self.config.message_content_intent
        )
        self.ready = asyncio.Event()
        self.synced = asyncio.Event()
        self.invite_url = ""
        # Message ids recently handled (newest last), so tests can wait for a listener run.
        self.handled: deque[str] = deque(maxlen=512)
        self._started = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._routes_key: tuple[int, ...] = ()
        self._routes: dict[tuple[str, ...], BoundCommand] = {}

    # -- lifecycle ------------------------------------------------------------------

    def _token(self) -> str:
        secret = self.app.config.secrets.discord_token
        token = secret.get_secret_value().strip() if secret is not None else ""
        if not token:
            raise ConfigError("DISCORD_TOKEN is not set", key="DISCORD_TOKEN")
        return token

    async def run(self) -> None:
        """Run until cancelled; then stop the app and close the connection cleanly."""
        token = self._token()
        point_at(self.config)
        self.app.attach(self.outbox)
        await self.app.prepare()
        try:
            await self.client.start(token)
        except discord.LoginFailure:
            raise ConfigError(
                "Discord rejected DISCORD_TOKEN; copy the bot token again from the developer portal",
                key="DISCORD_TOKEN",
            ) from None
        except discord.PrivilegedIntentsRequired:
            raise ConfigError(
                "Discord refused the Message Content intent: enable it for the bot in the developer "
                "portal, or set discord.message_content_intent to false",
                key="discord.message_content_intent",
            ) from None
        finally:
            await self._shutdown()

    async def _shutdown(self) -> None:
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            _, late = await asyncio.wait(pending, timeout=SHUTDOWN_GRACE)
            for task in late:
                task.cancel()
            if late:
                await asyncio.gather(*late, return_exceptions=True)
        if not self.client.is_closed():
            await self.client.close()
        await self.app.stop()
        log.info("discord adapter stopped")

    async def _on_login(self) -> None:
        point_at(self.config)  # in case anything reset Route.BASE since
        app_id = self.client.application_id
        if app_id is None:
            raise RuntimeError("discord.py did not learn the application id")
        self.invite_url = discord.utils.oauth_url(
            app_id, permissions=invite_permissions(), scopes=SCOPES
        )
        log.info("invite Coinflip with %s", self.invite_url)
        print(f"Invite Coinflip to a server: {self.invite_url}", flush=True)
        try:
            await self.sync_commands()
        except discord.HTTPException as err:
            log.error("could not sync slash commands: %s %s", err.status, err.text)
        self.synced.set()

    async def sync_commands(self) -> int:
        """Bulk-overwrite the commands, unless Discord already has exactly these."""
        app_id = self.client.application_id
        payloads = build_payloads(self.app.registry)
        guild_id = self.config.dev_guild_id
        if guild_id:
            path = "/applications/{application_id}/guilds/{guild_id}/commands"
            ids: dict[str, Any] = {"application_id": app_id, "guild_id": guild_id}
        else:
            path = "/applications/{application_id}/commands"
            ids = {"application_id": app_id}
        scope = f"guild {guild_id}" if guild_id else "global"
        existing = await self.api.call("GET", path, **ids)
        if isinstance(existing, list) and same_commands(existing, payloads):
            log.info("slash commands up to date scope=%s count=%d", scope, len(payloads))
            return len(payloads)
        await self.api.call("PUT", path, payload=payloads, **ids)
        log.info("slash commands synced scope=%s count=%d", scope, len(payloads))
        return len(payloads)

    async def _on_ready(self) -> None:
        if not self._started:
            self._started = True
            await self.app.start()
        user = self.client.user
        log.info(
            "discord ready user=%s guilds=%d", user.id if user else "?", len(self.client.guilds)
        )
        self.ready.set()

    @property
    def busy(self) -> bool:
        """True while any event handler (interaction, message) is still running."""
        return any(not t.done() for t in self._tasks)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("discord event handler failed", exc_info=task.exception())

    # -- who and where --------------------------------------------------------------

    @staticmethod
    def _user(who: discord.User | discord.Member, perms: discord.Permissions | None) -> User:
        is_admin = bool(perms is not None and (perms.manage_guild or perms.administrator))
        roles: tuple[str, ...] = ()
        if isinstance(who, discord.Member):
            roles = tuple(str(r.id) for r in who.roles if not r.is_default())
        return User(str(who.id), who.display_name, "discord", who.bot, is_admin, roles)

    @staticmethod
    def _community(guild_id: int | None, guild: discord.Guild | None) -> Community:
        if guild_id is None:
            return DM_COMMUNITY
        return Community(str(guild_id), guild.name if guild is not None else "", "discord")

    def _where(self, interaction: discord.Interaction) -> tuple[User, Community, Channel]:
        perms = interaction.permissions if interaction.guild_id else None
        user = self._user(interaction.user, perms)
        community = self._community(interaction.guild_id, interaction.guild)
        if interaction.channel is not None:
            channel = channel_of(interaction.channel)
        else:
            channel = Channel(str(interaction.channel_id or ""), "", interaction.guild_id is None)
        return user, community, channel

    def _ctx(self, interaction: discord.Interaction, **extra: Any) -> DiscordCtx:
        user, community, channel = self._where(interaction)
        message = interaction.message
        return DiscordCtx(
            api=self.api,
            outbox=self.outbox,
            interaction_id=interaction.id,
            token=interaction.token,
            application_id=interaction.application_id,
            user=user,
            community=community,
            channel=channel,
            source_message_id=str(message.id) if message is not None else None,
            **extra,
        )

    def command_routes(self) -> dict[tuple[str, ...], BoundCommand]:
        key = tuple(id(b) for b in self.app.registry.commands.values())
        if key != self._routes_key:
            self._routes = routes(self.app.registry)
            self._routes_key = key
        return self._routes

    # -- interactions ---------------------------------------------------------------

    async def _on_interaction(self, interaction: discord.Interaction, received: float) -> None:
        kind = interaction.type
        try:
            if kind is discord.InteractionType.application_command:
                await self._command(interaction)
            elif kind is discord.InteractionType.autocomplete:
                await self._autocomplete(interaction)
            elif kind is discord.InteractionType.component:
                await self._component(interaction)
            elif kind is discord.InteractionType.modal_submit:
                await self._modal_submit(interaction)
        except Exception:
            log.exception(
                "interaction failed type=%s guild=%s after=%.2fs",
                kind.name,
                interaction.guild_id,
                time.monotonic() - received,
            )

    async def _within_deadline(
        self, ctx: DiscordCtx, work: Coroutine[Any, Any, None], *, defer: bool, private: bool
    ) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        done, _ = await asyncio.wait({task}, timeout=self.defer_after)
        if not done and defer and ctx.state is State.NEW:
            try:
                await ctx.auto_defer(private)
            except discord.HTTPException as err:
                log.warning("could not defer interaction: %s %s", err.status, err.text)
        await asyncio.wait({task})
        if ctx.state is State.NEW:
            # The handler answered nothing: acknowledge, so Discord shows no error.
            try:
                if ctx.source_message_id is not None:
                    await ctx.auto_defer(private)
                else:
                    await ctx.reply(Reply("Done.", private=True))
            except discord.HTTPException as err:
                log.warning("could not acknowledge interaction: %s", err.status)

    async def _command(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        words, options = flatten(data)
        bound = self.command_routes().get(words)
        ctx = self._ctx(interaction)
        if bound is None:
            log.info("stale command /%s", " ".join(words))
            await ctx.reply(Reply(STALE_COMMAND, private=True))
            return
        raw = raw_values(data, options)
        spec = bound.spec
        await self._within_deadline(
            ctx,
            self.app.dispatcher.run_command(bound, ctx, raw),
            defer=not spec.opens_form,
            private=spec.private,
        )

    async def _component(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        action, value = render.split_custom_id(str(data.get("custom_id", "")))
        user, community, channel = self._where(interaction)
        message = interaction.message
        click = Click(
            action,
            value,
            user,
            community,
            channel,
            str(message.id) if message is not None else None,
        )
        ctx = self._ctx(interaction, click=click)
        await self._within_deadline(
            ctx, self.app.dispatcher.run_click(ctx, action, value), defer=True, private=True
        )

    async def _modal_submit(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        form_id, meta = render.split_custom_id(str(data.get("custom_id", "")))
        values = render.modal_values(data)
        user, community, channel = self._where(interaction)
        submit = FormSubmit(form_id, values, user, community, channel, meta)
        ctx = self._ctx(interaction, submit=submit)
        await self._within_deadline(
            ctx,
            self.app.dispatcher.run_submit(ctx, form_id, values, meta),
            defer=True,
            private=True,
        )

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        words, options = flatten(data)
        bound = self.command_routes().get(words)
        focused = focused_option(options)
        suggestions: list[str] = []
        ctx = self._ctx(interaction, autocomplete=True)
        if bound is not None and focused is not None:
            name, partial = focused
            option = next((o for o in bound.spec.options if o.name == name), None)
            try:
                if option is not None and option.autocomplete:
                    method = getattr(bound.cog, option.autocomplete)
                    suggestions = list(
                        await asyncio.wait_for(method(ctx, partial), self.defer_after)
                    )
                elif option is not None and option.choices:
                    low = partial.lower()
                    suggestions = sorted(
                        (c for c in option.choices if low in c.lower()),
                        key=lambda c: (not c.lower().startswith(low), c.lower()),
                    )
            except Exception:
                log.exception("autocomplete failed command=%s option=%s", bound.spec.path, name)
        choices = []
        for s in dict.fromkeys(str(s) for s in suggestions if str(s).strip()):
            choices.append({"name": clip(s, 100), "value": s[:100]})
            if len(choices) == 25:
                break
        await self.api.call(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            payload={"type": 8, "data": {"choices": choices}},
            interaction_id=interaction.id,
            interaction_token=interaction.token,
            webhook_id=interaction.application_id,
            webhook_token=interaction.token,
        )

    # -- messages -------------------------------------------------------------------

    def _incoming(self, message: discord.Message, *, edit: bool) -> Incoming:
        author = message.author
        perms = author.guild_permissions if isinstance(author, discord.Member) else None
        ch = message.channel
        guild = message.guild
        me = self.client.user
        return Incoming(
            str(message.id),
            self._user(author, perms),
            self._community(guild.id if guild else None, guild),
            channel_of(ch),
            message.content,
            is_edit=edit,
            mentions_bot=me is not None and any(u.id == me.id for u in message.mentions),
            thread_title=ch.name if isinstance(ch, discord.Thread) else "",
            thread_starter_id=str(ch.id) if isinstance(ch, discord.Thread) else None,
        )

    async def _on_message(self, message: discord.Message, *, edit: bool) -> None:
        try:
            me = self.client.user
            if message.author.bot or (me is not None and message.author.id == me.id):
                return
            if message.webhook_id is not None or message.type not in (
                discord.MessageType.default,
                discord.MessageType.reply,
            ):
                return
            if not edit:
                if message.id in self._seen:
                    log.debug("duplicate MESSAGE_CREATE id=%s dropped", message.id)
                    return
                self._seen[message.id] = None
                if len(self._seen) > SEEN_MESSAGES:
                    self._seen.popitem(last=False)
            incoming = self._incoming(message, edit=edit)
            ctx = DiscordMessageCtx(
                api=self.api,
                outbox=self.outbox,
                message=incoming,
                target_id=str(message.channel.id),
            )
            await self.app.dispatcher.run_listeners("message", ctx, incoming)
        finally:
            self.handled.append(str(message.id))
