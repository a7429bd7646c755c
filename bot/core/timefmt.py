"""Showing times to people: the community's zone, plus a relative hint."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def zone_label(zone: ZoneInfo) -> str:
    key = str(zone.key)
    if key in ("UTC", "Etc/UTC"):
        return "UTC"
    if key == "Europe/London":
        return "UK time"
    return key.rsplit("/", 1)[-1].replace("_", " ") + " time"


def relative(when: datetime, now: datetime) -> str:
    seconds = (when - now).total_seconds()
    future = seconds >= 0
    s = abs(seconds)
    if s < 90:
        return "now"
    if s < 3600 * 1.5:
        amount, unit = round(s / 60), "minute"
    elif s < 86400 * 1.5:
        amount, unit = round(s / 3600), "hour"
    else:
        amount, unit = round(s / 86400), "day"
    text = f"{amount} {unit}{'s' if amount != 1 else ''}"
    return f"in {text}" if future else f"{text} ago"


def show_time(when: datetime, zone: ZoneInfo, now: datetime, *, discord: bool = False) -> str:
    """'Fri 5 Dec, 17:00 UK time, in 3 days'; on Discord a native timestamp follows."""
    local = when.astimezone(zone)
    text = f"{local:%a} {local.day} {local:%b}, {local:%H:%M} {zone_label(zone)}, {relative(when, now)}"
    if discord:
        text += f" (<t:{int(when.timestamp())}:R>)"
    return text
