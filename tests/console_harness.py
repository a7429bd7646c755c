"""Drive the real console adapter in-process: feed lines, read what it printed."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from bot.adapters.console.adapter import ConsoleAdapter
from bot.app import App


class ConsoleHarness:
    def __init__(self, app: App, files_dir: Path | None = None) -> None:
        self.stdin = asyncio.StreamReader()
        self.out = io.StringIO()
        self.adapter = ConsoleAdapter(app, stdin=self.stdin, out=self.out, files_dir=files_dir or Path("data/files"))
        app.attach(self.adapter.outbox)
        self.app = app

    async def send(self, line: str, *answers: str) -> str:
        """Type `line` (then `answers` for any form prompts); returns everything printed meanwhile."""
        for answer in answers:
            self.stdin.feed_data((answer + "\n").encode())
        start = self.out.tell()
        await self.adapter.handle_line(line)
        self.out.seek(start)
        text = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return text

    @property
    def transcript(self) -> str:
        return self.out.getvalue()
