"""RSS/Atom import: a careful fetcher (aiohttp) and a parser (feedparser on bytes we fetched).

`FeedFetcher` rules, all enforced here rather than trusted to the network:
- the URL passes `validate.check_link` (http/https, no credentials, public host);
- names are resolved with `loop.getaddrinfo` and refused when any address is private,
  loopback, link-local, multicast or reserved; the connector uses a resolver with the
  same rule, so a name that re-resolves to 127.0.0.1 between check and connect
  (DNS rebinding) is refused too;
- redirects are followed by hand, at most `max_redirects` (3), each target checked
  again by the same rules;
- one total timeout (10 s) covers every hop, and the body is read in chunks and
  abandoned once it passes `max_bytes` (2 MB, after decompression);
- conditional requests: If-None-Match / If-Modified-Since from the last response;
  a 304 means nothing to parse.

`allow_hosts` exempts exact host strings from the host rules. It is set only by
code (tests give `FeedFetcher(allow_hosts={"127.0.0.1"})` to the cog instance), never
from chat or config.

feedparser is only ever handed a stream of bytes: given a `str` it would fetch URLs
itself, and given `bytes` it first tries to open them as a local file name.
"""

from __future__ import annotations

import asyncio
import html
import io
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import aiohttp
import feedparser
from aiohttp.abc import AbstractResolver, ResolveResult

from cogs.postings.validate import LinkError, check_link, ip_forbidden, parse_ip_literal

GetAddrInfo = Callable[..., Awaitable[list[Any]]]
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "Coinflip/0.1 (community bot; feed import)"
TAG = re.compile(r"<[^>]+>")


class FeedError(Exception):
    """A fetch or parse failed; `reason` is a short phrase to show moderators."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FetchResult:
    status: Literal["ok", "not_modified"]
    url: str
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str  # normalised
    summary: str


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    items: list[FeedItem] = field(default_factory=list)
    skipped: int = 0  # entries without a usable link


class GuardedResolver(AbstractResolver):
    """aiohttp resolver that never hands out a forbidden address."""

    def __init__(self, fetcher: FeedFetcher) -> None:
        self.fetcher = fetcher

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        infos = await self.fetcher.addresses(host, port)
        results: list[ResolveResult] = []
        for fam, _type, proto, _canon, sockaddr in infos:
            results.append(
                ResolveResult(
                    hostname=host,
                    host=str(sockaddr[0]),
                    port=int(sockaddr[1]),
                    family=fam,
                    proto=proto,
                    flags=socket.AI_NUMERICHOST,
                )
            )
        return results

    async def close(self) -> None:
        return None


class FeedFetcher:
    def __init__(
        self,
        *,
        allow_hosts: set[str] | frozenset[str] = frozenset(),
        timeout: float = 10.0,
        max_bytes: int = 2 * 1024 * 1024,
        max_redirects: int = 3,
        getaddrinfo: GetAddrInfo | None = None,
    ) -> None:
        self.allow_hosts = frozenset(allow_hosts)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._getaddrinfo = getaddrinfo

    def check(self, url: str) -> str:
        """The URL if it passes the link rules; raises LinkError (for people) otherwise."""
        check_link(url, allow_hosts=self.allow_hosts)
        return url.strip()

    async def addresses(self, host: str, port: int) -> list[Any]:
        """getaddrinfo, refusing when any address is forbidden (unless the host is allowed)."""
        getaddrinfo = self._getaddrinfo or asyncio.get_running_loop().getaddrinfo
        try:
            infos = await getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            raise FeedError("its host name doesn't resolve") from None
        if not infos:
            raise FeedError("its host name doesn't resolve")
        if host not in self.allow_hosts:
            for info in infos:
                ip = parse_ip_literal(str(info[4][0]))
                if ip is None or ip_forbidden(ip):
                    raise FeedError("its host name points at a private or local address")
        return list(infos)

    async def _check_hop(self, url: str) -> None:
        try:
            link = check_link(url, allow_hosts=self.allow_hosts)
        except LinkError:
            raise FeedError("it points (or redirects) to an address I won't fetch") from None
        if link.host not in self.allow_hosts and parse_ip_literal(link.host) is None:
            await self.addresses(link.host, link.port)

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(self), limit=2, force_close=True)
        session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            trust_env=False,
        )
        try:
            async with asyncio.timeout(self.timeout):
                return await self._fetch(session, url, headers)
        except TimeoutError:
            raise FeedError(f"it took longer than {self.timeout:g} seconds") from None
        except FeedError:
            raise
        except aiohttp.ClientConnectorError as err:
            if isinstance(err.os_error, FeedError):
                raise err.os_error from None
            raise FeedError("I couldn't connect to it") from None
        except aiohttp.ClientError as err:
            raise FeedError(f"the connection failed ({type(err).__name__})") from None
        finally:
            await session.close()

    async def _fetch(
        self, session: aiohttp.ClientSession, url: str, headers: dict[str, str]
    ) -> FetchResult:
        current = url
        for hop in range(self.max_redirects + 1):
            await self._check_hop(current)
            async with session.get(current, headers=headers, allow_redirects=False) as resp:
                if resp.status in REDIRECTS:
                    location = resp.headers.get("Location")
                    if not location:
                        raise FeedError("it redirects without saying where")
                    if hop == self.max_redirects:
                        break
                    current = urljoin(current, location)
                    if urlsplit(current).scheme not in ("http", "https"):
                        raise FeedError("it points (or redirects) to an address I won't fetch")
                    continue
                if resp.status == 304:
                    return FetchResult(
                        "not_modified",
                        current,
                        etag=resp.headers.get("ETag"),
                        last_modified=resp.headers.get("Last-Modified"),
                    )
                if resp.status != 200:
                    raise FeedError(f"the server answered HTTP {resp.status}")
                too_big = f"it's larger than {self.max_bytes / 1024 / 1024:g} MB"
                if resp.content_length is not None and resp.content_length > self.max_bytes:
                    raise FeedError(too_big)
                chunks: list[bytes] = []
                size = 0
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FeedError(too_big)
                    chunks.append(chunk)
                return FetchResult(
                    "ok",
                    current,
                    b"".join(chunks),
                    etag=resp.headers.get("ETag"),
                    last_modified=resp.headers.get("Last-Modified"),
                )
        raise FeedError(f"it redirects more than {self.max_redirects} times")


def strip_html(text: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>", "\n", text)
    text = html.unescape(TAG.sub("", text))
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


def parse_feed(body: bytes, base_url: str) -> ParsedFeed:
    """Parse RSS or Atom bytes. CPU-bound: run it in a thread."""
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-location": base_url, "content-type": "application/xml"},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    entries = list(parsed.get("entries") or [])
    version = parsed.get("version") or ""
    if parsed.get("bozo") and not entries:
        raise FeedError("it isn't an RSS or Atom feed I can read")
    if not version and not entries:
        raise FeedError("it isn't an RSS or Atom feed I can read")
    title = strip_html(str(parsed.get("feed", {}).get("title") or ""))
    items: list[FeedItem] = []
    skipped = 0
    seen: set[str] = set()
    for entry in entries:
        raw_link = str(entry.get("link") or "")
        try:
            link = check_link(urljoin(base_url, raw_link)).url if raw_link else ""
        except LinkError:
            link = ""
        if not link or link in seen:
            skipped += 1
            continue
        seen.add(link)
        items.append(
            FeedItem(
                strip_html(str(entry.get("title") or "")) or link,
                link,
                strip_html(str(entry.get("summary") or "")),
            )
        )
    return ParsedFeed(title, items, skipped)
