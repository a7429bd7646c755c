"""Drive the real console adapter in-process: feed lines, read what it printed."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from bot.adapters.console import adapter as console_adapter
from bot.adapters.console.adapter import ConsoleAdapter
from bot.app import App
from bot.core.events import Channel, Incoming, User


class ConsoleHarness:
    def __init__(self, app: App, files_dir: Path | None = None) -> None:
        self.stdin = asyncio.StreamReader()
        self.out = io.StringIO()
        self.adapter = ConsoleAdapter(
            app, stdin=self.stdin, out=self.out, files_dir=files_dir or Path("data/files")
        )
        app.attach(self.adapter.outbox)
        self.app = app

    async def send(self, line: str, *answers: str, user: User | None = None) -> str:
        """Type `line` (then `answers` for any form prompts); returns everything printed meanwhile.

        `user` types as someone else (default: the console's own admin user "you"); their
        commands, clicks and form submissions all carry that user.
        """
        for answer in answers:
            self.stdin.feed_data((answer + "\n").encode())
        start = self.out.tell()
        saved = console_adapter.USER
        if user is not None:
            console_adapter.USER = user
        try:
            await self.adapter.handle_line(line)
        finally:
            console_adapter.USER = saved
        self.out.seek(start)
        text = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return text

    async def message(
        self,
        text: str,
        *,
        user: User | None = None,
        message_id: str | None = None,
        channel: Channel | None = None,
        is_edit: bool = False,
        thread_title: str = "",
        thread_starter_id: str | None = None,
    ) -> str:
        """Deliver one chat message to the listeners with full control over its fields
        (a fixed `message_id` twice is a replayed delivery); returns what was printed."""
        start = self.out.tell()
        saved = console_adapter.USER
        if user is not None:
            console_adapter.USER = user
        try:
            incoming = Incoming(
                message_id or f"m{next(self.adapter._message_ids)}",
                console_adapter.USER,
                console_adapter.COMMUNITY,
                channel or console_adapter.CHANNEL,
                text,
                is_edit=is_edit,
                thread_title=thread_title,
                thread_starter_id=thread_starter_id,
            )
            ctx = console_adapter.ConsoleCtx(self.adapter, message=incoming)
            await self.app.dispatcher.run_listeners("message", ctx, incoming)
        finally:
            console_adapter.USER = saved
        self.out.seek(start)
        out = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return out

    async def press(self, label: str, *, user: User | None = None) -> str:
        """Click the button called `label` among the ones shown last."""
        labels = [b.label for b in self.adapter.choices]
        if label not in labels:
            raise AssertionError(f"no button {label!r}; shown: {labels}")
        return await self.send(str(labels.index(label) + 1), user=user)

    @property
    def transcript(self) -> str:
        return self.out.getvalue()
