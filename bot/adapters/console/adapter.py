"""Async terminal REPL. `/help`, `/<command> args`; buttons become numbered choices, forms prompts.

Lines that do not start with "/" are chat messages, so listeners (e.g. encouragement) see them.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.core.context import Ctx
from bot.core.events import Channel, Click, Community, Incoming, User
from bot.core.outbox import Outbox
from bot.core.replies import Button, Form, MessageRef, Reply

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("coinflip.console")
COMMUNITY = Community("local", "Local console", "console")
USER = User("you", "you", "console", is_admin=True)
CHANNEL = Channel("general", "general")


def render(reply: Reply) -> str:
    parts: list[str] = []
    if reply.private:
        parts.append("(only you can see this)")
    if reply.text:
        parts.append(reply.text)
    for card in reply.cards:
        parts.append(f"┌ {card.title}")
        if card.body:
            parts.extend(f"│ {line}" for line in card.body.splitlines())
        for f in card.fields:
            lines = f.value.splitlines() or [""]
            if len(lines) == 1 and f.inline:
                parts.append(f"│ {f.name}: {lines[0]}")
            else:
                parts.append(f"│ {f.name}")
                parts.extend(f"│   {line}" for line in lines)
        if card.url:
            parts.append(f"│ {card.url}")
        if card.footer:
            parts.append(f"└ {card.footer}")
        else:
            parts.append("└")
    return "\n".join(parts)


class ConsoleOutbox(Outbox):
    platform = "console"
    capabilities = frozenset({"buttons", "forms", "threads", "files", "read_messages", "ephemeral"})

    def __init__(self, adapter: ConsoleAdapter) -> None:
        self.adapter = adapter
        self._ids = itertools.count(1)

    def _id(self) -> str:
        return str(next(self._ids))

    async def send(
        self,
        channel_id: str,
        reply: Reply,
        *,
        thread_id: str | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        where = f"#{channel_id}" + (f" › thread {thread_id}" if thread_id else "")
        self.adapter.show(reply, header=f"[{where}]")
        return MessageRef(channel_id, self._id(), thread_id)

    async def edit(self, ref: MessageRef, reply: Reply) -> None:
        self.adapter.show(reply, header=f"[#{ref.channel_id} edited message {ref.message_id}]")

    async def open_thread(
        self, channel_id: str, title: str, starter: Reply, *, nonce: str | None = None
    ) -> MessageRef:
        message_id = self._id()
        self.adapter.show(starter, header=f"[#{channel_id}] new thread: {title}")
        return MessageRef(channel_id, message_id, thread_id=message_id)

    async def dm(self, user_id: str, reply: Reply) -> MessageRef | None:
        self.adapter.show(reply, header=f"[direct message to {user_id}]")
        return MessageRef(f"dm-{user_id}", self._id())

    async def send_private(
        self, channel_id: str, user_id: str, reply: Reply, *, thread_id: str | None = None
    ) -> bool:
        self.adapter.show(reply, header=f"[#{channel_id}, only {user_id} can see this]")
        return True


class ConsoleCtx(Ctx):
    def __init__(
        self,
        adapter: ConsoleAdapter,
        *,
        click: Click | None = None,
        message: Incoming | None = None,
    ) -> None:
        super().__init__(
            user=USER,
            community=COMMUNITY,
            channel=CHANNEL,
            outbox=adapter.outbox,
            click=click,
            message=message,
        )
        self.adapter = adapter

    async def _send(self, reply: Reply) -> MessageRef | None:
        self.adapter.show(reply)
        return None

    async def _open_form(self, form: Form) -> None:
        await self.adapter.fill_form(self, form)


class ConsoleAdapter:
    def __init__(
        self,
        app: App,
        *,
        stdin: asyncio.StreamReader | None = None,
        out: TextIO | None = None,
        files_dir: Path = Path("data/files"),
    ) -> None:
        self.app = app
        self.outbox = ConsoleOutbox(self)
        self.out = out or sys.stdout
        self.files_dir = files_dir
        self.choices: list[Button] = []
        self._stdin = stdin
        self._pending: list[Callable[[], object]] = []
        self._message_ids = itertools.count(1)

    # -- output --------------------------------------------------------------

    def write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self, reply: Reply, header: str = "") -> None:
        text = render(reply)
        if header:
            text = f"{header}\n{text}" if text else header
        if reply.attachment is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / reply.attachment.filename
            path.write_bytes(reply.attachment.data)
            text += f"\n(file saved: {path})"
        clickable = [b for b in reply.buttons if b.url is None]
        links = [b for b in reply.buttons if b.url is not None]
        if clickable:
            self.choices = clickable
            text += "\n" + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(clickable, 1))
        for b in links:
            text += f"\n{b.label}: {b.url}"
        self.write(text)

    # -- input ---------------------------------------------------------------

    async def _reader(self) -> asyncio.StreamReader:
        if self._stdin is None:
            loop = asyncio.get_running_loop()
            reader = asyncio.StreamReader()
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
            self._stdin = reader
        return self._stdin

    async def readline(self, prompt: str = "") -> str | None:
        if prompt:
            self.out.write(prompt)
            self.out.flush()
        line = await (await self._reader()).readline()
        if not line:
            return None
        return line.decode("utf-8", errors="replace").rstrip("\r\n")

    async def fill_form(self, ctx: Ctx, form: Form) -> None:
        self.write(f"── {form.title} ── (an empty answer keeps the default; type /cancel to stop)")
        values: dict[str, str] = {}
        for field in form.fields:
            hint = (
                f" [{field.default}]"
                if field.default
                else (" (optional)" if not field.required else "")
            )
            while True:
                answer = await self.readline(f"{field.label}{hint}: ")
                if answer is None or answer.strip() == "/cancel":
                    self.write("Form cancelled; nothing was saved.")
                    return
                answer = answer.strip() or field.default
                if field.required and not answer:
                    self.write("This one is needed.")
                    continue
                if len(answer) > field.max_length:
                    self.write(
                        f"That is {len(answer)} characters; the limit is {field.max_length}."
                    )
                    continue
                values[field.id] = answer
                break
        submit_ctx = ConsoleCtx(self)
        self._pending.append(
            lambda: self.app.dispatcher.run_submit(submit_ctx, form.id, values, form.meta)
        )

    async def handle_line(self, line: str) -> bool:
        """Process one input line; False means quit."""
        text = line.strip()
        if not text:
            return True
        if text in ("/quit", "/exit"):
            return False
        if text.isdigit() and self.choices:
            index = int(text) - 1
            if 0 <= index < len(self.choices):
                button = self.choices[index]
                click = Click(button.action, button.value, USER, COMMUNITY, CHANNEL)
                await self.app.dispatcher.run_click(
                    ConsoleCtx(self, click=click), button.action, button.value
                )
            else:
                self.write(f"Pick a number from 1 to {len(self.choices)}.")
        elif text.startswith("/"):
            ctx = ConsoleCtx(self)
            if not await self.app.dispatcher.run_text(ctx, text[1:]):
                self.write(f"I don't know `{text.split()[0]}`. Type /help to see what I can do.")
        else:
            message = Incoming(str(next(self._message_ids)), USER, COMMUNITY, CHANNEL, text)
            await self.app.dispatcher.run_listeners(
                "message", ConsoleCtx(self, message=message), message
            )
        while self._pending:
            await self._pending.pop(0)()  # type: ignore[misc]
        return True

    async def run(self) -> None:
        self.app.attach(self.outbox)
        await self.app.start()
        self.write(
            f"Coinflip {self.app.version}, local console. Type /help to begin, /quit to leave."
        )
        prompt = "> " if self._stdin is None and sys.stdin.isatty() else ""
        try:
            while True:
                line = await self.readline(prompt)
                if line is None or not await self.handle_line(line):
                    break
        finally:
            self.write("Bye for now.")
            await self.app.stop()
