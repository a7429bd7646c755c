"""`DiscordOutbox`: messages not tied to an interaction (scheduled posts, threads, DMs, edits).

Failures become `DeliveryError`: permanent for 403/404 (missing permission, deleted channel;
remembered for a while so nothing loops on them), temporary for 5xx, rate limits that are
too long, and network trouble. A `nonce` is sent with `enforce_nonce`, so a retried send
returns the first message instead of posting twice.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any

import discord

from bot.adapters.discord import render
from bot.adapters.discord.api import CANNOT_DM, INVALID_RECIPIENT, THREAD_EXISTS, DiscordApi
from bot.core.events import Channel, Platform
from bot.core.outbox import DeliveryError, Outbox
from bot.core.replies import MessageRef, Reply
from bot.core.safety import clip

log = logging.getLogger("coinflip.discord.outbox")

CAPABILITIES = frozenset({"buttons", "forms", "threads", "files", "ephemeral", "timestamps", "dm"})
THREAD_TYPES = (10, 11, 12)
DM_CLOSED_SECONDS = 3600.0
THREAD_ARCHIVE_MINUTES = 10080


class DiscordOutbox(Outbox):
    platform: Platform = "discord"

    def __init__(self, client: discord.Client, api: DiscordApi, *, read_messages: bool) -> None:
        self.client = client
        self.api = api
        self.capabilities = CAPABILITIES | ({"read_messages"} if read_messages else frozenset())
        self._dm_channels: OrderedDict[str, str] = OrderedDict()
        self._dm_closed: dict[str, float] = {}

    async def send(
        self,
        channel_id: str,
        reply: Reply,
        *,
        thread_id: str | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        target = thread_id or channel_id
        payload = render.message_payload(reply)
        if nonce:
            payload["nonce"] = render.nonce_for(nonce)
            payload["enforce_nonce"] = True
        data = await self.api.deliver(
            target,
            "POST",
            "/channels/{channel_id}/messages",
            payload=payload,
            files=render.files_of(reply),
            channel_id=target,
        )
        return MessageRef(channel_id, str(data["id"]), thread_id)

    async def edit(self, ref: MessageRef, reply: Reply) -> None:
        token = ref.extra.get("interaction_token")
        if token:
            app_id = ref.extra.get("application_id", "")
            try:
                await self.api.call(
                    "PATCH",
                    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                    payload=render.message_payload(reply, edit=True),
                    files=render.files_of(reply),
                    webhook_id=app_id,
                    webhook_token=token,
                    message_id=ref.message_id,
                )
            except discord.HTTPException as err:
                raise DeliveryError(
                    f"could not edit an interaction message ({err.status})",
                    permanent=err.status < 500,
                ) from err
            return
        target = ref.thread_id or ref.channel_id
        await self.api.deliver(
            target,
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            payload=render.message_payload(reply, edit=True),
            files=render.files_of(reply),
            channel_id=target,
            message_id=ref.message_id,
        )

    async def open_thread(
        self, channel_id: str, title: str, starter: Reply, *, nonce: str | None = None
    ) -> MessageRef:
        ref = await self.send(channel_id, starter, nonce=nonce)
        name = clip(" ".join(title.split()), 100) or "Thread"
        try:
            data: Any = await self.api.deliver(
                channel_id,
                "POST",
                "/channels/{channel_id}/messages/{message_id}/threads",
                payload={"name": name, "auto_archive_duration": THREAD_ARCHIVE_MINUTES},
                channel_id=channel_id,
                message_id=ref.message_id,
            )
            thread_id = str(data["id"])
        except DeliveryError as err:
            cause = err.__cause__
            if isinstance(cause, discord.HTTPException) and cause.code == THREAD_EXISTS:
                # A retried call (same nonce): the thread from last time has the starter's id.
                thread_id = ref.message_id
            else:
                raise
        return MessageRef(channel_id, ref.message_id, thread_id)

    async def dm(self, user_id: str, reply: Reply) -> MessageRef | None:
        closed_until = self._dm_closed.get(user_id)
        if closed_until is not None and time.monotonic() < closed_until:
            return None
        channel_id = self._dm_channels.get(user_id)
        if channel_id is None:
            try:
                data = await self.api.call(
                    "POST", "/users/@me/channels", payload={"recipient_id": user_id}
                )
            except discord.HTTPException as err:
                if err.code == INVALID_RECIPIENT or err.status == 403:
                    log.info("cannot open a DM user=%s code=%s", user_id, err.code)
                    return None
                raise DeliveryError(
                    f"could not open a DM ({err.status})", permanent=err.status < 500
                ) from err
            channel_id = str(data["id"])
            self._dm_channels[user_id] = channel_id
            if len(self._dm_channels) > 4096:
                self._dm_channels.popitem(last=False)
        try:
            payload = render.message_payload(reply)
            data = await self.api.call(
                "POST",
                "/channels/{channel_id}/messages",
                payload=payload,
                files=render.files_of(reply),
                channel_id=channel_id,
            )
        except discord.Forbidden as err:
            if err.code == CANNOT_DM:
                log.info("DMs closed user=%s", user_id)
                if len(self._dm_closed) > 10_000:
                    self._dm_closed.clear()
                self._dm_closed[user_id] = time.monotonic() + DM_CLOSED_SECONDS
                return None
            raise DeliveryError(f"DM refused ({err.code})", permanent=True) from err
        except discord.HTTPException as err:
            raise DeliveryError(f"DM failed ({err.status})", permanent=err.status < 500) from err
        return MessageRef(channel_id, str(data["id"]))

    async def send_private(
        self, channel_id: str, user_id: str, reply: Reply, *, thread_id: str | None = None
    ) -> bool:
        return False  # Discord has no ephemeral messages outside interactions.

    async def channel_info(self, channel_id: str) -> Channel | None:
        if not channel_id.isdigit():
            return None
        cached = self.client.get_channel(int(channel_id))
        if cached is not None:
            return channel_of(cached)
        try:
            data = await self.api.call("GET", "/channels/{channel_id}", channel_id=channel_id)
        except (discord.Forbidden, discord.NotFound):
            return None
        except discord.HTTPException as err:
            raise DeliveryError(f"channel lookup failed ({err.status})", permanent=False) from err
        kind = data.get("type")
        if kind in THREAD_TYPES and data.get("parent_id"):
            return Channel(
                str(data["parent_id"]), str(data.get("name") or ""), False, str(data["id"])
            )
        return Channel(str(data["id"]), str(data.get("name") or ""), kind in (1, 3))

    def mention_user(self, user_id: str) -> str:
        return f"<@{user_id}>"

    def mention_channel(self, channel_id: str) -> str:
        return f"<#{channel_id}>"


def channel_of(channel: Any) -> Channel:
    """A discord.py channel (or thread, DM, partial) -> neutral `Channel`."""
    if isinstance(channel, discord.Thread):
        parent = channel.parent
        return Channel(
            str(channel.parent_id),
            parent.name if parent is not None else "",
            False,
            str(channel.id),
        )
    if isinstance(channel, discord.DMChannel | discord.GroupChannel):
        return Channel(str(channel.id), "", True)
    if isinstance(channel, discord.PartialMessageable):
        return Channel(
            str(channel.id),
            "",
            channel.type in (discord.ChannelType.private, discord.ChannelType.group),
        )
    return Channel(str(channel.id), str(getattr(channel, "name", "") or ""))
