"""Drive the real Discord adapter (real discord.py) against the local Discord emulator.

    async with running_discord(app) as dc:
        result = await dc.slash("help")
        assert result.ephemeral and "Coinflip commands" in result.text

See tests/README.md, section "Discord harness".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from bot.adapters.discord import DiscordAdapter
from bot.app import App
from tests.fakes.discord_emulator import DiscordEmulator, Interaction

START_TIMEOUT = 15.0
ANSWER_TIMEOUT = 10.0


@dataclass(frozen=True)
class ButtonInfo:
    label: str
    custom_id: str | None
    url: str | None
    style: int


def message_text(message: Mapping[str, Any]) -> str:
    """Content plus embed titles, descriptions, fields and footers, one per line."""
    parts = [str(message.get("content") or "")]
    for e in message.get("embeds") or []:
        parts.append(e.get("title") or "")
        parts.append(e.get("description") or "")
        for f in e.get("fields") or []:
            parts.append(f"{f.get('name', '')}\n{f.get('value', '')}")
        parts.append((e.get("footer") or {}).get("text") or "")
    return "\n".join(p for p in parts if p and p != "\u200b")


def message_buttons(message: Mapping[str, Any]) -> list[ButtonInfo]:
    return [
        ButtonInfo(c.get("label") or "", c.get("custom_id"), c.get("url"), int(c.get("style", 0)))
        for row in message.get("components") or []
        for c in row.get("components") or []
        if c.get("type") == 2
    ]


@dataclass
class Result:
    """What the bot did in answer to one interaction."""

    interaction: Interaction | None
    messages: list[dict[str, Any]] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.messages) and all(m["ephemeral"] for m in self.messages)

    @property
    def text(self) -> str:
        return "\n".join(message_text(m) for m in self.messages)

    @property
    def buttons(self) -> list[ButtonInfo]:
        return [b for m in self.messages for b in message_buttons(m)]

    def find_button(self, label_or_custom_id: str) -> tuple[dict[str, Any], ButtonInfo]:
        for m in reversed(self.messages):
            for b in message_buttons(m):
                if label_or_custom_id in (b.label, b.custom_id):
                    return m, b
        raise LookupError(f"no button {label_or_custom_id!r}; buttons: {self.buttons}")


class DiscordHarness:
    def __init__(
        self,
        app: App,
        emu: DiscordEmulator,
        adapter: DiscordAdapter,
        *,
        guild_id: str,
        channel_id: str,
        member: str,
        admin: str,
    ) -> None:
        self.app = app
        self.emu = emu
        self.adapter = adapter
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.member = member
        self.admin = admin

    async def add_channel(self, name: str, *, no_permission: bool = False) -> str:
        return await self.emu.add_channel(self.guild_id, name, no_permission=no_permission)

    async def add_user(self, name: str, **kwargs: Any) -> str:
        return await self.emu.add_user(name, **kwargs)

    async def settle(self, inter: Interaction) -> Result:
        """Wait for the first response, then until the bot has finished handling it."""
        emu, adapter = self.emu, self.adapter
        await emu.wait_for(lambda: inter.answered or inter.deadline_missed, ANSWER_TIMEOUT)
        await emu.wait_for(lambda: not adapter.busy, ANSWER_TIMEOUT)
        return Result(inter, emu.interaction_messages(inter), inter.modal, inter.choices)

    async def slash(
        self,
        path: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: str | None = None,
        channel_id: str | None = None,
    ) -> Result:
        """Run `/path` as typed on Discord (e.g. "config set"); waits for the full answer."""
        inter = await self.emu.slash(
            self.guild_id,
            channel_id or self.channel_id,
            user or self.member,
            path.split(),
            dict(options or {}),
        )
        return await self.settle(inter)

    async def autocomplete(
        self,
        path: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        user: str | None = None,
    ) -> list[str]:
        inter = await self.emu.autocomplete(
            self.guild_id, self.channel_id, user or self.member, path.split(), options, focused
        )
        result = await self.settle(inter)
        return [str(c["value"]) for c in result.choices or []]

    async def click(
        self,
        result_or_message: Result | Mapping[str, Any],
        label_or_custom_id: str,
        *,
        user: str | None = None,
    ) -> Result:
        """Press a button (by label or custom_id) on a result's messages or on one message."""
        if isinstance(result_or_message, Result):
            message, button = result_or_message.find_button(label_or_custom_id)
            clicker = user or (
                result_or_message.interaction.user_id
                if result_or_message.interaction
                else self.member
            )
        else:
            message = dict(result_or_message)
            button = next(
                (
                    b
                    for b in message_buttons(message)
                    if label_or_custom_id in (b.label, b.custom_id)
                ),
                ButtonInfo(label_or_custom_id, label_or_custom_id, None, 2),
            )
            clicker = user or self.member
        if button.custom_id is None:
            raise LookupError(f"{button.label!r} is a link button; it sends no click")
        inter = await self.emu.click(message, button.custom_id, clicker)
        return await self.settle(inter)

    async def submit(
        self, result_with_modal: Result, values: Mapping[str, str], *, user: str | None = None
    ) -> Result:
        if result_with_modal.interaction is None or result_with_modal.modal is None:
            raise LookupError("that result opened no modal")
        inter = await self.emu.submit_modal(result_with_modal.interaction, values, user=user)
        return await self.settle(inter)

    async def say(
        self,
        text: str,
        *,
        user: str | None = None,
        channel_id: str | None = None,
        thread_id: str | None = None,
        message_id: str | None = None,
    ) -> None:
        """Post a message as a member; returns once the bot's listeners have run."""
        adapter = self.adapter
        before = list(adapter.handled).count(message_id) if message_id else 0
        record = await self.emu.message_create(
            channel_id or self.channel_id,
            user or self.member,
            text,
            thread=thread_id,
            id=message_id,
        )
        mid = str(record["id"])
        await self.emu.wait_for(
            lambda: list(adapter.handled).count(mid) > before and not adapter.busy,
            ANSWER_TIMEOUT,
        )

    async def edit(self, message_id: str, text: str, *, channel_id: str | None = None) -> None:
        adapter = self.adapter
        before = list(adapter.handled).count(message_id)
        await self.emu.message_update(channel_id or self.channel_id, message_id, text)
        await self.emu.wait_for(
            lambda: list(adapter.handled).count(message_id) > before and not adapter.busy,
            ANSWER_TIMEOUT,
        )

    def channel_messages(self, channel_id: str | None = None) -> list[dict[str, Any]]:
        return self.emu.messages(channel_id or self.channel_id)

    def problems(self) -> list[str]:
        """Limit violations, missed 3 s deadlines and unanswered interactions so far."""
        found = list(self.emu.violations)
        found += [f"deadline missed: interaction {i}" for i in self.emu.deadline_misses]
        found += [f"never answered: interaction {i.id}" for i in self.emu.unanswered()]
        return found


