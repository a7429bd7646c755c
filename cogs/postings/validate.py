"""Checking what members type: links, deadlines, lengths. Pure functions, no I/O.

Links (`check_link`):
- http and https only, no credentials, no whitespace or control characters;
- the host must be a public name or address: literal IPs in any spelling
  (`http://2130706433/`, `http://0x7f.1/`, `http://[::ffff:127.0.0.1]/`) are decoded
  the way `inet_aton` would, and private, loopback, link-local (incl.
  169.254.169.254), multicast, reserved and unspecified addresses are refused;
  `localhost`, `*.localhost`, `*.local`, `*.internal`, `*.localdomain`,
  `*.home.arpa` and single-label names are refused too;
- `allow_hosts` (exact host strings) lifts the host rules; only code passes it
  (the feed tests inject it into `FeedFetcher`), never chat or config.

Normalisation (`normalise_link`), used for storage, display and duplicate checks:
lower-case scheme and host (IDNA), drop the default port, the fragment, a trailing
slash and tracking parameters (`utm_*`, `fbclid`, `gclid`, `ref`, ...), sort the
remaining query parameters, and percent-encode characters chat markup could misread
(`( ) < > | @` and quotes), so a link shown as text never carries a mention.

Deadlines (`parse_deadline`): "rolling" (and "none", "open", "ongoing"), or a date
or date-and-time read by dateparser (English). A zone in the text wins ("17:00 PT",
"Europe/Berlin", "+01:00"); otherwise the community's zone. A date without a time
means 23:59 that day. A date without a year means its nearest occurrence, so "Jan
10" typed in December is next January while "Nov 30" typed on 1 December is in the
past and refused. dateparser is CPU-bound: callers run this in a thread.

Lengths (see `LIMITS`) sit inside every platform's limits: a Discord embed title is
256 characters and a field 1,024, a Slack section 3,000.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.timefmt import zone_label
from bot.errors import UserError

KINDS: tuple[str, ...] = ("job", "fellowship", "program", "grant", "event", "other")

LIMITS: dict[str, int] = {
    "title": 200,
    "organisation": 100,
    "location": 100,
    "org_line": 200,  # the form's "organisation · where" line
    "link": 500,  # Discord link buttons take 512
    "deadline": 100,
    "description": 1000,
    "reason": 500,
}

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "si",
    }
)
FORBIDDEN_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
DEFAULT_PORTS = {"http": 80, "https": 443}
ROLLING_WORDS = frozenset({"rolling", "none", "no deadline", "open", "ongoing", "n/a", "-"})

# Abbreviations people type, mapped to real zones so DST is right ("PT" in June is UTC-7).
ZONE_WORDS: dict[str, str] = {
    "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "mt": "America/Denver",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "ct": "America/Chicago",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "et": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "utc": "UTC",
    "gmt": "UTC",
    "z": "UTC",
    "aoe": "Etc/GMT+12",  # "anywhere on earth", common for grant deadlines
    "uk": "Europe/London",
    "bst": "Europe/London",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
}
TIME_HINT = re.compile(
    r"\d{1,2}:\d{2}|\b\d{1,2}\s*(?:am|pm)\b|\bnoon\b|\bmidnight\b|T\d{2}|\b(?:hours?|minutes?|now)\b",
    re.IGNORECASE,
)
YEAR_HINT = re.compile(r"\b\d{4}\b")
RELATIVE_HINT = re.compile(
    r"\b(?:today|tomorrow|yesterday|next|last|this|in|ago|days?|weeks?|months?)\b", re.IGNORECASE
)
OFFSET_TAIL = re.compile(r"\s*(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
IANA_TAIL = re.compile(r"\s+([A-Za-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?)$")
WORD_TAIL = re.compile(r"\s+\(?([A-Za-z]{1,4})\)?$")

_dateparser_lock = threading.Lock()


class LinkError(UserError):
    """A link we will not post; the message says why and what to do."""


class DeadlineError(UserError):
    """A deadline we cannot use; the message says why and what to type instead."""


# -- links ------------------------------------------------------------------


def parse_ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host string names if it is an IP literal in any spelling, else None.

    Handles IPv6 (with or without brackets, zone ids dropped), dotted quads, and the
    inet_aton forms browsers and curl accept: `2130706433`, `0x7f000001`, `0177.0.0.1`,
    `127.1`, `127.0.1`.
    """
    h = host.strip().strip("[]")
    if ":" in h:
        try:
            return ipaddress.IPv6Address(h.split("%", 1)[0])
        except ValueError:
            return None
    h = h.rstrip(".")
    if not h or not re.fullmatch(r"[0-9a-fA-FxX.]+", h):
        return None
    parts = h.split(".")
    if len(parts) > 4:
        return None
    numbers: list[int] = []
    for part in parts:
        if not part:
            return None
        try:
            if part.lower().startswith("0x"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (5 - len(numbers)) + last
    return ipaddress.IPv4Address(value)


def ip_forbidden(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for addresses a link or a feed must never point at."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return ip_forbidden(mapped)
        if ip.teredo is not None:
            return True
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def host_problem(host: str) -> str | None:
    """Why `host` (already lower-cased, IDNA) is not a public host, or None when it is fine."""
    ip = parse_ip_literal(host)
    if ip is not None:
        if ip_forbidden(ip):
            return "it points at a private or local address"
        return None
    name = host.rstrip(".")
    if name == "localhost" or name.endswith(FORBIDDEN_SUFFIXES):
        return "it points at a local address"
    if "." not in name:
        return "it has no full domain name"
    labels = name.split(".")
    if any(not label or len(label) > 63 for label in labels) or len(name) > 253:
        return "its address is not a valid domain name"
    if not all(re.fullmatch(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?", label) for label in labels):
        return "its address is not a valid domain name"
    if labels[-1].isdigit():
        return "its address is not a valid domain name"
    return None


@dataclass(frozen=True)
class Link:
    url: str  # normalised
    scheme: str
    host: str
    port: int


def check_link(raw: str, *, allow_hosts: frozenset[str] | set[str] = frozenset()) -> Link:
    """Validate and normalise a link; raises LinkError with a one-sentence reason and fix."""
    text = raw.strip()
    if not text:
        raise LinkError("The link is empty. Paste the full address, starting with https://")
    if len(text) > LIMITS["link"]:
        raise LinkError(
            f"That link is {len(text)} characters; I can take up to {LIMITS['link']}. "
            "Try the shortest address that still opens the page."
        )
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        raise LinkError(
            "That link has spaces or invisible characters in it. Paste just the address, starting with https://"
        )
    try:
        parts = urlsplit(text)
    except ValueError:
        raise LinkError(
            "I can't read that link. Paste the full address, starting with https://"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise LinkError(
            "That link isn't http or https, so I can't post it. Paste the full address, starting with https://"
        )
    if not parts.netloc:
        raise LinkError("That link has no address after https://. Paste the full link.")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise LinkError(
            "That link has a username or password in it, so I won't post it. Share the public address instead."
        )
    try:
        port = parts.port
    except ValueError:
        raise LinkError("That link's port number isn't valid. Check the address.") from None
    raw_host = (parts.hostname or "").strip()
    if not raw_host:
        raise LinkError(
            "That link has no host name. Paste the full address, starting with https://"
        )
    try:
        host = raw_host.encode("idna").decode("ascii").lower() if ":" not in raw_host else raw_host
    except UnicodeError:
        raise LinkError("That link's host name isn't valid. Check the address.") from None
    host = host.rstrip(".") if ":" not in host else host
    if host not in allow_hosts:
        problem = host_problem(host)
        if problem:
            raise LinkError(
                f"I can't post that link: {problem}. Share a public https:// address instead."
            )
    port = port or DEFAULT_PORTS[scheme]
    return Link(_rebuild(scheme, host, port, parts.path, parts.query), scheme, host, port)


def _rebuild(scheme: str, host: str, port: int, path: str, query: str) -> str:
    netloc = f"[{host}]" if ":" in host else host
    if port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    # Characters chat markup could misread ("(", ")", "<", ">", "|", "@", quotes) are escaped,
    # so a link shown as text can never carry a mention.
    path = quote(path.rstrip("/"), safe="/%:!$&'*+,;=-._~")
    kept = [
        (k, v)
        for k, v in parse_qsl(query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    kept.sort()
    return urlunsplit((scheme, netloc, path, urlencode(kept, quote_via=quote), ""))


def normalise_link(raw: str, *, allow_hosts: frozenset[str] | set[str] = frozenset()) -> str:
    return check_link(raw, allow_hosts=allow_hosts).url


# -- deadlines --------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    when: datetime | None  # UTC; None when rolling
    rolling: bool
    text: str  # what was typed, kept for the edit form

    @property
    def label(self) -> str:
        return "rolling" if self.rolling else self.text


def _zone_from_tail(text: str) -> tuple[str, tzinfo | None]:
    """Split a trailing zone ("PT", "Europe/Berlin", "+01:00", "UTC+2") off the text."""
    m = IANA_TAIL.search(text)
    if m:
        try:
            return text[: m.start()].strip(), ZoneInfo(m.group(1))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    m = OFFSET_TAIL.search(text)
    if m and TIME_HINT.search(text[: m.start()]):
        sign = 1 if m.group(1) == "+" else -1
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours <= 14 and minutes < 60:
            return text[: m.start()].strip(), timezone(
                sign * timedelta(hours=hours, minutes=minutes)
            )
    m = WORD_TAIL.search(text)
    if m and m.group(1).lower() in ZONE_WORDS:
        return text[: m.start()].strip(), ZoneInfo(ZONE_WORDS[m.group(1).lower()])
    return text, None


def _dateparse(text: str, base_local: datetime) -> datetime | None:
    import dateparser

    with _dateparser_lock:
        return dateparser.parse(
            text,
            languages=["en"],
            settings={
                "RELATIVE_BASE": base_local,
                "PREFER_DATES_FROM": "future",
                "PREFER_DAY_OF_MONTH": "first",
            },
        )


def _attach(naive: datetime, zone: tzinfo) -> datetime:
    # zoneinfo: a wall time in a DST gap maps forward via the UTC round trip.
    return naive.replace(tzinfo=zone).astimezone(UTC)


def parse_deadline(text: str, zone: ZoneInfo, now: datetime) -> Deadline:
    """Read a deadline as typed; raises DeadlineError (with the reason) when unusable or past."""
    typed = " ".join(text.split())
    if not typed:
        raise DeadlineError(
            'The deadline is empty. Type a date like "Dec 5", "2026-12-05 17:00 PT", or "rolling".'
        )
    if len(typed) > LIMITS["deadline"]:
        raise DeadlineError(
            f"That deadline is {len(typed)} characters; keep it under {LIMITS['deadline']}, "
            'like "Dec 5" or "2026-12-05 17:00 PT".'
        )
    if typed.lower().strip(".") in ROLLING_WORDS:
        return Deadline(None, True, "rolling")
    body, typed_zone = _zone_from_tail(typed)
    target_zone: tzinfo = typed_zone or zone
    base_local = now.astimezone(target_zone).replace(tzinfo=None)
    parsed = _dateparse(body, base_local)
    if parsed is None:
        raise DeadlineError(
            'I couldn\'t read that deadline. Type a date like "Dec 5", "2026-12-05 17:00 PT", or "rolling".'
        )
    if parsed.tzinfo is not None:  # an offset dateparser found itself (ISO 8601 and such)
        target_zone = parsed.tzinfo
        parsed = parsed.replace(tzinfo=None)
    has_time = bool(TIME_HINT.search(body))
    if not has_time:
        parsed = datetime.combine(parsed.date(), time(23, 59))
    candidates = [parsed]
    if not YEAR_HINT.search(body) and not RELATIVE_HINT.search(body):
        for years in (-1, 1):
            try:
                candidates.append(parsed.replace(year=parsed.year + years))
            except ValueError:  # 29 February
                pass
    utc_now = now.astimezone(UTC)
    when = min((_attach(c, target_zone) for c in candidates), key=lambda w: abs(w - utc_now))
    if when <= utc_now:
        local = when.astimezone(target_zone)
        where = f" {zone_label(target_zone)}" if isinstance(target_zone, ZoneInfo) else ""
        raise DeadlineError(
            f"That deadline ({local:%a} {local.day} {local:%b %Y}, {local:%H:%M}{where}) has already passed. "
            'Type a future date, or "rolling" if it has none.'
        )
    if when - utc_now > timedelta(days=3 * 366):
        raise DeadlineError(
            'That deadline is more than three years away; check the year, or type "rolling".'
        )
    return Deadline(when, False, typed)


# -- the other fields -------------------------------------------------------

ORG_SEPARATORS = (" · ", "·", " | ", " / ", " — ", " – ", " - ", ";", ",")


def split_org_line(text: str) -> tuple[str, str]:
    """'Apollo Research · London or remote' -> ('Apollo Research', 'London or remote')."""
    line = " ".join(text.split())
    for sep in ORG_SEPARATORS:
        if sep in line:
            org, _, where = line.partition(sep)
            if org.strip() and where.strip():
                return org.strip(), where.strip()
    return line, ""


def check_length(label: str, value: str, limit: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise UserError(f"The {label} is empty; it's needed. Nothing was saved.")
    if len(value) > limit:
        raise UserError(
            f"The {label} can be at most {limit:,} characters; yours has {len(value):,}. "
            "Shorten it and submit again. Nothing was saved."
        )
    return value


def check_kind(kind: str | None) -> str:
    k = (kind or "other").strip().lower()
    if k not in KINDS:
        raise UserError(f"The kind must be one of: {', '.join(KINDS)}.")
    return k


@dataclass(frozen=True)
class Draft:
    """A checked submission, ready to store. Text is as typed (neutralised on display)."""

    kind: str
    title: str
    organisation: str
    location: str
    link: str
    deadline: Deadline
    description: str


def check_fields(
    values: dict[str, str], kind: str, zone: ZoneInfo, now: datetime
) -> tuple[Draft | None, list[str]]:
    """Check a whole form; returns the draft, or every problem (one sentence each)."""
    problems: list[str] = []

    def take(label: str, key: str, limit: int, required: bool = True) -> str:
        try:
            return check_length(label, values.get(key, ""), limit, required=required).replace(
                " Nothing was saved.", ""
            )
        except UserError as err:
            problems.append(err.message.replace(" Nothing was saved.", ""))
            return ""

    title = " ".join(take("title", "title", LIMITS["title"]).split())
    org_line = take("organisation", "org", LIMITS["org_line"])
    organisation, location = split_org_line(org_line)
    if len(organisation) > LIMITS["organisation"]:
        problems.append(
            f"The organisation can be at most {LIMITS['organisation']} characters; yours has {len(organisation)}."
        )
    if len(location) > LIMITS["location"]:
        problems.append(
            f"The location can be at most {LIMITS['location']} characters; yours has {len(location)}."
        )
    description = take("description", "description", LIMITS["description"], required=False)
    link = ""
    try:
        link = check_link(values.get("link", "")).url
    except LinkError as err:
        problems.append(err.message)
    deadline: Deadline | None = None
    try:
        deadline = parse_deadline(values.get("deadline", ""), zone, now)
    except DeadlineError as err:
        problems.append(err.message)
    if problems or deadline is None:
        return None, problems
    return Draft(kind, title, organisation, location, link, deadline, description), []


def guess_kind(text: str) -> str:
    """A best guess at the kind of an imported item, from words in its title."""
    t = text.lower()
    for kind, words in (
        ("fellowship", ("fellowship", "fellow ", "scholar")),
        ("grant", ("grant", "funding", "prize")),
        ("program", ("program", "programme", "course", "bootcamp", "residency", "mats", "arena")),
        ("event", ("workshop", "conference", "hackathon", "meetup", "event", "webinar")),
        (
            "job",
            ("engineer", "researcher", "scientist", "manager", "hiring", "role", "job", "intern"),
        ),
    ):
        if any(w in t for w in words):
            return kind
    return "other"
