"""Run the real Slack adapter (slack-bolt) against the Slack emulator, in-process.

    async with running_slack(app) as slack:            # or mode="socket"
        result = await slack.command("help")
        assert result.status == 200 and "Coinflip commands" in result.text
        clicked = await slack.click(result, "Show me")
        done = await slack.submit(clicked, {"goal": "ship it"})
        seen = await slack.say("got rejected again", thread_ts=None)

Each call waits for the whole answer: the ack, then everything the bot makes visible
(response_url posts, ephemerals, messages, updates, files, modals) until the adapter has
no unfinished work and the emulator has seen no traffic for a short quiet period.
See tests/README.md ("Slack harness").
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from bot.adapters.slack import SlackAdapter
from bot.app import App
from bot.config import Config, Secrets
from bot.storage.db import Database
from tests.conftest import make_config
from tests.fakes.slack_emulator import Delivery, SlackEmulator, SlackRequest, flatten

Mode = Literal["http", "socket"]
_template: dict[str, Path] = {}


async def slack_config(tmp_path: Path, **overrides: Any) -> Config:
    """`make_config` made fast for adapter tests: a copy of a database migrated once per
    session, and an empty content folder (these tests need cogs, not the advice library).
    Pass it as `app_factory(config=...)`."""
    if "db" not in _template:
        folder = Path(tempfile.mkdtemp(prefix="coinflip-slack-template-"))
        db = Database(f"sqlite+aiosqlite:///{folder / 'template.db'}")
        await db.connect()
        await db.close()
        _template["db"] = folder / "template.db"
    target = tmp_path / "slack.db"
    shutil.copyfile(_template["db"], target)
    content = tmp_path / "no-content"
    content.mkdir(exist_ok=True)
    config = make_config(tmp_path, "slack", **overrides)
    config.content.path = str(content)
    return config


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message_text(message: dict[str, Any]) -> str:
    """What a member reads: the blocks when there are any, else the text; entities decoded."""
    text = flatten(message.get("blocks") or []) or str(message.get("text") or "")
    return html.unescape(text)


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in message.get("blocks") or []:
        if block.get("type") != "actions":
            continue
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                found.append(
                    {
                        "action_id": element.get("action_id"),
                        "value": element.get("value"),
                        "label": (element.get("text") or {}).get("text", ""),
                        "url": element.get("url"),
                        "element": element,
                        "message": message,
                    }
                )
    return found


@dataclass
class Result:
    """One exchange: the ack and everything the bot showed afterwards."""

    status: int
    ack_ms: float
    delivery: Delivery | None
    messages: list[dict[str, Any]] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ephemeral(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["ephemeral"]]

    @property
    def public(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if not m["ephemeral"]]

    @property
    def text(self) -> str:
        return "\n".join(message_text(m) for m in self.messages)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for m in self.messages for b in buttons_of(m)]

    @property
    def view(self) -> dict[str, Any] | None:
        return self.views[-1] if self.views else None


class SlackHarness:
    def __init__(self, app: App, emu: SlackEmulator, adapter: SlackAdapter, mode: Mode) -> None:
        self.app = app
        self.emu = emu
        self.adapter = adapter
        self.mode = mode
        self.team_id = emu.team_id
        self.channel_id = emu.add_channel("general")
        self.member = emu.add_user("mira")
        self.admin = emu.add_user("ada", admin=True)

    @property
    def url(self) -> str:
        assert self.adapter.url is not None, "no HTTP endpoint in Socket Mode"
        return self.adapter.url

    def add_channel(self, name: str, **kwargs: Any) -> str:
        return self.emu.add_channel(name, **kwargs)

    def add_user(self, name: str, admin: bool = False) -> str:
        return self.emu.add_user(name, admin=admin)

    def channel_messages(self, channel_id: str | None = None) -> list[dict[str, Any]]:
        return self.emu.channel_messages(channel_id or self.channel_id)

    async def deliver(
        self,
        request: SlackRequest,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        bad_signature: bool = False,
        stale: bool = False,
    ) -> Delivery:
        if self.mode == "socket":
            return await self.emu.send_socket(
                request, retry_num=retry_num, retry_reason=retry_reason
            )
        return await self.emu.send_http(
            self.url,
            request,
            retry_num=retry_num,
            retry_reason=retry_reason,
            bad_signature=bad_signature,
            stale=stale,
        )

    async def exchange(
        self,
        request: SlackRequest,
        *,
        at_least: int = 1,
        within: float = 6.0,
        quiet: float = 0.12,
        **deliver: Any,
    ) -> Result:
        """Deliver one request and collect everything visible that follows."""
        sent_before = len(self.emu.sent)
        views_before = len(self.emu.opened_views)
        since = self.emu.activity
        delivery = await self.deliver(request, **deliver)
        if delivery.status != 200:
            at_least = 0
        await self.emu.settle(
            since, quiet=quiet, within=within, at_least=at_least, busy=lambda: self.adapter.busy
        )
        return Result(
            delivery.status,
            delivery.ack_ms,
            delivery,
            [s.as_dict() for s in self.emu.sent[sent_before:]],
            list(self.emu.opened_views[views_before:]),
        )

    async def command(
        self,
        text: str,
        *,
        user: str | None = None,
        channel_id: str | None = None,
        at_least: int = 1,
        within: float = 6.0,
        bad_signature: bool = False,
        stale: bool = False,
    ) -> Result:
        request = self.emu.slash_command(
            text, user_id=user or self.member, channel_id=channel_id or self.channel_id
        )
        return await self.exchange(
            request,
            at_least=at_least,
            within=within,
            bad_signature=bad_signature,
            stale=stale,
        )

    async def click(
        self,
        result_or_message: Result | dict[str, Any],
        label: str,
        *,
        user: str | None = None,
        at_least: int = 1,
        within: float = 6.0,
    ) -> Result:
        if isinstance(result_or_message, Result):
            candidates = result_or_message.buttons
        else:
            candidates = buttons_of(result_or_message)
        matches = [b for b in candidates if b["label"] == label]
        if not matches:
            labels = [b["label"] for b in candidates]
            raise AssertionError(f"no button {label!r}; buttons: {labels}")
        button = matches[-1]
        request = self.emu.block_actions(
            button["message"], button["element"], user_id=user or self.member
        )
        return await self.exchange(request, at_least=at_least, within=within)

    async def submit(
        self,
        result_with_view: Result | dict[str, Any],
        values: dict[str, str],
        *,
        user: str | None = None,
        at_least: int = 1,
        within: float = 6.0,
    ) -> Result:
        view = result_with_view.view if isinstance(result_with_view, Result) else result_with_view
        if view is None:
            raise AssertionError("no modal was opened")
        request = self.emu.view_submission(view, values, user_id=user or self.member)
        return await self.exchange(request, at_least=at_least, within=within)

    async def say(
        self,
        text: str,
        *,
        user: str | None = None,
        channel_id: str | None = None,
        thread_ts: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
        at_least: int = 0,
        within: float = 6.0,
        event: dict[str, Any] | None = None,
    ) -> Result:
        """A member posts `text` (stored in the channel like Slack does) -> a message event.

        Pass the same `event` and `event_id` with `retry_num` to replay a delivery.
        """
        if event is None:
            event = self.emu.message_event(
                text,
                user_id=user or self.member,
                channel_id=channel_id or self.channel_id,
                thread_ts=thread_ts,
            )
        request = self.emu.event_callback(event, event_id=event_id)
        result = await self.exchange(request, at_least=at_least, within=within, retry_num=retry_num)
        return result


@contextlib.asynccontextmanager
async def running_slack(
    app: App, *, mode: Mode = "http", ready_timeout: float = 10.0
) -> AsyncIterator[SlackHarness]:
    """Start the emulator, point `app.config` at it, run `SlackAdapter(app).run()` as a task."""
    emu = SlackEmulator(command=app.config.slack.command)
    await emu.start()
    config = app.config
    config.slack.api_base_url = emu.base_url
    config.slack.http_host = "127.0.0.1"
    config.slack.http_port = free_port()
    config.secrets = Secrets(
        slack_bot_token=SecretStr(emu.bot_token),
        slack_signing_secret=SecretStr(emu.signing_secret),
        slack_app_token=SecretStr(emu.app_token) if mode == "socket" else None,
    )
    adapter = SlackAdapter(app)
    task = asyncio.create_task(adapter.run(), name="slack-adapter")
    try:
        ready = asyncio.create_task(adapter.ready.wait())
        done, _ = await asyncio.wait(
            {ready, task}, timeout=ready_timeout, return_when="FIRST_COMPLETED"
        )
        if task in done:
            ready.cancel()
            task.result()  # raises the start-up error
            raise RuntimeError("the Slack adapter stopped during start-up")
        if ready not in done:
            ready.cancel()
            raise TimeoutError("the Slack adapter did not become ready")
        yield SlackHarness(app, emu, adapter, mode)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await emu.close()