@contextlib.asynccontextmanager
async def running_discord(
    app: App,
    *,
    emulator: DiscordEmulator | None = None,
    message_content: bool = True,
) -> AsyncIterator[DiscordHarness]:
    """Start the emulator (or use `emulator`), run `DiscordAdapter(app)` against it, yield."""
    own = emulator is None
    emu = emulator or DiscordEmulator()
    await emu.start()
    if emu.guilds:
        gid = next(iter(emu.guilds))
        guild_id, channel_id = gid, emu.guilds[gid].channel_ids[0]
    else:
        ids = await emu.add_guild("Coinflip test guild", channels=["general"])
        guild_id, channel_id = ids.id, ids.channels["general"]
    member = await emu.add_user("member")
    admin = await emu.add_user("admin", admin=True)
    config = app.config
    config.discord.api_base_url = emu.api_base_url
    config.discord.gateway_url = emu.gateway_url
    config.discord.message_content_intent = message_content
    config.secrets.discord_token = SecretStr(emu.token)
    adapter = DiscordAdapter(app, ready_timeout=0.05)
    task = asyncio.create_task(adapter.run())
    ready = asyncio.create_task(adapter.ready.wait())
    try:
        done, _ = await asyncio.wait(
            {task, ready}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            task.result()  # raises what went wrong
            raise RuntimeError("the Discord adapter stopped before it was ready")
        if ready not in done:
            raise TimeoutError(f"the bot was not ready within {START_TIMEOUT} s")
        await adapter.synced.wait()
        yield DiscordHarness(
            app,
            emu,
            adapter,
            guild_id=guild_id,
            channel_id=channel_id,
            member=member,
            admin=admin,
        )
    finally:
        ready.cancel()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if own:
            await emu.stop()
