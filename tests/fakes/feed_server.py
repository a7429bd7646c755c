"""A local feed server (aiohttp, 127.0.0.1, random port) for the postings import tests.

Routes:
  /rss.xml, /atom.xml   feeds built from `server.items` (mutable); ETag and
                        Last-Modified, answering 304 to If-None-Match / If-Modified-Since
  /plain.xml            RSS without validators (always 200)
  /malformed.xml        broken XML, no entries
  /huge.xml             a valid start, then ~3 MB of items (streamed, chunked)
  /big-declared.xml     Content-Length says 50 MB (the fetcher should not read it)
  /redirect/ok          302 -> /rss.xml
  /redirect/metadata    302 -> http://169.254.169.254/latest/meta-data/
  /redirect/localhost   302 -> http://localhost:<port>/rss.xml
  /redirect/loop/<n>    302 -> /redirect/loop/<n+1>, forever
  /slow.xml             waits `slow_seconds` before answering
  /status/<code>        answers with that status
Every request is counted in `server.hits[path]` and its headers kept in `server.requests`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web


@dataclass
class Item:
    title: str
    link: str
    summary: str = ""


class FeedServer:
    def __init__(self) -> None:
        self.items: list[Item] = [
            Item(
                "Research Engineer, Interpretability",
                "https://jobs.example.org/re-interp",
                "Work on <b>SAEs</b>.",
            ),
            Item(
                "AI Safety Fellowship 2027",
                "https://fellows.example.org/2027?utm_source=rss",
                "Six months, funded.",
            ),
        ]
        self.version = 1
        self.modified = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        self.slow_seconds = 5.0
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- feed bodies ------------------------------------------------------------

    def rss(self, items: list[Item] | None = None, title: str = "Example Safety Jobs") -> bytes:
        entries = "".join(
            f"<item><title>{escape(i.title)}</title><link>{escape(i.link)}</link>"
            f"<description>{escape(i.summary)}</description></item>"
            for i in (self.items if items is None else items)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>https://jobs.example.org/</link>"
            f"<description>jobs</description>{entries}</channel></rss>"
        ).encode()

    def atom(self) -> bytes:
        entries = "".join(
            f'<entry><title>{escape(i.title)}</title><link href="{escape(i.link)}"/>'
            f"<id>{escape(i.link)}</id><updated>2026-11-30T12:00:00Z</updated>"
            f"<summary>{escape(i.summary)}</summary></entry>"
            for i in self.items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Example Atom Programs</title><id>urn:example:programs</id>"
            f"<updated>2026-11-30T12:00:00Z</updated>{entries}</feed>"
        ).encode()

    def bump(self, *items: Item) -> None:
        """Publish new items: the validators change, so the next conditional GET is a 200."""
        self.items = list(items) + self.items
        self.version += 1
        self.modified = datetime(2026, 12, 1, 12, self.version % 60, tzinfo=UTC)

    # -- handlers ---------------------------------------------------------------

    def _count(self, request: web.Request) -> None:
        self.hits[request.path] = self.hits.get(request.path, 0) + 1
        self.requests.append((request.path, dict(request.headers)))

    def _conditional(self, request: web.Request, body: bytes, content_type: str) -> web.Response:
        etag = f'"v{self.version}"'
        last_modified = format_datetime(self.modified, usegmt=True)
        if request.headers.get("If-None-Match") == etag or (
            "If-None-Match" not in request.headers
            and request.headers.get("If-Modified-Since") == last_modified
        ):
            return web.Response(status=304, headers={"ETag": etag, "Last-Modified": last_modified})
        return web.Response(
            body=body,
            content_type=content_type,
            headers={"ETag": etag, "Last-Modified": last_modified},
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self._count(request)
        path = request.path
        if path == "/rss.xml":
            return self._conditional(request, self.rss(), "application/rss+xml")
        if path == "/atom.xml":
            return self._conditional(request, self.atom(), "application/atom+xml")
        if path == "/plain.xml":
            return web.Response(body=self.rss(), content_type="application/rss+xml")
        if path == "/malformed.xml":
            return web.Response(
                body=b"<?xml version='1.0'?><rss><channel><title>Broken<item><link>oops",
                content_type="application/rss+xml",
            )
        if path == "/huge.xml":
            response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            await response.prepare(request)
            await response.write(
                b'<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>'
            )
            chunk = b"".join(
                f"<item><title>Item {n}</title><link>https://big.example.org/{n}</link></item>".encode()
                for n in range(1000)
            )
            try:
                for _ in range(60):  # ~4 MB
                    await response.write(chunk)
                await response.write(b"</channel></rss>")
                await response.write_eof()
            except (ConnectionResetError, RuntimeError):
                pass
            return response
        if path == "/big-declared.xml":
            response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            response.content_length = 50 * 1024 * 1024
            await response.prepare(request)
            try:
                await response.write(b'<?xml version="1.0"?><rss version="2.0">')
            except (ConnectionResetError, RuntimeError):
                pass
            return response
        if path == "/redirect/ok":
            raise web.HTTPFound("/rss.xml")
        if path == "/redirect/metadata":
            raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")
        if path == "/redirect/localhost":
            raise web.HTTPFound(f"http://localhost:{self.port}/rss.xml")
        if path.startswith("/redirect/loop/"):
            n = int(path.rsplit("/", 1)[1])
            raise web.HTTPFound(f"/redirect/loop/{n + 1}")
        if path == "/slow.xml":
            await asyncio.sleep(self.slow_seconds)
            return web.Response(body=self.rss(), content_type="application/rss+xml")
        if path.startswith("/status/"):
            return web.Response(status=int(path.rsplit("/", 1)[1]), text="nope")
        return web.Response(status=404, text="not here")

    # -- lifecycle --------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self) -> FeedServer:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
