"""A Discord API emulator on 127.0.0.1: REST v10 plus the gateway websocket.

The real discord.py talks to it (set `discord.http.Route.BASE` to `emu.api_base_url` and
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY` to `emu.gateway_url`). It behaves like
Discord where it matters for Coinflip:

- interactions must get their first response within 3 s (then 10062), only once (40060);
  followups and edits go through the interaction webhook;
- `nonce` + `enforce_nonce` make a repeated send return the first message;
- unknown channels answer 404/10003, channels marked "no permission" 403/50013, DMs to a
  member who closed them 403/50007;
- `MESSAGE_CONTENT` is privileged: without it, guild messages arrive with empty content
  unless they mention the bot; asking for it while `privileged_message_content` is False
  closes the socket with 4014;
- request bodies are checked against Discord's limits (content 2,000, embeds, components,
  modals, commands); a violation is recorded in `violations` and answered with 400/50035;
- `inject_429(route_substring, times, retry_after)` answers like Discord's rate limiter
  (JSON body, `Via` header, `X-RateLimit-*` headers).

Everything is recorded: `requests`, messages per channel (with `allowed_mentions` as sent
and the `pings` they would cause), interaction responses, synced `commands`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000
EPHEMERAL = 1 << 6
DEADLINE_SECONDS = 3.0
TOKEN_LIFETIME_SECONDS = 15 * 60

# Permission bits.
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ALL_PERMISSIONS = (1 << 53) - 1
EVERYONE_PERMISSIONS = (
    (1 << 10)  # view channel
    | (1 << 11)  # send messages
    | (1 << 14)  # embed links
    | (1 << 15)  # attach files
    | (1 << 16)  # read message history
    | (1 << 31)  # use application commands
    | (1 << 35)  # create public threads
    | (1 << 38)  # send messages in threads
)

# Gateway intents.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_PUBLIC_THREAD = 11

NAME_RE = re.compile(r"^[-_a-z0-9]{1,32}$")
USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
MASS_MENTION = re.compile(r"@(everyone|here)")


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class ApiError(Exception):
    """An error answer: HTTP status, Discord error code and message."""

    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


@dataclass
class EmuUser:
    id: str
    name: str
    bot: bool = False
    dms_open: bool = True
    admin: bool = False
    dm_channel_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.name,
            "discriminator": "0",
            "global_name": self.name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass
class EmuRole:
    id: str
    name: str
    permissions: int
    position: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class EmuChannel:
    id: str
    name: str
    type: int = CHANNEL_TEXT
    guild_id: str | None = None
    parent_id: str | None = None
    owner_id: str | None = None
    recipient_id: str | None = None
    no_permission: bool = False
    message_ids: list[str] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        return self.type == CHANNEL_PUBLIC_THREAD


@dataclass
class EmuGuild:
    id: str
    name: str
    owner_id: str
    roles: dict[str, EmuRole] = field(default_factory=dict)
    channel_ids: list[str] = field(default_factory=list)
    members: dict[str, list[str]] = field(default_factory=dict)  # user id -> role ids
    joined_at: str = field(default_factory=now_iso)


@dataclass
class EmuMessage:
    """A message as Discord stores it, plus what the emulator learned while creating it."""

    id: str
    channel_id: str
    author_id: str
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    guild_id: str | None = None
    allowed_mentions: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None
    nonce: str | int | None = None
    interaction_id: str | None = None
    webhook_id: str | None = None
    pending: bool = False  # a deferred "thinking" placeholder
    deleted: bool = False
    edits: int = 0
    timestamp: str = field(default_factory=now_iso)
    edited_timestamp: str | None = None
    pings: dict[str, Any] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)


@dataclass
class Interaction:
    """One interaction the emulator sent, and everything the bot did with it."""

    id: str
    token: str
    type: int  # 2 command, 3 component, 4 autocomplete, 5 modal submit
    guild_id: str | None
    channel_id: str
    user_id: str
    data: dict[str, Any]
    payload: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    source_message_id: str | None = None
    initial_type: int | None = None
    initial_after: float | None = None
    initial_ephemeral: bool = False
    original_id: str | None = None
    message_ids: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    deadline_missed: bool = False
    answered_event: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def answered(self) -> bool:
        return self.initial_type is not None


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    at: float = field(default_factory=time.monotonic)


@dataclass
class GuildIds:
    id: str
    channels: dict[str, str]
    everyone_role: str

    @property
    def channel(self) -> str:
        """The first channel (usually "general")."""
        return next(iter(self.channels.values()))


class Session:
    """One gateway session; it survives a dropped socket so it can RESUME."""

    def __init__(self, session_id: str, intents: int) -> None:
        self.id = session_id
        self.intents = intents
        self.seq = 0
        self.ws: web.WebSocketResponse | None = None
        self.lock = asyncio.Lock()
        self.missed: list[dict[str, Any]] = []
        self.identified_at = time.monotonic()

    @property
    def live(self) -> bool:
        return self.ws is not None and not self.ws.closed

    async def dispatch(self, event: str, data: Any) -> None:
        async with self.lock:
            self.seq += 1
            frame = {"op": 0, "t": event, "s": self.seq, "d": data}
            if not self.live:
                if len(self.missed) < 1000:
                    self.missed.append(frame)
                return
            assert self.ws is not None
            try:
                await self.ws.send_str(json.dumps(frame))
            except (ConnectionError, RuntimeError):
                self.missed.append(frame)


Handler = Callable[[web.Request, dict[str, str], Any], Awaitable[web.StreamResponse]]


class DiscordEmulator:
    """Start with `await emu.start()` (or `async with DiscordEmulator() as emu`)."""

    def __init__(
        self,
        *,
        token: str = "test-token",
        bot_name: str = "Coinflip",
        privileged_message_content: bool = True,
        heartbeat_interval_ms: int = 41250,
    ) -> None:
        self.token = token
        self.privileged_message_content = privileged_message_content
        self.privileged_members = False
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.deadline = DEADLINE_SECONDS
        self._counter = itertools.count()
        self.bot = EmuUser(self._snowflake(), bot_name, bot=True)
        self.application_id = self.bot.id
        self.owner = EmuUser(self._snowflake(), "owner")
        self.users: dict[str, EmuUser] = {self.bot.id: self.bot, self.owner.id: self.owner}
        self.guilds: dict[str, EmuGuild] = {}
        self.channels: dict[str, EmuChannel] = {}
        self.all_messages: dict[str, EmuMessage] = {}
        self.interactions: dict[str, Interaction] = {}
        self._by_token: dict[str, Interaction] = {}
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.command_syncs: list[tuple[str | None, int]] = []
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.deadline_misses: list[str] = []
        self.identifies: list[dict[str, Any]] = []
        self.sessions: dict[str, Session] = {}
        self.closed_with: list[int] = []
        self._nonces: dict[tuple[str, str], str] = {}
        self._injections: list[list[Any]] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self.port = 0
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._build_routes()

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> DiscordEmulator:
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{tail:.*}", self._attachment)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- ids and small helpers -------------------------------------------------

    def _snowflake(self) -> str:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) | (next(self._counter) & 0x3FFFFF))

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until `predicate()` is true; it is re-checked after every request and event."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s")
                try:
                    await asyncio.wait_for(self._changed.wait(), min(left, 0.01))
                except TimeoutError:
                    pass

    def inject_429(self, route_substring: str, times: int = 1, retry_after: float = 0.1) -> None:
        """The next `times` requests whose path contains `route_substring` get a 429."""
        self._injections.append([route_substring, times, retry_after])

    def _violation(self, where: str, problems: list[str]) -> None:
        if problems:
            self.violations.extend(f"{where}: {p}" for p in problems)
            raise ApiError(400, 50035, "Invalid Form Body", {"problems": problems})

    # -- world building ---------------------------------------------------------

    def _guild_json(self, guild: EmuGuild) -> dict[str, Any]:
        channels = [self.channels[c] for c in guild.channel_ids]
        return {
            "id": guild.id,
            "name": guild.name,
            "icon": None,
            "owner_id": guild.owner_id,
            "roles": [r.to_json() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": [self._channel_json(c) for c in channels if not c.is_thread],
            "threads": [self._channel_json(c) for c in channels if c.is_thread],
            "members": [
                self._member_json(guild, self.users[uid], with_permissions=False)
                for uid in guild.members
                if uid in (self.bot.id,)
            ],
            "member_count": len(guild.members),
            "large": False,
            "unavailable": False,
            "joined_at": guild.joined_at,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "afk_timeout": 300,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "premium_progress_bar_enabled": False,
        }

    def _channel_json(self, channel: EmuChannel) -> dict[str, Any]:
        if channel.type == CHANNEL_DM:
            recipient = self.users[channel.recipient_id or ""]
            return {
                "id": channel.id,
                "type": CHANNEL_DM,
                "recipients": [recipient.to_json()],
                "last_message_id": None,
                "flags": 0,
            }
        base: dict[str, Any] = {
            "id": channel.id,
            "type": channel.type,
            "guild_id": channel.guild_id,
            "name": channel.name,
            "parent_id": channel.parent_id,
            "rate_limit_per_user": 0,
            "last_message_id": channel.message_ids[-1] if channel.message_ids else None,
            "flags": 0,
        }
        if channel.is_thread:
            base.update(
                owner_id=channel.owner_id,
                message_count=len(channel.message_ids),
                member_count=1,
                total_message_sent=len(channel.message_ids),
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": now_iso(),
                    "locked": False,
                },
            )
        else:
            base.update(position=0, permission_overwrites=[], nsfw=False, topic=None)
        return base

    def permissions(self, guild: EmuGuild, user_id: str) -> int:
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        perms = guild.roles[guild.id].permissions
        for rid in guild.members.get(user_id, []):
            if rid in guild.roles:
                perms |= guild.roles[rid].permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def _member_json(
        self, guild: EmuGuild, user: EmuUser, *, with_user: bool = True, with_permissions: bool
    ) -> dict[str, Any]:
        member: dict[str, Any] = {
            "roles": list(guild.members.get(user.id, [])),
            "joined_at": guild.joined_at,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "premium_since": None,
            "communication_disabled_until": None,
        }
        if with_user:
            member["user"] = user.to_json()
        if with_permissions:
            member["permissions"] = str(self.permissions(guild, user.id))
        return member

    async def add_guild(
        self, name: str = "Test guild", channels: Iterable[str] = ("general",)
    ) -> GuildIds:
        """A guild the bot is in; members added later with `add_user` join it too."""
        guild = self._make_guild(name, channels)
        for user in self.users.values():
            if not user.bot and user is not self.owner:
                self._join(guild, user)
        await self._dispatch("GUILD_CREATE", self._guild_json(guild), INTENT_GUILDS)
        return GuildIds(
            guild.id,
            {self.channels[c].name: c for c in guild.channel_ids},
            guild.id,
        )

    def _make_guild(self, name: str, channels: Iterable[str]) -> EmuGuild:
        gid = self._snowflake()
        guild = EmuGuild(gid, name, self.owner.id)
        guild.roles[gid] = EmuRole(gid, "@everyone", EVERYONE_PERMISSIONS)
        admin_role = self._snowflake()
        guild.roles[admin_role] = EmuRole(
            admin_role, "Admins", EVERYONE_PERMISSIONS | MANAGE_GUILD, 1
        )
        guild.members[self.bot.id] = []
        guild.members[self.owner.id] = []
        for cname in channels:
            cid = self._snowflake()
            self.channels[cid] = EmuChannel(cid, cname, CHANNEL_TEXT, gid)
            guild.channel_ids.append(cid)
        self.guilds[gid] = guild
        return guild

    async def add_guilds(self, n: int, *, channel: str = "general") -> list[str]:
        """Many small guilds at once (for the bench): one channel each, no members but the bot."""
        ids = [self._make_guild(f"Guild {i}", (channel,)).id for i in range(n)]
        if any(s.live for s in self.sessions.values()):
            for gid in ids:
                await self._dispatch(
                    "GUILD_CREATE", self._guild_json(self.guilds[gid]), INTENT_GUILDS
                )
        return ids

    def _admin_role(self, guild: EmuGuild) -> str:
        return next(r.id for r in guild.roles.values() if r.name == "Admins")

    def _join(self, guild: EmuGuild, user: EmuUser, roles: Iterable[str] = ()) -> None:
        ids = [r for r in roles if r in guild.roles]
        if user.admin:
            ids.append(self._admin_role(guild))
        guild.members[user.id] = ids

    async def add_user(
        self,
        name: str,
        *,
        admin: bool = False,
        roles: Iterable[str] = (),
        dms_open: bool = True,
        guilds: Iterable[str] | None = None,
    ) -> str:
        """A member of every guild (or of `guilds`); `admin` gives a role with Manage Server."""
        user = EmuUser(self._snowflake(), name, dms_open=dms_open, admin=admin)
        self.users[user.id] = user
        for gid in guilds if guilds is not None else list(self.guilds):
            self._join(self.guilds[gid], user, roles)
        return user.id

    async def add_role(self, guild_id: str, name: str, permissions: int = 0) -> str:
        guild = self.guilds[guild_id]
        rid = self._snowflake()
        guild.roles[rid] = EmuRole(rid, name, permissions, len(guild.roles))
        await self._dispatch(
            "GUILD_ROLE_CREATE",
            {"guild_id": guild_id, "role": guild.roles[rid].to_json()},
            INTENT_GUILDS,
        )
        return rid

    async def add_channel(self, guild_id: str, name: str, *, no_permission: bool = False) -> str:
        cid = self._snowflake()
        channel = EmuChannel(cid, name, CHANNEL_TEXT, guild_id, no_permission=no_permission)
        self.channels[cid] = channel
        self.guilds[guild_id].channel_ids.append(cid)
        await self._dispatch("CHANNEL_CREATE", self._channel_json(channel), INTENT_GUILDS)
        return cid

    async def add_thread(self, channel_id: str, name: str, *, owner: str | None = None) -> str:
        parent = self.channels[channel_id]
        return (await self._create_thread(parent, name, owner or self.bot.id, None)).id

    async def dm_channel(self, user: str) -> str:
        """The DM channel between a member and the bot (for DM commands and messages)."""
        member = self.users[user]
        if member.dm_channel_id is None:
            cid = self._snowflake()
            self.channels[cid] = EmuChannel(cid, "", CHANNEL_DM, recipient_id=member.id)
            member.dm_channel_id = cid
        return member.dm_channel_id

    def delete_channel(self, channel_id: str) -> None:
        """Make a channel disappear (later sends get 404/10003)."""
        channel = self.channels.pop(channel_id)
        if channel.guild_id and channel.guild_id in self.guilds:
            self.guilds[channel.guild_id].channel_ids.remove(channel_id)

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway socket (the bot should RESUME)."""
        for ws in list(self._sockets):
            self.closed_with.append(code)
            await ws.close(code=code)

    # -- reading what happened ---------------------------------------------------

    def record(self, message: EmuMessage) -> dict[str, Any]:
        """A message as the API shows it, plus `ephemeral`, `allowed_mentions`, `pings`, `files`."""
        data = self._message_json(message)
        data.update(
            ephemeral=message.ephemeral,
            allowed_mentions=message.allowed_mentions,
            pings=message.pings,
            files=[{k: v for k, v in f.items() if k != "data"} for f in message.files],
            edits=message.edits,
            deleted=message.deleted,
        )
        return data

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        """Every message posted in a channel (not ephemeral ones), oldest first."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return []
        return [
            self.record(self.all_messages[m])
            for m in channel.message_ids
            if not self.all_messages[m].deleted
        ]

    def bot_messages(self) -> list[dict[str, Any]]:
        """Everything the bot posted anywhere, ephemeral included."""
        return [self.record(m) for m in self.all_messages.values() if m.author_id == self.bot.id]

    def responses(self, interaction: Interaction) -> list[dict[str, Any]]:
        """Callback, followups and edits in order; each has `kind`, `type`, `ephemeral`, `message`."""
        out = []
        for event in interaction.events:
            item = dict(event)
            mid = event.get("message_id")
            if mid and mid in self.all_messages:
                item["message"] = self.record(self.all_messages[mid])
                item["ephemeral"] = self.all_messages[mid].ephemeral
            out.append(item)
        return out

    def interaction_messages(self, interaction: Interaction) -> list[dict[str, Any]]:
        """Final state of every message this interaction created or edited (placeholders excluded)."""
        seen: list[str] = []
        for event in interaction.events:
            mid = event.get("message_id")
            if mid and mid not in seen:
                seen.append(mid)
        result = []
        for mid in seen:
            msg = self.all_messages.get(mid)
            if msg is None or msg.deleted or msg.pending:
                continue
            result.append(self.record(msg))
        return result

    def unanswered(self) -> list[Interaction]:
        """Interactions older than 3 s that never got a first response."""
        cutoff = time.monotonic() - self.deadline
        return [
            i for i in self.interactions.values() if i.initial_type is None and i.created < cutoff
        ]

    # -- gateway ---------------------------------------------------------------

    def _live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.live]

    async def _dispatch(
        self,
        event: str,
        data: Any,
        intent: int = 0,
        transform: Callable[[Session, Any], Any] | None = None,
    ) -> None:
        for session in list(self.sessions.values()):
            if intent and not session.intents & intent:
                continue
            await session.dispatch(event, transform(session, data) if transform else data)
        await self._notify()

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: Session | None = None
        try:
            await ws.send_str(
                json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            )
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                payload = json.loads(msg.data)
                op = payload.get("op")
                data = payload.get("d")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    session = await self._identify(ws, data)
                    if session is None:
                        break
                elif op == 6:
                    session = await self._resume(ws, data)
                    if session is None:
                        continue
                # presence updates (3), voice (4), member requests (8): ignored
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        self.identifies.append(data)
        if data.get("token") != self.token:
            self.closed_with.append(4004)
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if (intents & INTENT_MESSAGE_CONTENT and not self.privileged_message_content) or (
            intents & INTENT_GUILD_MEMBERS and not self.privileged_members
        ):
            self.closed_with.append(4014)
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        session = Session(secrets.token_hex(16), intents)
        self.sessions[session.id] = session
        ready = {
            "v": 10,
            "user": self.bot.to_json(),
            "guilds": [{"id": g, "unavailable": True} for g in self.guilds],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "session_type": "normal",
            "application": {"id": self.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        session.ws = ws
        await session.dispatch("READY", ready)
        if intents & INTENT_GUILDS:
            for guild in list(self.guilds.values()):
                await session.dispatch("GUILD_CREATE", self._guild_json(guild))
        await self._notify()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return None
        session.ws = ws
        missed, session.missed = session.missed, []
        for frame in missed:
            await ws.send_str(json.dumps(frame))
        await session.dispatch("RESUMED", {})
        await self._notify()
        return session

    # -- driving the bot: members doing things ----------------------------------------

    def _user(self, user: str | EmuUser) -> EmuUser:
        return user if isinstance(user, EmuUser) else self.users[user]

    def _interaction_base(
        self, itype: int, channel: EmuChannel, user: EmuUser, data: dict[str, Any]
    ) -> Interaction:
        iid = self._snowflake()
        token = "itok-" + secrets.token_urlsafe(24)
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": self.application_id,
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "channel_id": channel.id,
            "channel": self._channel_json(channel),
            "locale": "en-GB",
            "app_permissions": str(EVERYONE_PERMISSIONS),
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "context": 1 if channel.type == CHANNEL_DM else 0,
            "authorizing_integration_owners": {"0": channel.guild_id or "0"},
        }
        guild = self.guilds.get(channel.guild_id or "")
        if guild is not None:
            payload["guild_id"] = guild.id
            payload["guild_locale"] = "en-US"
            payload["guild"] = {"id": guild.id, "locale": "en-US", "features": []}
            payload["member"] = self._member_json(guild, user, with_permissions=True)
            payload["channel"]["permissions"] = payload["member"]["permissions"]
        else:
            payload["user"] = user.to_json()
        inter = Interaction(iid, token, itype, channel.guild_id, channel.id, user.id, data, payload)
        return inter

    async def _send_interaction(self, inter: Interaction) -> Interaction:
        self.interactions[inter.id] = inter
        self._by_token[inter.token] = inter
        inter.created = time.monotonic()
        live = sorted(self._live_sessions(), key=lambda s: s.identified_at)
        if not live:
            raise RuntimeError("no bot is connected to the emulator's gateway")
        await live[-1].dispatch("INTERACTION_CREATE", inter.payload)
        await self._notify()
        return inter

    def find_command(self, guild_id: str | None, name: str) -> dict[str, Any]:
        for scope in (guild_id, None):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name:
                    return cmd
        raise LookupError(f"no synced command /{name} (synced: {self.command_names(guild_id)})")

    def command_names(self, guild_id: str | None = None) -> list[str]:
        """Every invocable path, e.g. ["config set", "help"], for a guild plus globals."""
        names: list[str] = []
        for scope in dict.fromkeys((guild_id, None)):
            for cmd in self.commands.get(scope, []):
                subs = [o for o in cmd.get("options", []) if o["type"] in (1, 2)]
                if not subs:
                    names.append(cmd["name"])
                for sub in subs:
                    if sub["type"] == 1:
                        names.append(f"{cmd['name']} {sub['name']}")
                    else:
                        names.extend(
                            f"{cmd['name']} {sub['name']} {leaf['name']}"
                            for leaf in sub.get("options", [])
                        )
        return sorted(names)

    def _option_values(
        self,
        guild: EmuGuild | None,
        schema: list[dict[str, Any]],
        values: Mapping[str, Any],
        resolved: dict[str, Any],
        *,
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in schema}
        out: list[dict[str, Any]] = []
        for name, value in values.items():
            if name not in by_name:
                raise ValueError(f"no option {name!r}; options: {sorted(by_name)}")
            opt = by_name[name]
            otype = opt["type"]
            item: dict[str, Any] = {"name": name, "type": otype}
            if name == focused:
                item["value"] = str(value)
                item["focused"] = True
                out.append(item)
                continue
            choices = opt.get("choices")
            if otype == 4:
                item["value"] = int(value)
            elif otype == 5:
                item["value"] = bool(value)
            elif otype == 6:
                user = self.users[str(value)]
                item["value"] = user.id
                resolved.setdefault("users", {})[user.id] = user.to_json()
                if guild is not None and user.id in guild.members:
                    resolved.setdefault("members", {})[user.id] = self._member_json(
                        guild, user, with_user=False, with_permissions=True
                    )
            elif otype == 7:
                channel = self.channels[str(value)]
                item["value"] = channel.id
                resolved.setdefault("channels", {})[channel.id] = self._channel_json(channel)
            else:
                item["value"] = str(value)
                if "max_length" in opt and len(item["value"]) > opt["max_length"]:
                    raise ValueError(
                        f"{name}: Discord's client allows {opt['max_length']} characters"
                    )
            if choices and item["value"] not in [c["value"] for c in choices]:
                raise ValueError(f"{name}: Discord's client only offers {choices}")
            out.append(item)
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
        if missing and focused is None:
            raise ValueError(f"Discord's client requires {missing}")
        return out

    def _command_data(
        self,
        guild_id: str | None,
        words: list[str],
        options: Mapping[str, Any],
        *,
        focused: str | None = None,
    ) -> dict[str, Any]:
        cmd = self.find_command(guild_id, words[0])
        guild = self.guilds.get(guild_id or "")
        resolved: dict[str, Any] = {}
        schema = cmd.get("options", [])
        chain: list[dict[str, Any]] = []
        for word in words[1:]:
            sub = next((o for o in schema if o["name"] == word and o["type"] in (1, 2)), None)
            if sub is None:
                raise LookupError(
                    f"/{' '.join(words)} is not synced ({self.command_names(guild_id)})"
                )
            chain.append(sub)
            schema = sub.get("options", [])
        if any(o["type"] in (1, 2) for o in schema):
            raise LookupError(f"/{' '.join(words)} is a group; Discord cannot invoke it")
        leaf_options = self._option_values(guild, schema, options, resolved, focused=focused)
        nested: list[dict[str, Any]] = leaf_options
        for sub in reversed(chain):
            nested = [{"name": sub["name"], "type": sub["type"], "options": nested}]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": nested}
        if guild_id and cmd.get("guild_id"):
            data["guild_id"] = guild_id
        if resolved:
            data["resolved"] = resolved
        return data

    async def slash(
        self,
        guild: str | None,
        channel: str,
        user: str,
        path_words: list[str] | str,
        options: Mapping[str, Any] | None = None,
    ) -> Interaction:
        """A member runs a synced slash command, e.g. `["config", "set"]`, {"key": ..., ...}."""
        words = path_words.split() if isinstance(path_words, str) else list(path_words)
        data = self._command_data(guild, words, options or {})
        inter = self._interaction_base(2, self.channels[channel], self._user(user), data)
        return await self._send_interaction(inter)

    async def autocomplete(
        self,
        guild: str | None,
        channel: str,
        user: str,
        path_words: list[str] | str,
        options: Mapping[str, Any],
        focused: str,
    ) -> Interaction:
        """A member types into option `focused`; the bot answers with `choices`."""
        words = path_words.split() if isinstance(path_words, str) else list(path_words)
        data = self._command_data(guild, words, options, focused=focused)
        inter = self._interaction_base(4, self.channels[channel], self._user(user), data)
        return await self._send_interaction(inter)

    async def click(self, message: Mapping[str, Any], custom_id: str, user: str) -> Interaction:
        """A member presses the button `custom_id` on `message` (a record or API JSON)."""
        stored = self.all_messages.get(str(message["id"]))
        if stored is None:
            raise LookupError("that message does not exist (any more)")
        ids = [c.get("custom_id") for row in stored.components for c in row.get("components", [])]
        if custom_id not in ids:
            raise LookupError(f"no button {custom_id!r} on that message (buttons: {ids})")
        channel = self.channels[stored.channel_id]
        data = {"custom_id": custom_id, "component_type": 2}
        inter = self._interaction_base(3, channel, self._user(user), data)
        inter.payload["message"] = self._message_json(stored)
        inter.source_message_id = stored.id
        return await self._send_interaction(inter)

    async def submit_modal(
        self, opened_by: Interaction, values: Mapping[str, str], *, user: str | None = None
    ) -> Interaction:
        """A member fills in and submits the modal the bot opened in answer to `opened_by`."""
        modal = opened_by.modal
        if modal is None:
            raise LookupError("the bot opened no modal for that interaction")
        fields = [c for row in modal["components"] for c in row["components"]]
        known = {f["custom_id"]: f for f in fields}
        unknown = set(values) - set(known)
        if unknown:
            raise ValueError(f"no fields {sorted(unknown)} in the modal (fields: {sorted(known)})")
        rows = []
        for f in fields:
            value = str(values.get(f["custom_id"], f.get("value", "")))
            if f.get("required", True) and not value:
                raise ValueError(f"Discord's client requires {f['custom_id']!r}")
            if len(value) > f.get("max_length", 4000):
                raise ValueError(f"{f['custom_id']}: at most {f.get('max_length')} characters")
            rows.append(
                {
                    "type": 1,
                    "components": [{"type": 4, "custom_id": f["custom_id"], "value": value}],
                }
            )
        channel = self.channels[opened_by.channel_id]
        data = {"custom_id": modal["custom_id"], "components": rows}
        inter = self._interaction_base(5, channel, self._user(user or opened_by.user_id), data)
        if opened_by.source_message_id and opened_by.source_message_id in self.all_messages:
            inter.payload["message"] = self._message_json(
                self.all_messages[opened_by.source_message_id]
            )
            inter.source_message_id = opened_by.source_message_id
        return await self._send_interaction(inter)

    async def message_create(
        self,
        channel: str,
        user: str,
        content: str,
        *,
        thread: str | None = None,
        id: str | None = None,
    ) -> dict[str, Any]:
        """A member posts in a channel (or in `thread`). Passing an `id` seen before replays it."""
        target = self.channels[thread or channel]
        author = self._user(user)
        mid = id or self._snowflake()
        msg = self.all_messages.get(mid)
        if msg is None:
            msg = EmuMessage(mid, target.id, author.id, content, guild_id=target.guild_id)
            self._mentions_of(msg)
            self.all_messages[mid] = msg
            target.message_ids.append(mid)
        await self._dispatch_message("MESSAGE_CREATE", msg)
        return self.record(msg)

    async def message_update(self, channel: str, message_id: str, content: str) -> dict[str, Any]:
        """A member edits their message."""
        msg = self.all_messages[message_id]
        msg.content = content
        msg.edits += 1
        msg.edited_timestamp = now_iso()
        self._mentions_of(msg)
        await self._dispatch_message("MESSAGE_UPDATE", msg)
        return self.record(msg)

    def _mentions_of(self, msg: EmuMessage) -> None:
        msg.pings = {
            "users": [u for u in USER_MENTION.findall(msg.content) if u in self.users],
            "roles": ROLE_MENTION.findall(msg.content),
            "everyone": bool(MASS_MENTION.search(msg.content)),
        }

    async def _dispatch_message(self, event: str, msg: EmuMessage) -> None:
        channel = self.channels.get(msg.channel_id)
        if channel is None:
            return
        intent = INTENT_DIRECT_MESSAGES if channel.type == CHANNEL_DM else INTENT_GUILD_MESSAGES
        data = self._message_json(msg, gateway=True)

        def for_session(session: Session, base: dict[str, Any]) -> dict[str, Any]:
            if session.intents & INTENT_MESSAGE_CONTENT or channel.type == CHANNEL_DM:
                return base
            if msg.author_id == self.bot.id or self.bot.id in [u["id"] for u in base["mentions"]]:
                return base
            return dict(base, content="", embeds=[], attachments=[], components=[])

        await self._dispatch(event, data, intent, for_session)

    # -- JSON shapes ------------------------------------------------------------

    def _message_json(self, msg: EmuMessage, *, gateway: bool = False) -> dict[str, Any]:
        author = self.users.get(msg.author_id) or self.bot
        mentioned = [self.users[u].to_json() for u in msg.pings.get("users", []) if u in self.users]
        data: dict[str, Any] = {
            "id": msg.id,
            "channel_id": msg.channel_id,
            "author": author.to_json(),
            "content": msg.content,
            "timestamp": msg.timestamp,
            "edited_timestamp": msg.edited_timestamp,
            "tts": False,
            "mention_everyone": bool(msg.pings.get("everyone")),
            "mentions": mentioned,
            "mention_roles": list(msg.pings.get("roles", [])),
            "attachments": msg.attachments,
            "embeds": msg.embeds,
            "components": msg.components,
            "pinned": False,
            "type": msg.type,
            "flags": msg.flags,
        }
        if msg.guild_id:
            data["guild_id"] = msg.guild_id
            guild = self.guilds.get(msg.guild_id)
            if gateway and guild is not None and author.id in guild.members:
                data["member"] = self._member_json(
                    guild, author, with_user=False, with_permissions=False
                )
        if msg.nonce is not None:
            data["nonce"] = msg.nonce
        if msg.message_reference:
            data["message_reference"] = msg.message_reference
        if msg.webhook_id:
            data["webhook_id"] = msg.webhook_id
            data["application_id"] = self.application_id
        if msg.interaction_id:
            inter = self.interactions.get(msg.interaction_id)
            if inter is not None:
                data["interaction_metadata"] = {
                    "id": inter.id,
                    "type": inter.type,
                    "user": self.users[inter.user_id].to_json(),
                    "authorizing_integration_owners": {},
                }
        return data

    # -- REST plumbing ------------------------------------------------------------

    def _route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

        def deco(func: Handler) -> Handler:
            self._routes.append((method, regex, func))
            return func

        return deco

    @staticmethod
    def _json(
        data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        return web.Response(status=status, body=json.dumps(data).encode(), headers=all_headers)

    @staticmethod
    def _bucket_headers(path: str) -> dict[str, str]:
        bucket = format(abs(hash(re.sub(r"\d{6,}", "{id}", path))) % (1 << 40), "x")
        return {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": bucket,
        }

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        files: list[dict[str, Any]] = []
        if not request.can_read_body:
            return None, files
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/form-data"):
            form = await request.post()
            body: Any = None
            for name, value in form.items():
                if name == "payload_json":
                    raw_json = value if isinstance(value, str) else bytes(value)  # type: ignore[arg-type]
                    body = json.loads(raw_json)
                elif isinstance(value, web.FileField):
                    data = value.file.read()
                    files.append(
                        {"field": name, "filename": value.filename, "size": len(data), "data": data}
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        if ctype != "application/json":
            self.violations.append(f"{request.method} {request.path}: Content-Type {ctype!r}")
        return json.loads(raw), files

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(API_PREFIX) :]
        body, files = await self._read_body(request)
        rec = Recorded(request.method, path, dict(request.query), body, files=files)
        self.requests.append(rec)
        try:
            for injection in self._injections:
                if injection[1] > 0 and injection[0] in path:
                    injection[1] -= 1
                    rec.status = 429
                    retry = float(injection[2])
                    return self._json(
                        {
                            "message": "You are being rate limited.",
                            "retry_after": retry,
                            "global": False,
                        },
                        429,
                        {
                            "Via": "1.1 google",
                            "Retry-After": str(max(1, round(retry))),
                            "X-RateLimit-Limit": "5",
                            "X-RateLimit-Remaining": "0",
                            "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                            "X-RateLimit-Reset-After": f"{retry:.3f}",
                            "X-RateLimit-Bucket": "injected",
                            "X-RateLimit-Scope": "user",
                        },
                    )
            for method, regex, handler in self._routes:
                m = regex.match(path)
                if m and method == request.method:
                    needs_auth = not (
                        path.startswith("/interactions/") or path.startswith("/webhooks/")
                    )
                    if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                        raise ApiError(401, 0, "401: Unauthorized")
                    response = await handler(request, m.groupdict(), (body, files))
                    rec.status = response.status
                    if not path.startswith("/interactions/"):
                        response.headers.update(self._bucket_headers(path))
                    return response
            self.violations.append(f"{request.method} {path}: no such route")
            raise ApiError(404, 0, "404: Not Found")
        except ApiError as err:
            rec.status = err.status
            return self._json(err.body(), err.status)
        finally:
            await self._notify()

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        for msg in self.all_messages.values():
            for f in msg.files:
                if request.path.endswith("/" + f["filename"]):
                    return web.Response(body=f["data"])
        return web.Response(status=404)

    # -- validation -----------------------------------------------------------------

    @staticmethod
    def _check_message(
        body: Mapping[str, Any], *, has_files: bool, edit: bool = False
    ) -> list[str]:
        problems: list[str] = []
        content = body.get("content") or ""
        if len(content) > 2000:
            problems.append(f"content has {len(content)} characters (max 2000)")
        embeds = body.get("embeds") or []
        if len(embeds) > 10:
            problems.append(f"{len(embeds)} embeds (max 10)")
        total = 0
        for e in embeds:
            limits = {"title": 256, "description": 4096}
            for key, limit in limits.items():
                text = e.get(key) or ""
                total += len(text)
                if len(text) > limit:
                    problems.append(f"embed {key} has {len(text)} characters (max {limit})")
            footer = (e.get("footer") or {}).get("text") or ""
            total += len(footer)
            if len(footer) > 2048:
                problems.append(f"embed footer has {len(footer)} characters (max 2048)")
            author = (e.get("author") or {}).get("name") or ""
            total += len(author)
            if len(author) > 256:
                problems.append("embed author name over 256")
            fields = e.get("fields") or []
            if len(fields) > 25:
                problems.append(f"embed has {len(fields)} fields (max 25)")
            for f in fields:
                name, value = f.get("name") or "", f.get("value") or ""
                total += len(name) + len(value)
                if not name.strip() and name != "\u200b":
                    problems.append("embed field name is empty")
                if not value.strip() and value != "\u200b":
                    problems.append("embed field value is empty")
                if len(name) > 256:
                    problems.append(f"embed field name has {len(name)} characters (max 256)")
                if len(value) > 1024:
                    problems.append(f"embed field value has {len(value)} characters (max 1024)")
            url = e.get("url")
            if url and not str(url).startswith(("http://", "https://")):
                problems.append(f"embed url {url!r} is not http(s)")
        if total > 6000:
            problems.append(f"embeds have {total} characters in all (max 6000)")
        problems.extend(DiscordEmulator._check_components(body.get("components") or []))
        allowed = body.get("allowed_mentions")
        if allowed is not None:
            parse = allowed.get("parse", [])
            if any(p not in ("users", "roles", "everyone") for p in parse):
                problems.append(f"allowed_mentions.parse {parse!r}")
            if "users" in parse and allowed.get("users"):
                problems.append("allowed_mentions: parse users and a users list together")
        flags = int(body.get("flags") or 0)
        if flags & ~(EPHEMERAL | 4 | 4096):
            problems.append(f"flags {flags} not allowed")
        nonce = body.get("nonce")
        if nonce is not None and len(str(nonce)) > 25:
            problems.append("nonce longer than 25 characters")
        if not edit and not (content or embeds or has_files or body.get("components")):
            problems.append("Cannot send an empty message (50006)")
        return problems

    @staticmethod
    def _check_components(rows: list[dict[str, Any]]) -> list[str]:
        problems: list[str] = []
        if len(rows) > 5:
            problems.append(f"{len(rows)} action rows (max 5)")
        ids: list[str] = []
        for row in rows:
            if row.get("type") != 1:
                problems.append("top-level component is not an action row")
                continue
            items = row.get("components") or []
            if not 1 <= len(items) <= 5:
                problems.append(f"action row with {len(items)} components (1 to 5)")
            for c in items:
                if c.get("type") != 2:
                    continue
                style = c.get("style")
                label = c.get("label") or ""
                if len(label) > 80:
                    problems.append(f"button label has {len(label)} characters (max 80)")
                if not label and not c.get("emoji"):
                    problems.append("button without label or emoji")
                if style == 5:
                    if not c.get("url") or c.get("custom_id"):
                        problems.append("link button needs a url and no custom_id")
                elif style in (1, 2, 3, 4):
                    cid = c.get("custom_id") or ""
                    if not cid or len(cid) > 100:
                        problems.append(f"button custom_id {cid!r} must have 1 to 100 characters")
                    ids.append(cid)
                else:
                    problems.append(f"button style {style!r}")
        if len(ids) != len(set(ids)):
            problems.append("two components share a custom_id")
        return problems

    @staticmethod
    def _check_modal(data: Mapping[str, Any]) -> list[str]:
        problems: list[str] = []
        cid = data.get("custom_id") or ""
        if not 1 <= len(cid) <= 100:
            problems.append("modal custom_id must have 1 to 100 characters")
        title = data.get("title") or ""
        if not 1 <= len(title) <= 45:
            problems.append(f"modal title has {len(title)} characters (1 to 45)")
        rows = data.get("components") or []
        if not 1 <= len(rows) <= 5:
            problems.append(f"modal has {len(rows)} rows (1 to 5)")
        seen: set[str] = set()
        for row in rows:
            items = row.get("components") or []
            if row.get("type") != 1 or len(items) != 1 or items[0].get("type") != 4:
                problems.append("each modal row holds exactly one text input")
                continue
            ti = items[0]
            tid = ti.get("custom_id") or ""
            if not 1 <= len(tid) <= 100 or tid in seen:
                problems.append(f"text input custom_id {tid!r}")
            seen.add(tid)
            label = ti.get("label") or ""
            if not 1 <= len(label) <= 45:
                problems.append(f"text input label has {len(label)} characters (1 to 45)")
            if ti.get("style") not in (1, 2):
                problems.append("text input style must be 1 or 2")
            max_length = ti.get("max_length", 4000)
            if not 1 <= max_length <= 4000:
                problems.append(f"text input max_length {max_length} (1 to 4000)")
            value = ti.get("value") or ""
            if len(value) > min(max_length, 4000):
                problems.append("text input value longer than max_length")
            if len(ti.get("placeholder") or "") > 100:
                problems.append("text input placeholder over 100 characters")
        return problems

    @staticmethod
    def _check_options(options: list[dict[str, Any]], where: str, depth: int) -> list[str]:
        problems: list[str] = []
        if len(options) > 25:
            problems.append(f"{where}: {len(options)} options (max 25)")
        names = [o.get("name") for o in options]
        if len(names) != len(set(names)):
            problems.append(f"{where}: two options share a name")
        kinds = {o.get("type") in (1, 2) for o in options}
        if len(kinds) > 1:
            problems.append(f"{where}: subcommands mixed with plain options")
        optional_seen = False
        for o in options:
            name = str(o.get("name"))
            here = f"{where} {name}"
            if not NAME_RE.match(name):
                problems.append(f"{here}: bad name")
            desc = o.get("description") or ""
            if not 1 <= len(desc) <= 100:
                problems.append(f"{here}: description has {len(desc)} characters (1 to 100)")
            otype = o.get("type")
            if otype == 2:
                if depth != 0:
                    problems.append(f"{here}: a group can only sit at the top")
                subs = o.get("options") or []
                if not subs or any(s.get("type") != 1 for s in subs):
                    problems.append(f"{here}: a group holds only subcommands")
                problems.extend(DiscordEmulator._check_options(subs, here, depth + 1))
            elif otype == 1:
                problems.extend(DiscordEmulator._check_options(o.get("options") or [], here, 2))
            elif otype in (3, 4, 5, 6, 7, 8, 9, 10, 11):
                if o.get("required"):
                    if optional_seen:
                        problems.append(f"{here}: required option after an optional one")
                else:
                    optional_seen = True
                choices = o.get("choices") or []
                if len(choices) > 25:
                    problems.append(f"{here}: {len(choices)} choices (max 25)")
                if choices and o.get("autocomplete"):
                    problems.append(f"{here}: choices and autocomplete together")
                for c in choices:
                    if not 1 <= len(str(c.get("name", ""))) <= 100:
                        problems.append(f"{here}: choice name length")
                for key in ("min_length", "max_length"):
                    if key in o and not 0 <= int(o[key]) <= 6000:
                        problems.append(f"{here}: {key} out of 0..6000")
            else:
                problems.append(f"{here}: option type {otype!r}")
        return problems

    def _check_commands(self, commands: list[dict[str, Any]]) -> list[str]:
        problems: list[str] = []
        if len(commands) > 100:
            problems.append(f"{len(commands)} commands (max 100)")
        names = [c.get("name") for c in commands]
        if len(names) != len(set(names)):
            problems.append("two commands share a name")
        for c in commands:
            name = str(c.get("name"))
            if not NAME_RE.match(name):
                problems.append(f"/{name}: bad name")
            if c.get("type", 1) == 1:
                desc = c.get("description") or ""
                if not 1 <= len(desc) <= 100:
                    problems.append(f"/{name}: description has {len(desc)} characters (1 to 100)")
                problems.extend(self._check_options(c.get("options") or [], "/" + name, 0))
        return problems

    # -- REST handlers ------------------------------------------------------------------

    def _build_routes(self) -> None:
        r = self._route

        @r("GET", "/users/@me")
        async def me(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            return self._json(self.bot.to_json())

        @r("GET", "/oauth2/applications/@me")
        async def application(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            return self._json(
                {
                    "id": self.application_id,
                    "name": self.bot.name,
                    "icon": None,
                    "description": "Coinflip (emulated)",
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": self.owner.to_json(),
                    "verify_key": "0" * 64,
                    "flags": 0,
                    "team": None,
                    "bot": self.bot.to_json(),
                }
            )

        @r("GET", "/gateway")
        async def gateway(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            return self._json({"url": self.gateway_url})

        @r("GET", "/gateway/bot")
        async def gateway_bot(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            return self._json(
                {
                    "url": self.gateway_url,
                    "shards": max(1, (len(self.guilds) + 2499) // 2500),
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 1000 - len(self.identifies),
                        "reset_after": 86_400_000,
                        "max_concurrency": 1,
                    },
                }
            )

        async def put_commands(scope: str | None, app_id: str, body: Any) -> web.Response:
            if app_id != self.application_id:
                raise ApiError(403, 50001, "Missing Access")
            if not isinstance(body, list):
                self._violation("PUT commands", ["body must be a list"])
            self._violation(f"PUT commands scope={scope}", self._check_commands(body))
            old = {c["name"]: c for c in self.commands.get(scope, [])}
            stored = []
            for cmd in body:
                entry = dict(cmd)
                entry.setdefault("type", 1)
                entry.update(
                    id=old[cmd["name"]]["id"] if cmd["name"] in old else self._snowflake(),
                    application_id=self.application_id,
                    version=self._snowflake(),
                )
                if scope is not None:
                    entry["guild_id"] = scope
                stored.append(entry)
            self.commands[scope] = stored
            self.command_syncs.append((scope, len(stored)))
            return self._json(stored)

        @r("PUT", "/applications/{app}/commands")
        async def put_global(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            return await put_commands(None, p["app"], b[0])

        @r("PUT", "/applications/{app}/guilds/{guild}/commands")
        async def put_guild(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            if p["guild"] not in self.guilds:
                raise ApiError(404, 10004, "Unknown Guild")
            return await put_commands(p["guild"], p["app"], b[0])

        @r("GET", "/applications/{app}/commands")
        async def get_global(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            return self._json(self.commands.get(None, []))

        @r("GET", "/applications/{app}/guilds/{guild}/commands")
        async def get_guild(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            return self._json(self.commands.get(p["guild"], []))

        @r("POST", "/interactions/{id}/{token}/callback")
        async def callback(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            return await self._callback(request, p["id"], p["token"], b[0], b[1])

        @r("POST", "/webhooks/{app}/{token}")
        async def followup(request: web.Request, p: dict[str, str], b: Any) -> web.StreamResponse:
            inter = self._webhook_interaction(p["app"], p["token"])
            body, files = b
            self._violation("followup", self._check_message(body or {}, has_files=bool(files)))
            msg = self._new_message(inter.channel_id, body or {}, files, webhook=True)
            msg.interaction_id = inter.id
            if inter.original_id and self.all_messages[inter.original_id].pending:
                # The first followup after a deferral replaces the "thinking" message.
                original = self.all_messages[inter.original_id]
                self._apply_edit(original, body or {}, files)
                original.pending = False
                original.flags = EPHEMERAL if inter.initial_ephemeral else 0
                self._publish(original)
                inter.events.append(
                    {"kind": "followup", "message_id": original.id, "at": self._age(inter)}
                )
                return (
                    self._json(self._message_json(original))
                    if request.query.get("wait") in ("true", "1", "True")
                    else web.Response(status=204)
                )
            msg.flags = int((body or {}).get("flags") or 0) & (EPHEMERAL | 4 | 4096)
            self._store(msg, visible=not msg.ephemeral)
            inter.message_ids.append(msg.id)
            inter.events.append({"kind": "followup", "message_id": msg.id, "at": self._age(inter)})
            if request.query.get("wait") in ("true", "1", "True"):
                return self._json(self._message_json(msg))
            return web.Response(status=204)

        @r("GET", "/webhooks/{app}/{token}/messages/{mid}")
        async def webhook_get(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            inter = self._webhook_interaction(p["app"], p["token"])
            return self._json(self._message_json(self._webhook_message(inter, p["mid"])))

        @r("PATCH", "/webhooks/{app}/{token}/messages/{mid}")
        async def webhook_edit(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            inter = self._webhook_interaction(p["app"], p["token"])
            body, files = b
            self._violation(
                "webhook edit", self._check_message(body or {}, has_files=bool(files), edit=True)
            )
            msg = self._webhook_message(inter, p["mid"])
            self._apply_edit(msg, body or {}, files)
            msg.pending = False
            self._publish(msg)
            inter.events.append({"kind": "edit", "message_id": msg.id, "at": self._age(inter)})
            return self._json(self._message_json(msg))

        @r("DELETE", "/webhooks/{app}/{token}/messages/{mid}")
        async def webhook_delete(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            inter = self._webhook_interaction(p["app"], p["token"])
            msg = self._webhook_message(inter, p["mid"])
            msg.deleted = True
            msg.pending = False
            inter.events.append({"kind": "delete", "message_id": msg.id, "at": self._age(inter)})
            return web.Response(status=204)

        @r("POST", "/channels/{cid}/messages")
        async def create_message(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            channel = self._sendable(p["cid"])
            body, files = b
            body = body or {}
            self._violation("POST message", self._check_message(body, has_files=bool(files)))
            nonce = body.get("nonce")
            if nonce is not None and body.get("enforce_nonce"):
                key = (channel.id, str(nonce))
                if key in self._nonces and self._nonces[key] in self.all_messages:
                    return self._json(self._message_json(self.all_messages[self._nonces[key]]))
            ref = body.get("message_reference")
            if (
                ref
                and ref.get("fail_if_not_exists", True)
                and str(ref.get("message_id")) not in self.all_messages
            ):
                raise ApiError(
                    400, 50035, "Invalid Form Body", {"message_reference": "Unknown message"}
                )
            msg = self._new_message(channel.id, body, files)
            if nonce is not None:
                msg.nonce = nonce
                if body.get("enforce_nonce"):
                    self._nonces[(channel.id, str(nonce))] = msg.id
            if ref:
                msg.type = 19
                msg.message_reference = {
                    "type": 0,
                    "message_id": str(ref.get("message_id")),
                    "channel_id": channel.id,
                    "guild_id": channel.guild_id,
                }
                referenced = self.all_messages.get(str(ref.get("message_id")))
                self._pings(msg, replied_to=referenced.author_id if referenced else None)
            self._store(msg, visible=True)
            await self._dispatch_message("MESSAGE_CREATE", msg)
            return self._json(self._message_json(msg))

        @r("GET", "/channels/{cid}/messages/{mid}")
        async def get_message(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            channel = self._channel(p["cid"])
            msg = self.all_messages.get(p["mid"])
            if msg is None or msg.channel_id != channel.id or msg.deleted or msg.ephemeral:
                raise ApiError(404, 10008, "Unknown Message")
            return self._json(self._message_json(msg))

        @r("PATCH", "/channels/{cid}/messages/{mid}")
        async def edit_message(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            channel = self._sendable(p["cid"])
            msg = self.all_messages.get(p["mid"])
            if msg is None or msg.channel_id != channel.id or msg.deleted or msg.ephemeral:
                raise ApiError(404, 10008, "Unknown Message")
            if msg.author_id != self.bot.id:
                raise ApiError(403, 50005, "Cannot edit a message authored by another user")
            body, files = b
            self._violation(
                "PATCH message", self._check_message(body or {}, has_files=bool(files), edit=True)
            )
            self._apply_edit(msg, body or {}, files)
            await self._dispatch_message("MESSAGE_UPDATE", msg)
            return self._json(self._message_json(msg))

        @r("DELETE", "/channels/{cid}/messages/{mid}")
        async def delete_message(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            channel = self._sendable(p["cid"])
            msg = self.all_messages.get(p["mid"])
            if msg is None or msg.channel_id != channel.id or msg.deleted:
                raise ApiError(404, 10008, "Unknown Message")
            msg.deleted = True
            await self._dispatch(
                "MESSAGE_DELETE",
                {"id": msg.id, "channel_id": channel.id, "guild_id": channel.guild_id},
                INTENT_GUILD_MESSAGES,
            )
            return web.Response(status=204)

        @r("POST", "/channels/{cid}/messages/{mid}/threads")
        async def thread_from_message(
            request: web.Request, p: dict[str, str], b: Any
        ) -> web.Response:
            channel = self._sendable(p["cid"])
            msg = self.all_messages.get(p["mid"])
            if msg is None or msg.channel_id != channel.id:
                raise ApiError(404, 10008, "Unknown Message")
            if p["mid"] in self.channels:
                raise ApiError(400, 160004, "A thread has already been created for this message")
            name = str((b[0] or {}).get("name") or "")
            if not 1 <= len(name) <= 100:
                self._violation("thread", [f"thread name has {len(name)} characters (1 to 100)"])
            thread = await self._create_thread(channel, name, self.bot.id, msg.id)
            return self._json(self._channel_json(thread), 201)

        @r("POST", "/channels/{cid}/threads")
        async def thread_alone(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            channel = self._sendable(p["cid"])
            name = str((b[0] or {}).get("name") or "")
            if not 1 <= len(name) <= 100:
                self._violation("thread", [f"thread name has {len(name)} characters (1 to 100)"])
            thread = await self._create_thread(channel, name, self.bot.id, None)
            return self._json(self._channel_json(thread), 201)

        @r("GET", "/channels/{cid}")
        async def get_channel(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            return self._json(self._channel_json(self._channel(p["cid"])))

        @r("POST", "/channels/{cid}/typing")
        async def typing(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            self._channel(p["cid"])
            return web.Response(status=204)

        @r("POST", "/users/@me/channels")
        async def open_dm(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            uid = str((b[0] or {}).get("recipient_id"))
            user = self.users.get(uid)
            if user is None or user.bot:
                raise ApiError(400, 50033, "Invalid Recipient(s)")
            if user.dm_channel_id is None:
                cid = self._snowflake()
                self.channels[cid] = EmuChannel(cid, "", CHANNEL_DM, recipient_id=uid)
                user.dm_channel_id = cid
            return self._json(self._channel_json(self.channels[user.dm_channel_id]))

        @r("GET", "/guilds/{gid}")
        async def get_guild_route(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            guild = self.guilds.get(p["gid"])
            if guild is None:
                raise ApiError(404, 10004, "Unknown Guild")
            data = self._guild_json(guild)
            for key in ("channels", "threads", "members", "voice_states", "presences"):
                data.pop(key, None)
            return self._json(data)

        @r("GET", "/guilds/{gid}/members/{uid}")
        async def get_member(request: web.Request, p: dict[str, str], b: Any) -> web.Response:
            guild = self.guilds.get(p["gid"])
            if guild is None:
                raise ApiError(404, 10004, "Unknown Guild")
            if p["uid"] not in guild.members:
                raise ApiError(404, 10007, "Unknown Member")
            return self._json(
                self._member_json(guild, self.users[p["uid"]], with_permissions=False)
            )

    # -- REST helpers ---------------------------------------------------------------

    def _channel(self, cid: str) -> EmuChannel:
        channel = self.channels.get(cid)
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    def _sendable(self, cid: str) -> EmuChannel:
        channel = self._channel(cid)
        if channel.no_permission:
            raise ApiError(403, 50013, "Missing Permissions")
        if channel.type == CHANNEL_DM:
            user = self.users.get(channel.recipient_id or "")
            if user is None or not user.dms_open:
                raise ApiError(403, 50007, "Cannot send messages to this user")
        return channel

    async def _create_thread(
        self, parent: EmuChannel, name: str, owner: str, message_id: str | None
    ) -> EmuChannel:
        tid = message_id or self._snowflake()
        thread = EmuChannel(
            tid, name, CHANNEL_PUBLIC_THREAD, parent.guild_id, parent_id=parent.id, owner_id=owner
        )
        self.channels[tid] = thread
        if parent.guild_id:
            self.guilds[parent.guild_id].channel_ids.append(tid)
        payload = self._channel_json(thread)
        payload["newly_created"] = True
        await self._dispatch("THREAD_CREATE", payload, INTENT_GUILDS)
        return thread

    def _pings(self, msg: EmuMessage, *, replied_to: str | None = None) -> None:
        """Who this message would notify, given `allowed_mentions` as sent."""
        allowed = msg.allowed_mentions
        users = [u for u in USER_MENTION.findall(msg.content) if u in self.users]
        roles = ROLE_MENTION.findall(msg.content)
        everyone = bool(MASS_MENTION.search(msg.content))
        if allowed is None:
            parse = {"users", "roles", "everyone"}
            listed_users: list[str] = []
            listed_roles: list[str] = []
            replied = True
        else:
            parse = set(allowed.get("parse") or [])
            listed_users = [str(u) for u in allowed.get("users") or []]
            listed_roles = [str(r) for r in allowed.get("roles") or []]
            replied = bool(allowed.get("replied_user", False))
        pinged_users = [u for u in users if "users" in parse or u in listed_users]
        if replied_to and replied and replied_to not in pinged_users:
            pinged_users.append(replied_to)
        msg.pings = {
            "users": pinged_users,
            "roles": [r for r in roles if "roles" in parse or r in listed_roles],
            "everyone": everyone and "everyone" in parse,
        }

    def _new_message(
        self,
        channel_id: str,
        body: Mapping[str, Any],
        files: list[dict[str, Any]],
        *,
        webhook: bool = False,
    ) -> EmuMessage:
        channel = self.channels.get(channel_id)
        msg = EmuMessage(
            self._snowflake(),
            channel_id,
            self.bot.id,
            guild_id=channel.guild_id if channel else None,
        )
        if webhook:
            msg.webhook_id = self.application_id
        self._apply_edit(msg, body, files, edit=False)
        return msg

    def _apply_edit(
        self,
        msg: EmuMessage,
        body: Mapping[str, Any],
        files: list[dict[str, Any]],
        *,
        edit: bool = True,
    ) -> None:
        if "content" in body:
            msg.content = body.get("content") or ""
        if "embeds" in body:
            msg.embeds = [dict(e, type="rich") for e in body.get("embeds") or []]
        if "components" in body:
            msg.components = list(body.get("components") or [])
        if files or "attachments" in body:
            kept = [
                a
                for a in msg.attachments
                if any(str(k.get("id")) == str(a["id"]) for k in body.get("attachments") or [])
            ]
            msg.attachments = kept
            msg.files = [f for f in msg.files if any(f["filename"] == a["filename"] for a in kept)]
            for f in files:
                aid = self._snowflake()
                url = f"http://127.0.0.1:{self.port}/attachments/{msg.channel_id}/{aid}/{f['filename']}"
                msg.attachments.append(
                    {
                        "id": aid,
                        "filename": f["filename"],
                        "size": f["size"],
                        "url": url,
                        "proxy_url": url,
                    }
                )
                msg.files.append(f)
        if "allowed_mentions" in body or not edit:
            msg.allowed_mentions = body.get("allowed_mentions")
        if edit:
            msg.edits += 1
            msg.edited_timestamp = now_iso()
        self._pings(msg)

    def _store(self, msg: EmuMessage, *, visible: bool) -> None:
        self.all_messages[msg.id] = msg
        if visible:
            channel = self.channels.get(msg.channel_id)
            if channel is not None and msg.id not in channel.message_ids:
                channel.message_ids.append(msg.id)

    def _publish(self, msg: EmuMessage) -> None:
        """A placeholder or edited interaction message becomes visible in its channel if public."""
        self._store(msg, visible=not msg.ephemeral and not msg.pending)

    def _age(self, inter: Interaction) -> float:
        return round(time.monotonic() - inter.created, 4)

    def _webhook_interaction(self, app_id: str, token: str) -> Interaction:
        inter = self._by_token.get(token)
        if app_id != self.application_id or inter is None:
            raise ApiError(404, 10015, "Unknown Webhook")
        if time.monotonic() - inter.created > TOKEN_LIFETIME_SECONDS:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        if inter.initial_type is None:
            raise ApiError(404, 10015, "Unknown Webhook")
        return inter

    def _webhook_message(self, inter: Interaction, mid: str) -> EmuMessage:
        if mid == "@original":
            if inter.initial_type in (6, 7) and inter.source_message_id:
                target = inter.source_message_id
            elif inter.original_id:
                target = inter.original_id
            else:
                raise ApiError(404, 10008, "Unknown Message")
        else:
            target = mid
            if mid not in inter.message_ids and mid != inter.original_id:
                raise ApiError(404, 10008, "Unknown Message")
        msg = self.all_messages.get(target)
        if msg is None or msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    async def _callback(
        self,
        request: web.Request,
        iid: str,
        token: str,
        body: Any,
        files: list[dict[str, Any]],
    ) -> web.Response:
        inter = self.interactions.get(iid)
        if inter is None or inter.token != token:
            raise ApiError(404, 10062, "Unknown interaction")
        age = time.monotonic() - inter.created
        if inter.initial_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if age > self.deadline:
            inter.deadline_missed = True
            self.deadline_misses.append(inter.id)
            raise ApiError(404, 10062, "Unknown interaction")
        body = body or {}
        ctype = body.get("type")
        data = body.get("data") or {}
        allowed_types = {
            2: {4, 5, 9},
            3: {4, 5, 6, 7, 9},
            4: {8},
            5: {4, 5} | ({6, 7} if inter.source_message_id else set()),
        }[inter.type]
        if ctype not in allowed_types:
            self._violation(
                "callback", [f"type {ctype} is not valid for interaction type {inter.type}"]
            )
        message: EmuMessage | None = None
        if ctype in (4, 7):
            self._violation(
                "callback", self._check_message(data, has_files=bool(files), edit=ctype == 7)
            )
        if ctype == 9:
            self._violation("modal", self._check_modal(data))
        if ctype == 8:
            choices = data.get("choices") or []
            problems = [] if len(choices) <= 25 else [f"{len(choices)} choices (max 25)"]
            problems += [
                "choice name/value length"
                for c in choices
                if not 1 <= len(str(c.get("name", ""))) <= 100 or len(str(c.get("value", ""))) > 100
            ]
            self._violation("autocomplete", problems)
        inter.initial_type = ctype
        inter.initial_after = age
        inter.answered_event.set()
        if ctype == 4:
            message = self._new_message(inter.channel_id, data, files, webhook=True)
            message.flags = int(data.get("flags") or 0) & (EPHEMERAL | 4 | 4096)
            message.interaction_id = inter.id
            message.type = 20 if inter.type == 2 else 0
            self._store(message, visible=not message.ephemeral)
            inter.original_id = message.id
            inter.message_ids.append(message.id)
        elif ctype == 5:
            message = self._new_message(inter.channel_id, {}, [], webhook=True)
            message.flags = int(data.get("flags") or 0) & EPHEMERAL
            message.pending = True
            message.interaction_id = inter.id
            inter.initial_ephemeral = message.ephemeral
            self._store(message, visible=False)
            inter.original_id = message.id
            inter.message_ids.append(message.id)
        elif ctype == 7:
            assert inter.source_message_id is not None
            message = self.all_messages[inter.source_message_id]
            self._apply_edit(message, data, files)
        elif ctype == 8:
            inter.choices = list(data.get("choices") or [])
        elif ctype == 9:
            inter.modal = dict(data)
        inter.events.append(
            {
                "kind": "callback",
                "type": ctype,
                "message_id": message.id if message is not None else None,
                "ephemeral": bool(message.ephemeral) if message is not None else False,
                "at": round(age, 4),
            }
        )
        if request.query.get("with_response") in ("true", "1", "True"):
            answer: dict[str, Any] = {
                "interaction": {
                    "id": inter.id,
                    "type": inter.type,
                    "response_message_id": message.id if message else None,
                    "response_message_loading": ctype == 5,
                    "response_message_ephemeral": bool(message and message.ephemeral),
                }
            }
            if message is not None:
                answer["resource"] = {"type": ctype, "message": self._message_json(message)}
            else:
                answer["resource"] = {"type": ctype}
            return self._json(answer)
        return web.Response(status=204)


async def answered(emu: DiscordEmulator, inter: Interaction, timeout: float = 5.0) -> Interaction:  # noqa: ASYNC109
    """Wait until the bot has given `inter` its first response."""
    await emu.wait_for(lambda: inter.initial_type is not None, timeout)
    return inter
