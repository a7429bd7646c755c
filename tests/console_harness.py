"""Drive the real console adapter in-process: feed lines, read what it printed."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from bot.adapters.console import adapter as console_adapter
from bot.adapters.console.adapter import ConsoleAdapter
from bot.app import App
from bot.core.events import User


class ConsoleHarness:
    def __init__(self, app: App, files_dir: Path | None = None) -> None:
        self.stdin = asyncio.StreamReader()
        self.out = io.StringIO()
        self.adapter = ConsoleAdapter(app, stdin=self.stdin, out=self.out, files_dir=files_dir or Path("data/files"))
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

    @property
    def transcript(self) -> str:
        return self.out.getvalue()
